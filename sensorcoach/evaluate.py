"""`sensorcoach evaluate DIR`: the analysis against every NAME.labels.json in DIR.

Every labelled rep counts, those a gap in the data hid (a link drop) as well: the
person did them, and a physiotherapist watching would count them (the detector
counts them from the set's rhythm, `"hidden": true`). How many were hidden more than
half is reported. Hold and latency are measured on the reps seen only.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SensorCoachError
from .formats import LabelSet, read_labels

#: A detected rep whose middle lies this close to a labelled set still belongs to it
#: (labels and detection may disagree on where a set's first and last rep begin/end).
SET_MARGIN_S = 2.0


def find_recording(labels_path: Path) -> Path | None:
    stem = labels_path.name[: -len(".labels.json")]
    for suffix in (".jsonl.gz", ".jsonl", ".csv"):
        candidate = labels_path.with_name(stem + suffix)
        if candidate.exists():
            return candidate
    return None


def _overlap(a0, a1, b0, b1) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


@dataclass
class SetRow:
    file: str
    exercise: str
    start_s: float
    truth_reps: int
    found_reps: int
    found_exercise: str | None
    hold_errors_s: list[float] = field(default_factory=list)
    posture_error_s: float | None = None
    latencies_s: list[float] = field(default_factory=list)
    #: Labelled reps hidden more than half by a link gap (counted in the truth).
    in_gaps: int = 0

    @property
    def exact(self) -> bool:
        return self.truth_reps == self.found_reps

    @property
    def within_one(self) -> bool:
        return abs(self.truth_reps - self.found_reps) <= 1

    @property
    def recognised(self) -> bool:
        return self.found_exercise == self.exercise


def _match(truth, found):
    """Pairs (truth, found) by greatest time overlap, each found item used once.

    `truth` items have start_s/end_s attributes, `found` items are result dicts.
    """
    pairs, used = [], set()
    for t in truth:
        best, best_overlap = None, 0.0
        for j, f in enumerate(found):
            if j in used:
                continue
            ov = _overlap(t.start_s, t.end_s, f["start_s"], f["end_s"])
            if ov > best_overlap:
                best, best_overlap = j, ov
        pairs.append((t, None if best is None else found[best]))
        if best is not None:
            used.add(best)
    return pairs


def _outside_gaps(reps, gaps):
    """Labelled reps the sensor could be seen doing: at least half of each outside
    the link's gaps (a rep half hidden may fairly be counted or not)."""
    def hidden(r):
        return sum(_overlap(r.start_s, r.end_s, g["start_s"], g["end_s"]) for g in gaps)
    return tuple(r for r in reps if hidden(r) <= 0.5 * (r.end_s - r.start_s))


def evaluate_file(labels_path: Path, result: dict) -> tuple[list[SetRow], dict]:
    labels = read_labels(labels_path)
    found_sets = result["sets"]
    gaps = result.get("stream", {}).get("gaps", [])
    rows = []
    for ts, fs in _match(labels.sets, found_sets):
        visible = _outside_gaps(ts.reps, gaps)
        row = SetRow(labels_path.name[: -len(".labels.json")], ts.exercise, ts.start_s,
                     len(ts.reps), 0, None, in_gaps=len(ts.reps) - len(visible))
        if fs is not None:
            row.found_reps = len(fs["reps"])
            row.found_exercise = fs["exercise"]
            seen = [r for r in fs["reps"] if not r.get("hidden")]
            for t, f in _match(visible, seen):
                if f is None:
                    continue
                if "detected_at_s" in f:
                    row.latencies_s.append(f["detected_at_s"] - t.end_s)
                if ts.exercise == "hip_bridge" and t.hold_s is not None and "hold_s" in f:
                    row.hold_errors_s.append(f["hold_s"] - t.hold_s)
            if ts.exercise == "knee_to_chest" and ts.posture_start_s is not None \
                    and "hold_s" in fs:
                row.posture_error_s = fs["hold_s"] - (ts.posture_end_s - ts.posture_start_s)
        rows.append(row)
    outside = _false_reps_outside(labels.sets, found_sets, result["duration_s"])
    return rows, outside


def _false_reps_outside(truth_sets: tuple[LabelSet, ...], found_sets, duration_s):
    spans = [(s.start_s - SET_MARGIN_S, s.end_s + SET_MARGIN_S) for s in truth_sets]
    inside_s = sum(_overlap(a, b, 0.0, duration_s) for a, b in spans)
    false = 0
    for fs in found_sets:
        for r in fs["reps"]:
            mid = 0.5 * (r["start_s"] + r["end_s"])
            if not any(a <= mid <= b for a, b in spans):
                false += 1
    return {"false_reps": false, "minutes_outside": max(0.0, duration_s - inside_s) / 60.0}


def _median(values):
    return statistics.median(values) if values else None


def summarise(rows: list[SetRow], outside: list[dict]) -> dict[str, Any]:
    n = len(rows)
    holds = [abs(e) for r in rows for e in r.hold_errors_s]
    postures = [abs(r.posture_error_s) for r in rows if r.posture_error_s is not None]
    latencies = [x for r in rows for x in r.latencies_s]
    minutes = sum(o["minutes_outside"] for o in outside)
    false = sum(o["false_reps"] for o in outside)
    return {
        "sets": n,
        "reps_in_gaps": sum(r.in_gaps for r in rows),
        "exact_count_rate": round(sum(r.exact for r in rows) / n, 4) if n else None,
        "within_one_rate": round(sum(r.within_one for r in rows) / n, 4) if n else None,
        "recognition_rate": round(sum(r.recognised for r in rows) / n, 4) if n else None,
        "false_reps_per_min_outside": round(false / minutes, 4) if minutes > 0 else 0.0,
        "false_reps_outside": false,
        "minutes_outside": round(minutes, 2),
        "bridge_hold_error_median_s": _round(_median(holds)),
        "posture_time_error_median_s": _round(_median(postures)),
        "latency_median_s": _round(_median(latencies)),
        "latency_p90_s": _round(sorted(latencies)[int(0.9 * (len(latencies) - 1))]
                                if latencies else None),
    }


def _round(x):
    return None if x is None else round(x, 3)


def evaluate_dir(directory: str | Path) -> dict[str, Any]:
    from .detect import analyze
    directory = Path(directory)
    if not directory.is_dir():
        raise SensorCoachError(f"{directory}: not a directory")
    label_files = sorted(directory.glob("*.labels.json"))
    if not label_files:
        raise SensorCoachError(f"{directory}: no *.labels.json files")
    rows: list[SetRow] = []
    outside = []
    files = []
    for path in label_files:
        recording = find_recording(path)
        if recording is None:
            raise SensorCoachError(f"{path}: no recording beside it (NAME.jsonl[.gz] or NAME.csv)")
        result = analyze(recording)
        file_rows, file_outside = evaluate_file(path, result)
        rows += file_rows
        outside.append(file_outside)
        files.append({"file": recording.name, "false_reps_outside": file_outside["false_reps"],
                      "found_sets": len(result["sets"])})
    return {"summary": summarise(rows, outside), "files": files,
            "sets": [{"file": r.file, "exercise": r.exercise, "start_s": round(r.start_s, 1),
                      "truth": r.truth_reps, "found": r.found_reps,
                      "found_exercise": r.found_exercise, "in_gaps": r.in_gaps,
                      "hold_error_s": _round(_median([abs(e) for e in r.hold_errors_s])),
                      "posture_error_s": _round(r.posture_error_s),
                      "latency_s": _round(_median(r.latencies_s))} for r in rows]}


def format_report(report: dict) -> str:
    lines = [f"{'file':<34} {'exercise':<14} {'start':>7} {'truth':>5} {'found':>5}  "
             f"{'found as':<14} {'hold err':>8} {'latency':>7}"]
    for r in report["sets"]:
        mark = "" if r["truth"] == r["found"] else ("  ~" if abs(r["truth"] - r["found"]) <= 1
                                                     else "  X")
        hold = "" if r["hold_error_s"] is None else f"{r['hold_error_s']:.2f}"
        if r["posture_error_s"] is not None:
            hold = f"{r['posture_error_s']:+.2f}p"
        lat = "" if r["latency_s"] is None else f"{r['latency_s']:+.2f}"
        lines.append(f"{r['file']:<34} {r['exercise']:<14} {r['start_s']:>7.1f} {r['truth']:>5} "
                     f"{r['found']:>5}  {str(r['found_exercise']):<14} {hold:>8} {lat:>7}{mark}")
    s = report["summary"]

    def pct(x):
        return "-" if x is None else f"{100 * x:.1f}%"

    def sec(x):
        return "-" if x is None else f"{x:.2f} s"

    lines += ["", f"sets                         {s['sets']}",
              f"exact count                  {pct(s['exact_count_rate'])}"
              + (f"  (truth includes {s['reps_in_gaps']} labelled reps inside link gaps)"
                 if s["reps_in_gaps"] else ""),
              f"within +-1                   {pct(s['within_one_rate'])}",
              f"right exercise               {pct(s['recognition_rate'])}",
              f"false reps outside sets      {s['false_reps_outside']} in "
              f"{s['minutes_outside']:.1f} min = {s['false_reps_per_min_outside']:.3f}/min",
              f"bridge hold error (median)   {sec(s['bridge_hold_error_median_s'])}",
              f"posture time error (median)  {sec(s['posture_time_error_median_s'])}",
              f"latency (median, p90)        {sec(s['latency_median_s'])}, "
              f"{sec(s['latency_p90_s'])}"]
    return "\n".join(lines)
