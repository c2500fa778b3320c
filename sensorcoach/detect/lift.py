"""Which level is rest: the sensor's vertical travel across each rep.

Lying on a mat, nobody goes down from rest: a bridge raises a hip-worn sensor by
10-20 cm and a thigh-worn one by 2-13 cm (MEx). When the detector has taken a held
level for rest (a recording that starts mid-set, with holds longer and stiller than
the brief rests between them, as the MEx participants do), its "reps" are the short
lowerings to the real rest: each goes down first and comes back up. This finds that
out from a few such reps, whatever way the sensor is turned: the specific force
along the gravity direction, integrated twice across each transition between two
still levels (zero velocity at both ends), is the height gained.

Two estimates of that height are used, because each fails where the other holds
(measured on MEx): `vertical_travel_cm` integrates each transition alone and needs
the sensor still at its ends, which a sagging hold is not; `height_fit_cm` uses the
whole rep and needs the height to follow the turn, which it does not when the knee
slides. The transitions are read both together (down, then up) and the way back up
alone: that one starts on the floor, still, and ends at the top of a lift, so a
hold sagging before the lowering does not spoil it (held-out MEx person 20: the
ways down read +1.7, +6.5 and -5.5 cm, the ways back up 7.2, 3.0 and 6.0 cm). Any
one, confidently, is enough to overturn, unless the whole-rep fits say as
confidently that the reps rose.

Only bridge-sized travel counts as evidence: a posterior pelvic tilt moves a hip
sensor by under ~2 cm, up or down depending on where it sits (at the front it goes
down as the lumbar spine flattens), so tilts never overturn the rest.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .settings import DetectorSettings

#: Standard gravity, m/s^2 per g.
G_MS2 = 9.80665


def vertical_travel_cm(t_s, dirs, vertical_g) -> float:
    """Height gained from the first to the last frame, cm, for a window that starts
    and ends at rest or at a turning point. `dirs`: gravity direction per frame (unit
    vectors); `vertical_g`: specific force along it, g.

    The accelerometer's own offset and scale error make the 1 g level differ by a few
    mg between the two ends because the sensor has turned: that level is taken to
    change with the turn (not with time), from its value at one end to the other
    (the mean of the first and of the last sixth of the frames). The velocity is
    made zero at both ends.
    """
    t = np.asarray(t_s, dtype=float)
    n = len(t)
    if n < 6:
        return 0.0
    f = np.asarray(vertical_g, dtype=float)
    u = np.asarray(dirs, dtype=float)
    k = max(2, n // 6)
    u0, u1 = u[:k].mean(axis=0), u[-k:].mean(axis=0)
    turn = u1 - u0
    span = float(turn @ turn)
    progress = (np.clip((u - u0) @ turn / span, 0.0, 1.0) if span > 1e-12
                else np.linspace(0.0, 1.0, n))
    f0, f1 = f[:k].mean(), f[-k:].mean()
    acc = (f - (f0 + (f1 - f0) * progress)) * G_MS2
    acc -= acc.mean()
    dt = np.diff(t, prepend=t[0] - (t[1] - t[0]))
    v = np.cumsum(acc * dt)
    v -= np.linspace(0.0, v[-1], n)
    return float(np.sum(v * dt) * 100.0)


def height_fit_cm(t_s, dirs, vertical_g, top_u, smooth_frames: int = 7) -> float | None:
    """Height of a rep's top above its ends, cm, from the whole rep (frames from rest
    before it to rest after it), or None when the frames are too few or uneven.

    A rigid limb or pelvis rises as it turns: its height is H times the turn
    progress p(t) (0 at the ends, 1 at `top_u`), so the specific force along gravity
    is H p''(t) plus the accelerometer's 1 g level, which changes with the turn
    (c0 + c1 p). Least squares of those three terms, both sides smoothed alike,
    gives H. No velocity is assumed at the window's ends.
    """
    t = np.asarray(t_s, dtype=float)
    w = smooth_frames
    if len(t) < 3 * w:
        return None
    steps = np.diff(t)
    frame_s = float(steps.mean())
    if steps.max() > 1.5 * frame_s:
        return None                  # lost frames: the derivative needs an even grid
    u = np.asarray(dirs, dtype=float)
    start = u[:3].mean(axis=0)
    turn = np.asarray(top_u, dtype=float) - start
    span = float(turn @ turn)
    if span < 1e-12:
        return None
    progress = (u - start) @ turn / span
    smooth, second = _quadratic_fit_kernels(w)
    curvature = np.convolve(progress, second, mode="valid") / frame_s ** 2
    force = np.convolve(np.asarray(vertical_g, dtype=float) * G_MS2, smooth, mode="valid")
    progress = progress[w // 2: len(progress) - w // 2]
    terms = np.stack([np.ones_like(progress), progress, curvature], axis=1)
    # Leave out a kernel's length at each end: the window's first and last frames
    # are only the rest it is pinned by.
    edge = w - w // 2
    inner = slice(edge, -edge)
    coef, *_ = np.linalg.lstsq(terms[inner], force[inner], rcond=None)
    return float(coef[2] * 100.0)


@lru_cache(maxsize=8)
def _quadratic_fit_kernels(frames: int) -> tuple[np.ndarray, np.ndarray]:
    """Savitzky-Golay kernels (a quadratic fitted to `frames` points around each
    one): its value and its second derivative (per frame squared), for np.convolve."""
    x = np.arange(frames) - frames // 2
    fit = np.linalg.pinv(np.stack([np.ones(frames), x, x * x], axis=1))
    # np.convolve flips its kernel: flip the fitting rows to correlate.
    return fit[0][::-1].copy(), (2.0 * fit[2])[::-1].copy()


@dataclass
class _Reading:
    """A rep as the excursion detector saw it (its RepCandidate), and how high it went."""
    candidate: object
    top_from_s: float       # first frame near the peak
    top_to_s: float         # last frame near the peak
    deepest_u: tuple        # gravity direction at the peak of the excursion
    peak_deg: float
    out_cm: float | None = None
    back_cm: float | None = None
    fit_cm: float | None = None      # height_fit_cm of the whole rep

    @property
    def start_s(self) -> float:
        return self.candidate.start_s

    @property
    def end_s(self) -> float:
        return self.candidate.end_s

    @property
    def lowered_first(self) -> bool:
        return self.out_cm < 0.0 < self.back_cm

    @property
    def rise_cm(self) -> float:
        """Up going out and down coming back, averaged: negative for a lowering."""
        return 0.5 * (self.out_cm - self.back_cm)


class LiftCheck:
    """Collects the frames and reps of one resting level (an epoch) and says when its
    reps are really lowerings from a held level."""

    def __init__(self, settings: DetectorSettings):
        self.s = settings
        self.frames: deque = deque(maxlen=int(round(settings.lift_memory_s / settings.frame_s)))
        self.readings: list[_Reading] = []
        self.epoch_start_s: float | None = None
        self.decided = False

    def new_epoch(self, t_s: float | None) -> None:
        """The resting level was found anew (or lost): evidence starts over."""
        self.readings.clear()
        self.epoch_start_s = t_s
        self.decided = False

    def forget(self) -> None:
        """No data for a while (a link gap): nothing before can be integrated across."""
        self.frames.clear()
        self.new_epoch(None)

    def add_frame(self, t_s: float, u, vertical_g: float) -> None:
        if self.epoch_start_s is None:
            self.epoch_start_s = t_s
        self.frames.append((t_s, u, vertical_g))
        oldest = self.frames[0][0]
        while self.readings and self.readings[0].start_s < oldest:
            self.readings.pop(0)       # its frames are gone: it cannot be read again

    def add_rep(self, candidate, times, angles, dirs) -> None:
        peak_i = max(range(len(angles)), key=angles.__getitem__)
        near = self.s.lift_top_fraction * angles[peak_i]
        top = [t for t, a in zip(times, angles) if a >= near]
        self.readings.append(_Reading(candidate, top[0], top[-1], dirs[peak_i], angles[peak_i]))

    def check(self, t_s: float) -> list[_Reading] | None:
        """Measure reps that have settled (each rep's `rise_cm`); return the readings
        of this epoch if the last deep ones all lowered from a held level by
        bridge-sized travel (then rest is wrong)."""
        if not self.readings or self.readings[-1].out_cm is not None:
            return None                    # nothing new to measure or decide
        s = self.s
        pad = s.lift_window_s
        measured = False
        for r in self.readings:
            if r.out_cm is not None or t_s < r.end_s + max(pad, s.lift_fit_pad_s):
                continue
            # The way there ends, and the way back starts, once the top is reached or
            # at the turning point of a brief top (no speed there either).
            turn = 0.5 * (r.top_from_s + r.top_to_s)
            r.out_cm = self._travel(r.start_s - pad, min(r.top_from_s + pad, turn))
            r.back_cm = self._travel(max(r.top_to_s - pad, turn), r.end_s + pad)
            r.candidate.rise_cm = round(r.rise_cm, 2)
            window = self._window(r.start_s - s.lift_fit_pad_s, r.end_s + s.lift_fit_pad_s)
            r.fit_cm = height_fit_cm(*window, r.deepest_u, s.lift_fit_smooth_frames)
            measured = True
        if self.decided or not measured:
            return None
        # Only the deepest reps speak: with a held bridge taken for rest, the holds
        # around it differ by a few degrees (small "reps" between them), while the
        # lowerings all reach the same floor.
        deepest = max(r.peak_deg for r in self.readings)
        deep = [r for r in self.readings if r.peak_deg >= s.lift_deep_fraction * deepest]
        last = deep[-s.lift_reps:]
        if len(last) < s.lift_reps or any(r.out_cm is None for r in last):
            return None
        if _lowered_from_held(deep, s):
            self.decided = True
            return list(self.readings)
        return None

    def _window(self, t0: float, t1: float) -> tuple[list, list, list]:
        """Times, gravity directions and vertical forces of the frames in [t0, t1]
        (recent ones: searched from the newest back)."""
        window = []
        for f in reversed(self.frames):
            if f[0] < t0:
                break
            if f[0] <= t1:
                window.append(f)
        window.reverse()
        return [f[0] for f in window], [f[1] for f in window], [f[2] for f in window]

    def _travel(self, t0: float, t1: float) -> float:
        return vertical_travel_cm(*self._window(t0, t1))

    def frames_since(self, t_s: float, this_epoch: bool = True) -> list[tuple]:
        """(t_s, u) of the remembered frames from `t_s` on; by default not before this
        resting level was found (frames older than the memory are gone)."""
        start = t_s
        if this_epoch and self.epoch_start_s is not None:
            start = max(t_s, self.epoch_start_s)
        return [(t, u) for t, u, _ in self.frames if t >= start]


def _lowered_from_held(deep: list[_Reading], s: DetectorSettings) -> bool:
    """Were the deep reps of a resting level (oldest first, the last `lift_reps`
    measured) lowerings from a held level? The last few say so by any one rule below,
    and all of them measured so far read as far the same way (median, mean of fits):
    after many tilts, three whose double integration misread by a few cm (as on
    coarse 25 Hz frames) are no evidence. Unless their whole-rep fits say, as
    confidently, that they rose: the transitions integrated alone then misread (MEx
    person 27's ways back up read 6.7, 1.8 and 4.6 cm up, but the whole reps +9.2,
    +4.0 and +6.5 cm, from the level the recording starts at, shorter-lasting than the
    holds, as 26 of the 30 people's rests are)."""
    last = deep[-s.lift_reps:]
    epoch = [r for r in deep if r.out_cm is not None]
    if _fits_agree(last, s, sign=+1.0) and _fit_mean_cm(epoch) >= s.lift_fit_min_cm:
        return False
    return bool(
        (_transitions_lowered(last, s)
         and np.median([-r.rise_cm for r in epoch]) >= s.lift_min_cm)
        or (_returns_raised(last, s) and np.median([r.back_cm for r in epoch]) >= s.lift_min_cm)
        or (_fits_lowered(last, s) and _fit_mean_cm(epoch) <= -s.lift_fit_min_cm))


def _fit_mean_cm(readings: list[_Reading]) -> float:
    fits = [r.fit_cm for r in readings if r.fit_cm is not None]
    return float(np.mean(fits)) if fits else 0.0


def _transitions_lowered(readings: list[_Reading], s: DetectorSettings) -> bool:
    """Each went down first and came back up, by bridge-sized travel (median)."""
    depths = sorted(-r.rise_cm for r in readings)
    return (all(r.lowered_first for r in readings)
            and depths[len(depths) // 2] >= s.lift_min_cm)


def _returns_raised(readings: list[_Reading], s: DetectorSettings) -> bool:
    """Each came back up from its deepest point, by bridge-sized travel (median):
    lifted to the held level, however the way down read."""
    backs = sorted(r.back_cm for r in readings)
    return backs[0] > 0.0 and backs[len(backs) // 2] >= s.lift_min_cm


def _fits_lowered(readings: list[_Reading], s: DetectorSettings) -> bool:
    """Their whole-rep fits say they went down by bridge-sized travel, and agree."""
    return _fits_agree(readings, s, sign=-1.0)


def _fits_agree(readings: list[_Reading], s: DetectorSettings, sign: float) -> bool:
    """Their whole-rep fits say they went up (`sign` +1) or down (-1) by bridge-sized
    travel, `lift_fit_t` standard errors from zero."""
    fits = [sign * r.fit_cm for r in readings if r.fit_cm is not None]
    if len(fits) < len(readings) or len(fits) < 2:
        return False
    mean = float(np.mean(fits))
    standard_error = float(np.std(fits, ddof=1)) / np.sqrt(len(fits))
    return bool(mean >= s.lift_fit_min_cm and mean >= s.lift_fit_t * standard_error)
