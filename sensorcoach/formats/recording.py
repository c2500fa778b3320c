"""Recordings `*.jsonl` / `*.jsonl.gz`: what the host received, exactly as received.

Line 1 is a header, every further line a notification {"t", "h"[, "c"]} or an
event {"t", "event"}. The writer flushes (and fsyncs) at least once a second so a
crash loses at most the last second; the reader reads a file cut off mid-line up
to its last whole line and warns.
"""

from __future__ import annotations

import binascii
import codecs
import gzip
import io
import json
import os
import time
import warnings
import zlib
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
    from ..decoders import REQUIRED_CONFIG
    for key in REQUIRED_CONFIG.get(profile.decoder, ()):
        value = config.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise FormatError(path, f"must be a positive number, got {value!r}", line=1,
                              field=f"config.{key}")
    return RecordingHeader(profile=profile, config=config, raw=raw)


#: Bytes read from disk at a time: large enough that per-chunk overhead vanishes,
#: small enough that memory stays flat however long the recording.
READ_CHUNK_BYTES = 1 << 20


class RecordingReader:
    """Reads a recording: `header`, then `items()` yields batches and events in order.

    Reads in chunks (gzip decompressed with zlib directly, so a cut-off stream yields
    everything up to the cut, not an EOFError). Lines in the writer's own shape take a
    fast path; anything else goes through the JSON parser with full checks.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.truncated = False
        self.lines_read = 0
        try:
            self._raw = open(self.path, "rb")
        except FileNotFoundError:
            raise FormatError(self.path, "file not found") from None
        except OSError as exc:
            raise FormatError(self.path, f"cannot read: {exc.strerror}") from None
        self._gzip = str(self.path).lower().endswith(".gz")
        self._lines = self._iter_lines()
        try:
            first = next(self._lines, None)
            if first is None:
                raise FormatError(self.path, "empty file", line=1)
            self.header = parse_header(first[1], self.path)
        except FormatError:
            self.close()
            raise

    def close(self) -> None:
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _chunks(self) -> Iterator[bytes]:
        if not self._gzip:
            while chunk := self._raw.read(READ_CHUNK_BYTES):
                yield chunk
            return
        inflater = zlib.decompressobj(wbits=31)
        while data := self._raw.read(READ_CHUNK_BYTES):
            while data:
                try:
                    out = inflater.decompress(data)
                except zlib.error as exc:
                    raise FormatError(self.path, f"not a valid gzip file ({exc})",
                                      line=self.lines_read + 1) from None
                if out:
                    yield out
                data = b""
                if inflater.eof and inflater.unused_data:
                    # Another gzip member follows (concatenated files are valid gzip).
                    data = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
        # Stream stopped before its end marker: cut off (crash, power loss).
        self._cut_off = not inflater.eof

    def _iter_lines(self) -> Iterator[tuple[int, str]]:
        """(line number, text) of every whole line; a cut-off last line is warned about."""
        self._cut_off = False
        decoder = codecs.getincrementaldecoder("utf-8")()
        rest = ""
        number = 0
        for chunk in self._chunks():
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError:
                raise FormatError(self.path, "not UTF-8 text", line=number + 1) from None
            lines = (rest + text).split("\n")
            rest = lines.pop()
            for line in lines:
                number += 1
                self.lines_read = number
                yield number, line
        if rest:
            number += 1
            try:
                json.loads(rest)
            except json.JSONDecodeError:
                self._warn_truncated(number)
                return
            self.lines_read = number
            yield number, rest
        elif self._cut_off and number:
            self._warn_truncated(number + 1)

    def items(self, batch_size: int = 4096) -> Iterator[NotificationBatch | Event]:
        """Notifications in batches of up to `batch_size`, events on their own, in order."""
        batch = NotificationBatch()
        times, payloads, chars = batch.t_host_s, batch.payloads, batch.characteristics
        fromhex = bytes.fromhex
        for line_no, line in self._lines:
            # Fast path: exactly the writer's shape {"t": <number>, "h": "<hex>"}.
            if line.startswith('{"t": ') and line.endswith('"}'):
                split = line.find(', "h": "', 6)
                if split > 0:
                    hex_payload = line[split + 8:-2]
                    if '"' not in hex_payload:
                        try:
                            t = float(line[6:split])
                            payload = fromhex(hex_payload)
                        except ValueError:
                            pass          # the slow path says exactly what is wrong
                        else:
                            times.append(t)
                            payloads.append(payload)
                            chars.append(None)
                            if len(payloads) >= batch_size:
                                yield batch
                                batch = NotificationBatch()
                                times, payloads, chars = (batch.t_host_s, batch.payloads,
                                                          batch.characteristics)
                            continue
            item = self._parse_line(line, line_no)
            if item is None:
                continue
            if isinstance(item, Notification):
                batch.append(item)
                if len(batch) >= batch_size:
                    yield batch
                    batch = NotificationBatch()
                    times, payloads, chars = batch.t_host_s, batch.payloads, batch.characteristics
                continue
            if len(batch):
                yield batch
                batch = NotificationBatch()
                times, payloads, chars = batch.t_host_s, batch.payloads, batch.characteristics
            yield item
        if len(batch):
            yield batch

    def _parse_line(self, line: str, line_no: int) -> Notification | Event | None:
        if not line.strip():
            return None
        try:
            obj = json.loads(line)
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
                payload = binascii.unhexlify(hex_payload)
            except (binascii.Error, ValueError):
                raise FormatError(self.path, f"bad hex {hex_payload[:40]!r}", line=line_no,
                                  field="h") from None
            return Notification(float(t), payload, obj.get("c"))
        if isinstance(obj.get("event"), str):
            data = {k: v for k, v in obj.items() if k not in ("t", "event")}
            return Event(float(t), obj["event"], data)
        raise FormatError(self.path, "neither a notification ('h') nor an event ('event')",
                          line=line_no)

    def _warn_truncated(self, line_no: int) -> None:
        self.truncated = True
        warnings.warn(f"{self.path}, line {line_no}: file ends mid-line (cut off?); "
                      f"read up to the last whole line", TruncatedFileWarning, stacklevel=4)


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
