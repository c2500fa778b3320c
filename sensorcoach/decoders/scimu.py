"""Decoder for the reference protocol scimu-v1 (firmware_config/README.md).

Everything is vectorised over the batch: headers and samples are gathered from one
joined byte buffer with index arithmetic, so there is no Python loop per sample
(the only per-packet Python work is measuring lengths and joining bytes).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..samples import SampleBlock
from .stats import StreamStats

HEADER_BYTES = 8
PACKET_ACC_GYRO = 0x01
PACKET_ACC_ONLY = 0x02
BYTES_PER_SAMPLE = {PACKET_ACC_GYRO: 12, PACKET_ACC_ONLY: 6}
MAX_SAMPLES_PER_PACKET = 19   # 8 + 19 * 12 = 236 <= 247 - 3, the largest LE ATT MTU
SEQ_MODULO = 1 << 16
CLOCK_MODULO = 1 << 32
#: A sensor-clock step of more than half the wrap period is taken to be backwards
#: (sensor reset), since a forward step that large would mean 36 minutes of silence.
CLOCK_BACKWARDS_US = CLOCK_MODULO // 2
#: A sequence step of more than half the range is a repeat or reorder, not a loss.
SEQ_BACKWARDS = SEQ_MODULO // 2


def encode_packet(seq: int, t0_us: int, acc_counts: np.ndarray,
                  gyro_counts: np.ndarray | None = None) -> bytes:
    """Build one notification (used by the simulator, the virtual sensor and tests)."""
    acc_counts = np.asarray(acc_counts, dtype="<i2").reshape(-1, 3)
    n = len(acc_counts)
    if not 1 <= n <= MAX_SAMPLES_PER_PACKET:
        raise ValueError(f"{n} samples do not fit one packet (1..{MAX_SAMPLES_PER_PACKET})")
    if gyro_counts is None:
        body = acc_counts
        ptype = PACKET_ACC_ONLY
    else:
        body = np.hstack([acc_counts, np.asarray(gyro_counts, dtype="<i2").reshape(-1, 3)])
        ptype = PACKET_ACC_GYRO
    header = np.zeros(1, dtype=[("type", "u1"), ("n", "u1"), ("seq", "<u2"), ("t0", "<u4")])
    header[0] = (ptype, n, seq % SEQ_MODULO, t0_us % CLOCK_MODULO)
    return header.tobytes() + np.ascontiguousarray(body, dtype="<i2").tobytes()


class ScimuDecoder:
    """Stateful scimu-v1 decoder: sequence and sensor clock carry across batches."""

    def __init__(self, config: dict[str, Any]):
        self.odr_hz = float(config["odr_hz"])
        self.acc_scale_g = float(config["acc_range_g"]) / 32768.0
        self.gyro_scale_dps = float(config.get("gyro_range_dps") or 0) / 32768.0
        self.sample_period_us = 1e6 / self.odr_hz
        self.stats = StreamStats()
        self.clock_resets = 0
        self._last_seq: int | None = None
        self._last_clock_raw: int | None = None
        self._last_clock_us: int = 0         # unwrapped clock of the last packet's first sample
        self._last_n: int = 0
        self._first_us: int | None = None

    def reset_link(self) -> None:
        self._last_seq = None

    def decode(self, payloads: list[bytes], t_host_s, characteristics=None) -> SampleBlock:
        count = len(payloads)
        if count == 0:
            return SampleBlock.empty()
        lengths = np.fromiter(map(len, payloads), dtype=np.int64, count=count)
        buf = np.frombuffer(b"".join(payloads), dtype=np.uint8)
        offsets = np.cumsum(lengths) - lengths

        has_header = lengths >= HEADER_BYTES
        hoff = offsets[has_header]
        ptype = buf[hoff].astype(np.int64)
        n = buf[hoff + 1].astype(np.int64)
        stride = np.where(ptype == PACKET_ACC_GYRO, 12, np.where(ptype == PACKET_ACC_ONLY, 6, 0))
        ok = ((stride > 0) & (n >= 1) & (n <= MAX_SAMPLES_PER_PACKET)
              & (lengths[has_header] == HEADER_BYTES + n * stride))
        self.stats.corrupt += int(count - ok.sum())
        if not ok.any():
            return SampleBlock.empty()

        hoff, ptype, n, stride = hoff[ok], ptype[ok], n[ok], stride[ok]
        host = np.asarray(t_host_s, dtype=float)[np.flatnonzero(has_header)[ok]]
        seq = buf[hoff + 2].astype(np.int64) | (buf[hoff + 3].astype(np.int64) << 8)
        clock = (buf[hoff + 4].astype(np.int64) | (buf[hoff + 5].astype(np.int64) << 8)
                 | (buf[hoff + 6].astype(np.int64) << 16) | (buf[hoff + 7].astype(np.int64) << 24))

        self._count_losses(seq)
        t0_us = self._unwrap_clock(clock, n)

        # One row per sample: which packet, which position in it, where its bytes start.
        total = int(n.sum())
        packet_of = np.repeat(np.arange(len(n)), n)
        first_of_packet = np.cumsum(n) - n
        k = np.arange(total) - first_of_packet[packet_of]
        start = hoff[packet_of] + HEADER_BYTES + k * stride[packet_of]

        acc = np.empty((total, 3))
        gyro = np.full((total, 3), np.nan)
        acc[:] = self._gather_i16(buf, start, 3) * self.acc_scale_g
        with_gyro = stride[packet_of] == 12
        if with_gyro.any():
            gyro[with_gyro] = self._gather_i16(buf, start[with_gyro] + 6, 3) * self.gyro_scale_dps

        if self._first_us is None:
            self._first_us = int(t0_us[0])
        t_us = t0_us[packet_of] + k * self.sample_period_us
        t_s = (t_us - self._first_us) * 1e-6

        last_sample_s = (t0_us + (n - 1) * self.sample_period_us - self._first_us) * 1e-6
        self.stats.add_timing(last_sample_s, host)
        self.stats.packets += len(n)
        self.stats.samples += total
        return SampleBlock(t_s, acc, gyro)

    @staticmethod
    def _gather_i16(buf: np.ndarray, start: np.ndarray, count: int) -> np.ndarray:
        index = start[:, None] + np.arange(2 * count)
        return np.ascontiguousarray(buf[index]).view("<i2").astype(float)

    def _count_losses(self, seq: np.ndarray) -> None:
        previous = np.empty_like(seq)
        previous[1:] = seq[:-1]
        previous[0] = seq[0] - 1 if self._last_seq is None else self._last_seq
        gaps = (seq - previous - 1) % SEQ_MODULO
        self.stats.lost += int(gaps[gaps < SEQ_BACKWARDS].sum())
        self._last_seq = int(seq[-1])

    def _unwrap_clock(self, clock: np.ndarray, n: np.ndarray) -> np.ndarray:
        previous = np.empty_like(clock)
        previous[1:] = clock[:-1]
        if self._last_clock_raw is None:
            previous[0] = clock[0]
            base = int(clock[0])
        else:
            previous[0] = self._last_clock_raw
            base = self._last_clock_us
        steps = (clock - previous) % CLOCK_MODULO
        backwards = steps > CLOCK_BACKWARDS_US
        if backwards.any():
            # The sensor restarted its clock: carry on as if the packet followed
            # the previous one directly, so the timeline stays monotonic.
            self.clock_resets += int(backwards.sum())
            prev_n = np.empty_like(n)
            prev_n[1:] = n[:-1]
            prev_n[0] = self._last_n
            steps = np.where(backwards, np.rint(prev_n * self.sample_period_us).astype(np.int64),
                             steps)
        unwrapped = base + np.cumsum(steps)
        self._last_clock_raw = int(clock[-1])
        self._last_clock_us = int(unwrapped[-1])
        self._last_n = int(n[-1])
        return unwrapped
