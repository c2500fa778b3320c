"""Timed IMU samples, the currency between decoders, files and detectors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SampleBlock:
    """A run of consecutive samples.

    t_s: (n,) sample time in seconds on the sample timeline (sensor clock, unwrapped,
        since the recording's first sample).
    acc_g: (n, 3) specific force in g, sensor axes.
    gyro_dps: (n, 3) angular rate in deg/s, sensor axes; NaN rows where the sensor
        sent no gyroscope data (accelerometer-only packets).
    """

    t_s: np.ndarray
    acc_g: np.ndarray
    gyro_dps: np.ndarray

    def __post_init__(self):
        n = len(self.t_s)
        if self.acc_g.shape != (n, 3) or self.gyro_dps.shape != (n, 3):
            raise ValueError("t_s, acc_g and gyro_dps must describe the same samples")

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def has_gyro(self) -> bool:
        """True if every sample in the block carries a gyroscope reading."""
        return len(self) > 0 and not np.isnan(self.gyro_dps[:, 0]).any()

    @classmethod
    def empty(cls) -> "SampleBlock":
        return cls(np.empty(0), np.empty((0, 3)), np.empty((0, 3)))

    @classmethod
    def concat(cls, blocks: list["SampleBlock"]) -> "SampleBlock":
        blocks = [b for b in blocks if len(b)]
        if not blocks:
            return cls.empty()
        if len(blocks) == 1:
            return blocks[0]
        return cls(np.concatenate([b.t_s for b in blocks]),
                   np.concatenate([b.acc_g for b in blocks]),
                   np.concatenate([b.gyro_dps for b in blocks]))

    def __getitem__(self, index) -> "SampleBlock":
        return SampleBlock(self.t_s[index], self.acc_g[index], self.gyro_dps[index])
