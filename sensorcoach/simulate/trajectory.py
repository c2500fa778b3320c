"""Pose channels over time: keyframes joined by minimum-jerk moves, plus overlays.

A minimum-jerk move (Flash & Hogan 1985) is how people move a limb from one
posture to another: smooth position, velocity and acceleration, so the simulated
accelerometer sees no impossible steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: The pose channels and their meaning (all in the person's pelvis, see body.py).
CHANNELS = ("lie_deg", "tilt_deg", "roll_deg", "yaw_deg", "obliq_deg", "x_m", "y_m", "z_m")


def min_jerk(tau: np.ndarray) -> np.ndarray:
    """Normalised minimum-jerk profile: 0 at tau<=0, 1 at tau>=1."""
    tau = np.clip(tau, 0.0, 1.0)
    return tau ** 3 * (10 - 15 * tau + 6 * tau ** 2)


@dataclass
class Track:
    """Keyframes of one channel: a value at each time, min-jerk in between."""
    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def add(self, t: float, value: float) -> None:
        if self.times and t < self.times[-1]:
            raise ValueError("keyframes must be added in time order")
        self.times.append(float(t))
        self.values.append(float(value))

    def evaluate(self, t: np.ndarray) -> np.ndarray:
        kt = np.asarray(self.times)
        kv = np.asarray(self.values)
        if len(kt) == 0:
            return np.zeros_like(t)
        seg = np.clip(np.searchsorted(kt, t, side="right") - 1, 0, len(kt) - 1)
        nxt = np.minimum(seg + 1, len(kt) - 1)
        span = kt[nxt] - kt[seg]
        tau = np.where(span > 0, (t - kt[seg]) / np.where(span > 0, span, 1.0), 1.0)
        out = kv[seg] + (kv[nxt] - kv[seg]) * min_jerk(tau)
        return np.where(t < kt[0], kv[0], out)


class Script:
    """Builds a session: moves, waits and overlays on a running clock."""

    def __init__(self, start: dict[str, float]):
        self.now = 0.0
        self.current = {name: float(start.get(name, 0.0)) for name in CHANNELS}
        self.tracks = {name: Track() for name in CHANNELS}
        for name in CHANNELS:
            self.tracks[name].add(0.0, self.current[name])
        #: Additive overlays: functions of the time grid returning {channel: array}.
        self.overlays: list = []

    def move(self, duration_s: float, **targets: float) -> tuple[float, float]:
        """Move the named channels to new values in `duration_s`; returns (start, end)."""
        start = self.now
        for name, value in targets.items():
            track = self.tracks[name]
            track.add(start, self.current[name])
            track.add(start + duration_s, value)
            self.current[name] = float(value)
        self.now += duration_s
        return start, self.now

    def wait(self, duration_s: float) -> None:
        self.now += max(0.0, duration_s)

    def overlay(self, fn) -> None:
        self.overlays.append(fn)

    def evaluate(self, t: np.ndarray) -> dict[str, np.ndarray]:
        out = {name: self.tracks[name].evaluate(t) for name in CHANNELS}
        for fn in self.overlays:
            for name, value in fn(t).items():
                out[name] = out[name] + value
        return out


def window(t: np.ndarray, t0: float, t1: float, ramp_s: float) -> np.ndarray:
    """1 inside [t0, t1], min-jerk ramps of `ramp_s` on both ends, 0 outside."""
    up = min_jerk((t - t0) / ramp_s) if ramp_s > 0 else (t >= t0).astype(float)
    down = min_jerk((t1 - t) / ramp_s) if ramp_s > 0 else (t <= t1).astype(float)
    return up * down


def bump(t: np.ndarray, t0: float, duration_s: float) -> np.ndarray:
    """0 -> 1 -> 0 over `duration_s` starting at t0 (a twitch or fidget)."""
    half = duration_s / 2
    return min_jerk((t - t0) / half) - min_jerk((t - t0 - half) / half)
