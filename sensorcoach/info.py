"""What is in a recording or sample CSV: `sensorcoach info`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from .source import RecordingSource, open_source


def describe(path: str | Path) -> dict[str, Any]:
    """Streams through the file once (constant memory) and summarises it."""
    source = open_source(path)
    samples = 0
    first = last = None
    with_gyro = 0
    for block in source.blocks():
        if first is None:
            first = float(block.t_s[0])
        last = float(block.t_s[-1])
        samples += len(block)
        with_gyro += int((~np.isnan(block.gyro_dps[:, 0])).sum())
    stats = source.stats
    duration = (last - first) if samples else 0.0
    info: dict[str, Any] = {
        "path": str(path),
        "profile": source.profile_id,
        "odr_hz": source.config.get("odr_hz"),
        # Share of the timeline that has samples: gaps and lost packets lower it.
        "coverage": (round(samples / (duration * source.config["odr_hz"] + 1), 4)
                     if duration > 0 and source.config.get("odr_hz") else None),
        "gyro": "all" if samples and with_gyro == samples else ("some" if with_gyro else "none"),
        "samples": samples,
        "duration_s": round(duration, 6),
        "packets": stats.packets,
        "lost": stats.lost,
        "corrupt": stats.corrupt,
        "disconnects": stats.disconnects,
        "gaps": [g.as_dict() for g in source.gaps],
        "clock_drift_ppm": None if stats.clock_drift_ppm is None else round(stats.clock_drift_ppm, 1),
    }
    if isinstance(source, RecordingSource):
        header = source.header
        info["device"] = header.device
        info["mount"] = header.raw.get("mount")
        info["started_at"] = header.raw.get("started_at")
        info["config"] = header.config
        info["truncated"] = source.reader.truncated
        if source.host_span_s:
            info["host_span_s"] = round(source.host_span_s[1] - source.host_span_s[0], 3)
    return info


def format_info(info: dict[str, Any]) -> str:
    rows = [("file", info["path"])]
    if info["profile"]:
        device = info.get("device") or {}
        rows.append(("profile", info["profile"]))
        rows.append(("device", " ".join(str(device.get(k)) for k in ("name", "address")
                                        if device.get(k)) or "-"))
        if info.get("mount"):
            rows.append(("mount", info["mount"]))
    else:
        rows.append(("profile", "none (sample CSV)"))
    rate = f"{info['odr_hz']} Hz" if info["odr_hz"] else "-"
    if info["coverage"] is not None:
        rate += f", samples cover {100 * info['coverage']:.1f}% of the timeline"
    rows.append(("rate", rate))
    rows.append(("gyroscope", {"all": "yes", "some": "in some packets", "none": "no"}[info["gyro"]]))
    rows.append(("duration", f"{info['duration_s']:.1f} s of sample timeline"))
    rows.append(("samples", str(info["samples"])))
    if info["profile"]:
        expected = info["packets"] + info["lost"]
        loss = 100.0 * info["lost"] / expected if expected else 0.0
        rows.append(("packets", f"{info['packets']} received, {info['lost']} lost ({loss:.2f}%), "
                                f"{info['corrupt']} corrupt"))
        gaps = ", ".join(f"{g['end_s'] - g['start_s']:.1f} s at {g['start_s']:.1f} s"
                         for g in info["gaps"])
        rows.append(("disconnects", f"{info['disconnects']}" + (f" (gaps: {gaps})" if gaps else "")))
        drift = info["clock_drift_ppm"]
        rows.append(("clock drift", "not measurable (under 30 s)" if drift is None else
                     f"{-drift:+.1f} ppm (sensor clock against host; below ~connection "
                     f"interval / duration it cannot be resolved)"))
        if info.get("truncated"):
            rows.append(("note", "file ends mid-line (cut off); read up to the last whole line"))
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k.ljust(width)}  {v}" for k, v in rows)
