"""Polar Measurement Data (PMD) frames: Polar Verity Sense and Polar H10.

Frame (notification on the PMD data characteristic), little-endian:

    byte 0      measurement type (low 6 bits): 2 = ACC, 5 = GYRO
    bytes 1-8   u64 timestamp, ns since 2000-01-01, of the frame's LAST sample
    byte 9      frame type (low 7 bits); bit 7 set = delta-compressed
    bytes 10-   samples

Raw frames hold plain signed samples: ACC type 0/1/2 = 1/2/3 bytes per axis, in
milli-g. Compressed frames hold a reference sample (signed, `resolution` bits per
axis rounded up to whole bytes) and then blocks [u8 delta bit width][u8 sample
count][deltas packed LSB-first, two's complement], each delta added to the previous
sample. Compressed ACC type 0 (Verity Sense) is value x factor in g, type 1 value x
factor in milli-g; compressed GYRO type 0 is value x factor in deg/s. The factor
comes from the sensor's answer to the start command.

Sample k of n in a frame is at t_last - (n - 1 - k) * dt, dt the time since the
previous frame of that type divided by n (or 1 / sample rate for the first frame).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..samples import SampleBlock
from .stats import StreamStats

ACC, GYRO = 2, 5
HEADER_BYTES = 10
EPOCH_NOTE = "2000-01-01T00:00:00Z"


class MalformedFrame(ValueError):
    pass


def _signed(values: np.ndarray, bits: int) -> np.ndarray:
    values = values.astype(np.int64)
    sign = 1 << (bits - 1)
    return (values ^ sign) - sign


def parse_raw(content: bytes, bytes_per_value: int) -> np.ndarray:
    if len(content) % (3 * bytes_per_value):
        raise MalformedFrame("raw frame length is not a whole number of samples")
    b = np.frombuffer(content, dtype=np.uint8).reshape(-1, bytes_per_value).astype(np.int64)
    value = np.zeros(len(b), dtype=np.int64)
    for i in range(bytes_per_value):
        value |= b[:, i] << (8 * i)
    return _signed(value, 8 * bytes_per_value).reshape(-1, 3)


def parse_delta(content: bytes, channels: int, resolution_bits: int) -> np.ndarray:
    """All samples of a delta-compressed frame, (n, channels) integers."""
    ref_bytes = (resolution_bits + 7) // 8
    if len(content) < channels * ref_bytes:
        raise MalformedFrame("shorter than its reference sample")
    data = np.frombuffer(content, dtype=np.uint8)
    ref = parse_raw(content[: channels * ref_bytes], ref_bytes) if channels == 3 else None
    current = ref[0] if ref is not None else None
    rows = [current[None, :]]
    offset = channels * ref_bytes
    while offset < len(data):
        if offset + 2 > len(data):
            raise MalformedFrame("delta block header cut off")
        width, count = int(data[offset]), int(data[offset + 1])
        offset += 2
        nbits = width * count * channels
        nbytes = (nbits + 7) // 8
        if offset + nbytes > len(data) or width == 0 and count:
            raise MalformedFrame("delta block cut off")
        if count:
            bits = np.unpackbits(data[offset:offset + nbytes], bitorder="little")[:nbits]
            words = bits.reshape(-1, width).astype(np.int64) @ (1 << np.arange(width, dtype=np.int64))
            deltas = _signed(words, width).reshape(count, channels)
            block = current + np.cumsum(deltas, axis=0)
            rows.append(block)
            current = block[-1]
        offset += nbytes
    return np.concatenate(rows)


class PolarPmdDecoder:
    """ACC (and GYRO) PMD frames -> samples on one timeline.

    Config: acc_sample_rate_hz, acc_factor, gyro_sample_rate_hz, gyro_factor, and for
    compressed frames acc_resolution_bits / gyro_resolution_bits (16 by default).
    The pipeline gets the ACC stream (gyro NaN); `frames()` gives every stream, for
    the `decode` tool.
    """

    def __init__(self, config: dict[str, Any]):
        self.config = config
        self.stats = StreamStats()
        self._previous_ns: dict[int, int] = {}
        self._first_ns: int | None = None

    def reset_link(self) -> None:
        self._previous_ns.clear()

    def frames(self, payloads: list[bytes]) -> list[tuple[int, np.ndarray, np.ndarray]]:
        """[(measurement type, t_s (n,), values (n, 3) in g or deg/s)] for valid frames."""
        out = []
        for payload in payloads:
            try:
                out.append(self._frame(payload))
            except MalformedFrame:
                self.stats.corrupt += 1
        return out

    def _frame(self, payload: bytes):
        if len(payload) < HEADER_BYTES + 1:
            raise MalformedFrame("shorter than a frame header")
        kind = payload[0] & 0x3F
        t_last_ns = int.from_bytes(payload[1:9], "little")
        frame_type = payload[9] & 0x7F
        compressed = bool(payload[9] & 0x80)
        content = payload[HEADER_BYTES:]
        c = self.config
        if kind == ACC:
            if compressed and frame_type in (0, 1):
                raw = parse_delta(content, 3, int(c.get("acc_resolution_bits", 16)))
                factor = float(c.get("acc_factor", 1.0))
                values = raw * factor if frame_type == 0 else raw * factor / 1000.0
            elif not compressed and frame_type in (0, 1, 2):
                values = parse_raw(content, frame_type + 1) / 1000.0     # milli-g -> g
            else:
                raise MalformedFrame(f"ACC frame type {frame_type} not supported")
            rate = float(c.get("acc_sample_rate_hz", 52))
        elif kind == GYRO:
            if compressed and frame_type == 0:
                values = parse_delta(content, 3, int(c.get("gyro_resolution_bits", 16))) * float(
                    c.get("gyro_factor", 1.0))
            else:
                raise MalformedFrame(f"GYRO frame type {frame_type} not supported")
            rate = float(c.get("gyro_sample_rate_hz", 52))
        else:
            raise MalformedFrame(f"measurement type {kind} not supported")
        n = len(values)
        previous = self._previous_ns.get(kind)
        step_ns = (t_last_ns - previous) / n if previous and t_last_ns > previous else 1e9 / rate
        self._previous_ns[kind] = t_last_ns
        t_ns = t_last_ns - (n - 1 - np.arange(n)) * step_ns
        if self._first_ns is None:
            self._first_ns = int(round(t_ns[0]))
        return kind, (t_ns - self._first_ns) * 1e-9, np.asarray(values, dtype=float)

    def decode(self, payloads: list[bytes], t_host_s, characteristics=None) -> SampleBlock:
        acc = [(t, v) for kind, t, v in self.frames(payloads) if kind == ACC]
        self.stats.packets += len(acc)
        if not acc:
            return SampleBlock.empty()
        t = np.concatenate([a[0] for a in acc])
        v = np.concatenate([a[1] for a in acc])
        self.stats.samples += len(t)
        return SampleBlock(t, v, np.full((len(t), 3), np.nan))
