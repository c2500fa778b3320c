"""Moves smaller than the start threshold that stand clear of a quiet rest.

A thigh sensor shows no breathing, and tilts there can be as small as ~1.3 deg: under
the start threshold, which is there to stay above breathing at a hip sensor. After a
rest quiet enough, such a move is a rep (`DetectorSettings.quiet_*`): the excursion
detector feeds its resting frames here and turns each move found into a rep.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .settings import DetectorSettings
from .vectors import angle_deg, mean_direction


@dataclass
class QuietMove:
    """A move from a quiet rest's centre, frame by frame, with its way up."""
    centre: tuple
    #: How far from the centre it had to go to begin, deg.
    floor_deg: float
    t: list = field(default_factory=list)
    u: list = field(default_factory=list)
    #: Angle from the centre per frame, deg.
    a: list = field(default_factory=list)

    def add(self, t_s: float, u) -> None:
        self.t.append(t_s)
        self.u.append(u)
        self.a.append(angle_deg(u, self.centre))

    @property
    def peak_i(self) -> int:
        return max(range(len(self.a)), key=self.a.__getitem__)


class QuietRest:
    """Watches the resting frames for a move that goes `quiet_ratio` times further
    from the rest's centre than the rest wandered just before it, and comes back
    within `shift_small_s`."""

    def __init__(self, settings: DetectorSettings):
        self.s = settings
        #: (t, angle from the baseline, u) of the last resting frames.
        self.frames = deque(maxlen=int(round(
            (settings.quiet_span_s + settings.quiet_ramp_s) / settings.frame_s)) + 2)
        self.move: QuietMove | None = None

    @property
    def moving(self) -> bool:
        """Is a small move under way?"""
        return self.move is not None

    def reset(self) -> None:
        """The rest ended (an excursion began, a gap, a shift): no move goes on."""
        self.move = None

    def step(self, t_s: float, u, a: float, armed: bool,
             threshold_deg: float) -> tuple[bool, QuietMove | None]:
        """One resting frame: `u` its gravity direction, `a` its angle from the
        baseline; `armed` and `threshold_deg` as the excursion detector has them.
        Returns whether a small move began here, and a move that came back here (its
        frames, measured from the rest's centre), or None."""
        began, done = False, None
        move = self.move
        if move is None:
            rest = self._quiet_rest(t_s, a) if armed else None
            if rest is not None:
                centre, floor = rest
                if floor < threshold_deg and angle_deg(u, centre) > floor:
                    # With its way up, from the last resting frames.
                    self.move = move = QuietMove(centre, floor)
                    for t, _, x in self.frames:
                        if t > t_s - self.s.quiet_ramp_s:
                            move.add(t, x)
                    move.add(t_s, u)
                    began = True
        else:
            move.add(t_s, u)
            if t_s - move.t[0] > self.s.shift_small_s:
                self.move = None            # not back: a shift of position, not a rep
            elif move.a[-1] < max(self.s.return_fraction * move.a[move.peak_i],
                                  0.6 * move.floor_deg):
                self.move, done = None, move
        self.frames.append((t_s, a, u))
        return began, done

    def _quiet_rest(self, t_s: float, a: float):
        """The rest just before this frame, if it was quiet enough for a move smaller
        than the start threshold to stand clear of it: (its centre, how far from it a
        move must go), else None. That rest is the `quiet_span_s` before the last
        `quiet_ramp_s` (a small move's way up), all of it resting frame after frame."""
        s = self.s
        # The move is at most this far from the rest's centre (which lies among the
        # rest's directions, all among these frames): too small to pass any floor,
        # nothing more to compute (most resting frames, so checked first).
        if not self.frames or a + max(f[1] for f in self.frames) <= s.quiet_min_start_deg:
            return None
        since = t_s - s.quiet_ramp_s
        step = 1.5 * s.frame_s
        frames = [f for f in self.frames if f[0] >= since - s.quiet_span_s - step]
        # Resting frame after frame from then until this frame (no excursion, no gap).
        if (not frames or frames[0][0] > since - s.quiet_span_s + step
                or t_s - frames[-1][0] > step
                or any(later[0] - earlier[0] > step
                       for earlier, later in zip(frames, frames[1:]))):
            return None
        rest = [f for f in frames if f[0] <= since]
        if a + max(f[1] for f in rest) <= s.quiet_min_start_deg:
            return None
        centre = mean_direction([f[2] for f in rest])
        wander = max(angle_deg(f[2], centre) for f in rest)
        return centre, max(s.quiet_min_start_deg, s.quiet_ratio * wander)
