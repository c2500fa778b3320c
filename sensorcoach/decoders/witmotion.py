"""WitMotion BLE 5.0 IMUs (BWT901BLE family): `55 61` data frames.

A notification holds one or more 20-byte frames: 0x55, flag 0x61, then nine int16
little-endian values: acceleration x, y, z (count / 32768 * 16 g), angular rate x,
y, z (count / 32768 * 2000 deg/s) and angle x, y, z (count / 32768 * 180 deg).
Frames with another flag (0x71: register read-back, magnetometer) are not IMU
samples and are skipped; anything that is not whole 20-byte frames starting with
0x55 is corrupt. The frames carry no timestamp and no sequence number: sample k is
at k / output rate, and lost frames cannot be counted.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..samples import SampleBlock
from .stats import StreamStats

FRAME_BYTES = 20
HEADER = 0x55
FLAG_IMU = 0x61
ACC_FULL_SCALE_G = 16.0
GYRO_FULL_SCALE_DPS = 2000.0
ANGLE_FULL_SCALE_DEG = 180.0

#: Output-rate codes of the RRATE register (0x03), written as FF AA 03 <code> 00.
RATE_CODES = {10: 0x06, 20: 0x07, 50: 0x08, 100: 0x09, 200: 0x0B}


def rate_command(odr_hz: int) -> bytes:
    return bytes([0xFF, 0xAA, 0x03, RATE_CODES[odr_hz], 0x00])


class WitMotionDecoder:
    def __init__(self, config: dict[str, Any]):
        self.odr_hz = float(config["odr_hz"])
        self.stats = StreamStats()
        self._count = 0

    def reset_link(self) -> None:
        pass

    def decode(self, payloads: list[bytes], t_host_s, characteristics=None) -> SampleBlock:
        good = [p for p in payloads if len(p) and len(p) % FRAME_BYTES == 0 and p[0] == HEADER]
        self.stats.corrupt += len(payloads) - len(good)
        if not good:
            return SampleBlock.empty()
        frames = np.frombuffer(b"".join(good), dtype=np.uint8).reshape(-1, FRAME_BYTES)
        valid_header = frames[:, 0] == HEADER
        self.stats.corrupt += int((~valid_header).sum())
        imu = frames[valid_header & (frames[:, 1] == FLAG_IMU)]
        self.stats.packets += len(good)
        if not len(imu):
            return SampleBlock.empty()
        values = np.ascontiguousarray(imu[:, 2:]).view("<i2").astype(float)
        n = len(values)
        t = (self._count + np.arange(n)) / self.odr_hz
        self._count += n
        self.stats.samples += n
        acc = values[:, 0:3] * (ACC_FULL_SCALE_G / 32768.0)
        gyro = values[:, 3:6] * (GYRO_FULL_SCALE_DPS / 32768.0)
        return SampleBlock(t, acc, gyro)
