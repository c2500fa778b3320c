"""Samples in chunks of any size -> fixed frames of sample time, identical for any chunking.

A frame is every sample with floor(t_s / frame_s) == k. A frame is complete when a
sample of a later frame arrives (or at the end); until then its raw samples are
kept, so every frame mean is computed from the same samples in the same order
however the stream was split.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..samples import SampleBlock


@dataclass
class Frames:
    """Complete frames, as arrays (n frames)."""
    index: np.ndarray        # frame number k (frame covers [k, k+1) * frame_s)
    t_s: np.ndarray          # time of the frame's last sample
    acc_g: np.ndarray        # (n, 3) mean specific force
    gyro_dps: np.ndarray     # (n, 3) mean angular rate, NaN without gyroscope
    spread_g: np.ndarray     # RMS deviation of |acc| within the frame (vigour)
    done_at_s: np.ndarray    # time of the sample whose arrival completed the frame

    def __len__(self) -> int:
        return len(self.index)


class FrameMaker:
    def __init__(self, frame_s: float):
        self.frame_s = frame_s
        self._pending = SampleBlock.empty()

    def feed(self, block: SampleBlock) -> Frames:
        return self._cut(SampleBlock.concat([self._pending, block]), final=False)

    def finish(self) -> Frames:
        return self._cut(self._pending, final=True)

    def _cut(self, samples: SampleBlock, final: bool) -> Frames:
        if len(samples) == 0:
            self._pending = samples
            return _empty()
        k = np.floor(samples.t_s / self.frame_s + 1e-9).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
        if final:
            complete = len(starts)
            done_at = np.r_[samples.t_s[starts[1:]], samples.t_s[-1]]
        else:
            complete = len(starts) - 1       # the last frame may still grow
            done_at = samples.t_s[starts[1:]]
        if complete <= 0:
            self._pending = samples
            return _empty()
        cut = starts[complete] if complete < len(starts) else len(samples)
        self._pending = samples[cut:]
        starts = starts[:complete]
        ends = np.r_[starts[1:], cut]
        counts = (ends - starts).astype(float)
        acc = np.add.reduceat(samples.acc_g[:cut], starts, axis=0) / counts[:, None]
        gyro = np.add.reduceat(samples.gyro_dps[:cut], starts, axis=0) / counts[:, None]
        norm = np.linalg.norm(samples.acc_g[:cut], axis=1)
        mean_norm = np.add.reduceat(norm, starts) / counts
        frame_of = np.repeat(np.arange(complete), ends - starts)
        spread = np.sqrt(np.add.reduceat((norm - mean_norm[frame_of]) ** 2, starts) / counts)
        return Frames(k[starts], samples.t_s[ends - 1], acc, gyro, spread, done_at[:complete])


def _empty() -> Frames:
    return Frames(np.empty(0, np.int64), np.empty(0), np.empty((0, 3)), np.empty((0, 3)),
                  np.empty(0), np.empty(0))
