"""Recordings `*.jsonl` / `*.jsonl.gz`: what the host received, exactly as received.

Line 1 is a header, every further line a notification {"t", "h"[, "c"]} or an
event {"t", "event"}. The writer flushes (and fsyncs) at least once a second so a
crash loses at most the last second; the reader reads a file cut off mid-line up
to its last whole line and warns.
"""

from __future__ import annotations

import binascii
import gzip
import io
import json
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from ..errors import FormatError
from ..profiles import DeviceProfile, load_profile
from ..errors import ProfileError

FORMAT_NAME = "sensorcoach-recording"
FORMAT_VERSION = 1
#: The writer pushes buffered lines to the disk at least this often (formats spec: 1 s).
FLUSH_INTERVAL_S = 1.0


class TruncatedFileWarning(UserWarning):
    """A file ended mid-line (power loss, crash): read up to its last whole line."""


@dataclass(frozen=True)
class Notification:
    t_host_s: float
    payload: bytes
    characteristic: str | None = None


@dataclass(frozen=True)
class Event:
    t_host_s: float
    name: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class NotificationBatch:
    """Consecutive notifications, kept as parallel lists for vectorised decoding."""
    t_host_s: list[float] = field(default_factory=list)
    payloads: list[bytes] = field(default_factory=list)
    characteristics: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.payloads)

    def append(self, item: Notification) -> None:
        self.t_host_s.append(item.t_host_s)
        self.payloads.append(item.payload)
        self.characteristics.append(item.characteristic)


def is_recording_path(path: str | Path) -> bool:
    name = str(path).lower()
    return name.endswith(".jsonl") or name.endswith(".jsonl.gz")


def _open_text(path: Path, mode: str):
    if str(path).lower().endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8", newline="\n")
    return open(path, mode, encoding="utf-8", newline="\n")


@dataclass(frozen=True)
class RecordingHeader:
    profile: DeviceProfile
    config: dict[str, Any]
    raw: dict[str, Any]

    @property
    def device(self) -> dict[str, Any]:
        return self.raw.get("device") or {}


def parse_header(line: str, path: Path) -> RecordingHeader:
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"header is not JSON ({exc.msg})", line=1) from None
    if not isinstance(raw, dict):
        raise FormatError(path, "header is not a JSON object", line=1)
    if raw.get("format") != FORMAT_NAME:
        raise FormatError(path, f"not a sensorcoach recording (format is {raw.get('format')!r}, "
                          f"expected {FORMAT_NAME!r})", line=1, field="format")
    if raw.get("version") != FORMAT_VERSION:
        raise FormatError(path, f"unsupported version {raw.get('version')!r} "
                          f"(this reader knows {FORMAT_VERSION})", line=1, field="version")
    profile_id = raw.get("profile")
    if not isinstance(profile_id, str):
        raise FormatError(path, "missing profile name", line=1, field="profile")
    try:
        profile = load_profile(profile_id)
    except ProfileError as exc:
        raise FormatError(path, str(exc), line=1, field="profile") from None
    config = raw.get("config")
    if not isinstance(config, dict):
        raise FormatError(path, "missing sensor configuration", line=1, field="config")
    for key in ("odr_hz", "acc_range_g"):
        value = config.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise FormatError(path, f"must be a positive number, got {value!r}", line=1,
                              field=f"config.{key}")
    return RecordingHeader(profile=profile, config=config, raw=raw)


class RecordingReader:
    """Reads a recording: `header`, then `items()` yields batches and events in order."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        try:
            self._file = _open_text(self.path, "r")
            first = self._readline()
        except FileNotFoundError:
            raise FormatError(self.path, "file not found") from None
        except OSError as exc:  # gzip.BadGzipFile is an OSError
            if hasattr(self, "_file"):
                self._file.close()
            raise FormatError(self.path, f"cannot read: {exc}") from None
        except UnicodeDecodeError:
            self._file.close()
            raise FormatError(self.path, "not UTF-8 text", line=1) from None
        try:
            if not first:
                raise FormatError(self.path, "empty file", line=1)
            self.header = parse_header(first, self.path)
        except FormatError:
            self._file.close()
            raise
        self.truncated = False
        self.lines_read = 1

    def _readline(self) -> str:
        return self._file.readline()

    def close(self) -> None:
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def items(self, batch_size: int = 4096) -> Iterator[NotificationBatch | Event]:
        """Notifications in batches of up to `batch_size`, events on their own, in order."""
        batch = NotificationBatch()
        for item in self._iter_items():
            if isinstance(item, Notification):
                batch.append(item)
                if len(batch) >= batch_size:
                    yield batch
                    batch = NotificationBatch()
            else:
                if len(batch):
                    yield batch
                    batch = NotificationBatch()
                yield item
        if len(batch):
            yield batch

    def _iter_items(self) -> Iterator[Notification | Event]:
        line_no = 1
        loads = json.loads
        unhexlify = binascii.unhexlify
        while True:
            try:
                line = self._file.readline()
            except EOFError:
                # gzip stream cut off: whatever was decompressed before is already yielded.
                self._warn_truncated(line_no + 1)
                return
            except (OSError, UnicodeDecodeError) as exc:
                raise FormatError(self.path, f"cannot read: {exc}", line=line_no + 1) from None
            if not line:
                return
            line_no += 1
            self.lines_read = line_no
            if not line.endswith("\n"):
                # The last line has no newline: a whole JSON object is fine, anything
                # else is a write cut off by a crash.
                try:
                    loads(line)
                except json.JSONDecodeError:
                    self._warn_truncated(line_no)
                    return
            if not line.strip():
                continue
            try:
                obj = loads(line)
            except json.JSONDecodeError as exc:
                raise FormatError(self.path, f"not JSON ({exc.msg})", line=line_no) from None
            if not isinstance(obj, dict):
                raise FormatError(self.path, "not a JSON object", line=line_no)
            t = obj.get("t")
            if not isinstance(t, (int, float)) or isinstance(t, bool):
                raise FormatError(self.path, f"time must be a number, got {t!r}", line=line_no,
                                  field="t")
            hex_payload = obj.get("h")
            if hex_payload is not None:
                if not isinstance(hex_payload, str):
                    raise FormatError(self.path, "payload must be a hex string", line=line_no,
                                      field="h")
                try:
                    payload = unhexlify(hex_payload)
                except (binascii.Error, ValueError):
                    raise FormatError(self.path, f"bad hex {hex_payload[:40]!r}", line=line_no,
                                      field="h") from None
                yield Notification(float(t), payload, obj.get("c"))
            elif isinstance(obj.get("event"), str):
                data = {k: v for k, v in obj.items() if k not in ("t", "event")}
                yield Event(float(t), obj["event"], data)
            else:
                raise FormatError(self.path, "neither a notification ('h') nor an event ('event')",
                                  line=line_no)

    def _warn_truncated(self, line_no: int) -> None:
        self.truncated = True
        warnings.warn(f"{self.path}, line {line_no}: file ends mid-line (cut off?); "
                      f"read up to the last whole line", TruncatedFileWarning, stacklevel=3)


def make_header(profile: str, config: dict[str, Any], *, device: dict[str, Any] | None = None,
                started_at: str | None = None, mount: str | None = None,
                **extra: Any) -> dict[str, Any]:
    from datetime import datetime, timezone
    header = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "profile": profile,
              "config": dict(config), "device": device or {},
              "started_at": started_at or datetime.now(timezone.utc).isoformat(timespec="seconds")}
    if mount is not None:
        header["mount"] = mount
    header.update(extra)
    return header


class RecordingWriter:
    """Writes a recording line by line; crash-safe (flush + fsync at least once a second).

    Call `flush_if_due()` from a timer when notifications may stop arriving, so the
    last second reaches the disk even during silence.
    """

    def __init__(self, path: str | Path, header: dict[str, Any], *,
                 flush_interval_s: float = FLUSH_INTERVAL_S, clock=time.monotonic):
        self.path = Path(path)
        if header.get("format") != FORMAT_NAME:
            raise ValueError("header must come from make_header()")
        self._clock = clock
        self._flush_interval_s = flush_interval_s
        try:
            self._raw = open(self.path, "wb")
        except OSError as exc:
            raise FormatError(self.path, f"cannot write: {exc.strerror}") from None
        if str(self.path).lower().endswith(".gz"):
            self._gz = gzip.GzipFile(fileobj=self._raw, mode="wb", compresslevel=6,
                                     filename="", mtime=0)
            self._out: Any = io.TextIOWrapper(self._gz, encoding="utf-8", newline="\n",
                                              write_through=True)
        else:
            self._gz = None
            self._out = io.TextIOWrapper(self._raw, encoding="utf-8", newline="\n")
        self._out.write(json.dumps(header, separators=(", ", ": ")) + "\n")
        self._last_flush = self._clock()
        self.flush()

    def write_notification(self, t_host_s: float, payload: bytes,
                           characteristic: str | None = None) -> None:
        line = f'{{"t": {t_host_s:.6f}, "h": "{payload.hex()}"'
        if characteristic:
            line += f', "c": "{characteristic}"'
        self._out.write(line + "}\n")
        self.flush_if_due()

    def write_notifications(self, t_host_s, payloads: list[bytes]) -> None:
        self._out.write("".join(f'{{"t": {t:.6f}, "h": "{p.hex()}"}}\n'
                                for t, p in zip(np.asarray(t_host_s, dtype=float), payloads)))
        self.flush_if_due()

    def write_event(self, t_host_s: float, name: str, **data: Any) -> None:
        obj = {"t": round(float(t_host_s), 6), "event": name, **data}
        self._out.write(json.dumps(obj) + "\n")
        self.flush()   # events are rare and matter (disconnects): never leave them buffered

    def flush_if_due(self) -> None:
        if self._clock() - self._last_flush >= self._flush_interval_s:
            self.flush()

    def flush(self) -> None:
        self._out.flush()
        if self._gz is not None:
            self._gz.flush()      # Z_SYNC_FLUSH: everything so far decompresses on its own
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._last_flush = self._clock()

    def close(self) -> None:
        if self._raw.closed:
            return
        self._out.flush()
        if self._gz is not None:
            self._gz.close()
        self._raw.flush()
        os.fsync(self._raw.fileno())
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
