"""Excursions of the pelvis away from its resting orientation, frame by frame.

The angle between the current gravity direction and the resting one does not depend
on how the sensor is mounted. A rep of pelvic tilt or bridge is an excursion that
comes back; a knee-to-chest set is one long excursion (the posture) with rocking
on top, counted by a hysteresis counter on the principal rocking axis. Excursions
that do not come back are position shifts or posture changes and re-baseline.

The state is plain Python floats updated per frame (10 Hz): cheap, and the same for
any chunking because frames are.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .lift import LiftCheck
from .quiet import QuietMove, QuietRest
from .rocking import (RockingCounter, circles_seen, first_flip_phase, rocking_count,
                      seen_stretches, sideways_swing_deg, split_merged_circles, swing_flips)
from .settings import DetectorSettings
from .vectors import (DEG, angle_deg, mean_direction, median, normalise, principal_projection,
                      turn_direction)

#: The live hold timer stops when the angle falls fast and has lost this fraction of
#: the peak: the lowering has begun (a jolt of the frame means is brief and small).
LOWERED_FRACTION = 0.1
#: A rep this many times larger than the set's typical rep starts another set (a
#: bridge after pelvic tilts: ~25 vs ~9 deg), since within a set reps vary by +-30%.
NEW_SET_RATIO = 2.2
#: A rep's edges (`edge_fraction`, `return_fraction` of its peak) leave out the start
#: of its way out and the end of its way back. People move smoothly (minimum jerk,
#: Flash & Hogan 1985; a raised cosine gives nearly the same): a move reaches 15% of
#: its travel at 27% of its time and 85% at 73%, so the unseen start lasts 0.59 times
#: the 15-85% part; coming back, 30% is left at 64% of the time, so the end after the
#: rep's end lasts 0.97 times the part from 85% left to 30% left.
TOP_FRACTION = 0.85
LEAD_PER_RISE = 0.59
TAIL_PER_FALL = 0.97


@dataclass
class RepCandidate:
    start_s: float
    end_s: float
    peak_deg: float
    hold_start_s: float
    hold_end_s: float
    detected_at_s: float
    #: Height the sensor rose going out and came down coming back, cm (lift.py); known
    #: a little after the rep ends, None until then or without a reading.
    rise_cm: float | None = None
    #: Up to this much of the rep may have passed unseen in a link gap, s (it was under
    #: way when data came back, or ended while they were away); 0 if all was seen.
    unseen_s: float = 0.0
    #: ... cut by a gap with the sensor still away from rest when data came back: it
    #: may have gone on through the gap (or a new one had begun).
    cut_open: bool = False
    #: The unseen part lies inside the rep: its parts before and after a gap joined
    #: as one rep (sets.py, `_joined`).
    spans_gap: bool = False
    #: Which way the sensor turned from rest at the peak: the unit vector of the
    #: gravity direction's change there (sensor frame), None if unknown.
    direction: tuple | None = None
    #: How long the way out from rest took before `start_s`, and the way back after
    #: `end_s`, s (estimated: `_rep_from`); 0 where that way was not seen.
    lead_s: float = 0.0
    tail_s: float = 0.0
    #: Smaller than the start threshold, found because the rest before it was quiet
    #: (quiet.py).
    quiet: bool = False
    #: Counted though a link gap hid over half of it (it is like its set's reps and
    #: surely over, sets.py): its hold and edges are not known.
    mostly_unseen: bool = False
    #: (count, exercise) it was last told with live (sets.py), None if not yet.
    told: tuple | None = None
    #: Cut by a gap on its way out (its last frame before the gap its highest): a
    #: move under way, however little of it was seen.
    rising_at_cut: bool = False

    @property
    def peak_unseen(self) -> bool:
        """Counted though the gap that cut it on its way out hid its peak: its size is
        not known (`peak_deg` is how far it had come)."""
        return self.rising_at_cut and self.mostly_unseen

    @property
    def hold_s(self) -> float:
        return max(0.0, self.hold_end_s - self.hold_start_s)

    @property
    def seen_s(self) -> float:
        """How long of the rep was seen, s."""
        return self.end_s - self.start_s - (self.unseen_s if self.spans_gap else 0.0)


@dataclass
class RockingCandidate:
    start_s: float
    end_s: float
    posture_start_s: float
    posture_end_s: float
    peak_deg: float
    #: (start_s, end_s, detected_at_s) per rocking circle
    circles: list[tuple[float, float, float]] = field(default_factory=list)
    #: Indices of the circles a link gap hid (counted by the pace either side).
    hidden: list[int] = field(default_factory=list)

    @property
    def posture_s(self) -> float:
        return max(0.0, self.posture_end_s - self.posture_start_s)


@dataclass
class _LeftRest:
    """The rest before a shift of position, kept while the shift may turn out to
    have been a held rep (`ExcursionDetector._shift`)."""
    base: tuple
    #: When the person left it (a little rest before the excursion), s.
    since_s: float
    #: Reps found about the shifted rest since: taken back if so.
    reps_about_shift: list[RepCandidate] = field(default_factory=list)


@dataclass
class _StillDip:
    """A run of still frames low in an excursion (under `small_excursion_deg`): where
    the person may have come to rest, off the rest they left, after a top or before
    any (`ExcursionDetector._settled_in_dip`)."""
    from_s: float
    #: The excursion's peak when the run began, deg.
    peak_before_deg: float
    #: Sums of the run's angles and gravity directions, and how many frames: their
    #: mean level and where the person rested (its centre).
    angle_sum_deg: float
    u_sum: list
    frames: int = 1
    #: Highest the excursion went since the run ended, deg.
    rose_after_deg: float = 0.0

    @property
    def level_deg(self) -> float:
        return self.angle_sum_deg / self.frames

    @property
    def centre_u(self) -> tuple:
        return normalise(self.u_sum)


class ExcursionDetector:
    SETTLING, REST, EXCURSION = "settling", "rest", "excursion"

    def __init__(self, settings: DetectorSettings):
        self.s = settings
        self.state = self.SETTLING
        self.base = None
        self.prev_u = None
        self.prev_t = None
        self.speed = 0.0
        self.recent = deque(maxlen=max(1, int(round(settings.speed_span_s / settings.frame_s))))
        self.vigour = 0.0
        self.norm_slow = None
        self.still_since = None
        self.still_sum = [0.0, 0.0, 0.0]
        #: Recent (t, angle) while resting, to find where a rep started.
        self.pre = deque(maxlen=int(round(3.0 / settings.frame_s)))
        #: Moves smaller than the start threshold after a quiet rest (quiet.py).
        self.quiet = QuietRest(settings)
        #: (speed, t, u) while settling, for the fallback baseline.
        self.settling = deque(maxlen=int(round(settings.settle_fallback_s / settings.frame_s)))
        self.typical_peak_deg = 0.0          # set by the set builder: the set's own reps
        self.typical_rep_s = 0.0             # ... and how long they last
        self.typical_rest_s = 0.0            # ... and rest between them
        self.lift = LiftCheck(settings)
        self.armed = True                    # may a new excursion start?
        self.disarmed_low = 0.0              # lowest angle since the last rep ended
        self.unseen_before_s = 0.0           # length of a gap just before this frame
        self.left_rest: _LeftRest | None = None
        #: The last rep found that way: the person holds reps like it that long.
        self.long_held: RepCandidate | None = None
        #: A knee hug ended then: rest is found anew once still after it (s, or None).
        self.resettle_from_s: float | None = None
        self._reset_excursion()

    def _reset_excursion(self):
        self.quiet.reset()
        self.exc_t: list[float] = []
        self.exc_a: list[float] = []
        self.exc_u: list = []
        self.live_circles: list[float] = []       # detected_at of circles counted live
        self.hug_checked_s = -math.inf             # when the live count was last read
        self.peak = 0.0
        self.still_run: _StillDip | None = None    # the run of still frames under way
        self.still_dip: _StillDip | None = None    # the last one long enough to rest in
        self.high_since = None
        self.beyond_since_s: float | None = None   # beyond posture_change_deg since
        self.rocking: RockingCounter | None = None
        self.hold_reported = 0.0
        self.high_hold_start = None
        self.fastest_up_dps = 0.0                  # fastest the excursion rose so far
        #: Longest the excursion may have gone on unseen before its first frame (it
        #: was under way when data came back after a gap), s.
        self.unseen_s = 0.0

    @property
    def busy_since_s(self) -> float | None:
        """When the excursion in progress started, or None."""
        return self.exc_t[0] if self.state == self.EXCURSION and self.exc_t else None

    @property
    def start_threshold_deg(self) -> float:
        return max(self.s.min_start_deg, self.s.relative_start * self.typical_peak_deg)

    def _quiet_rep(self, move: QuietMove, done_at: float, out: list) -> None:
        """A move smaller than the start threshold came back after a quiet rest
        (quiet.py): a rep, measured from that rest's centre, if long enough."""
        rep = _rep_from(move.t, move.a, self.s, done_at)
        rep.direction = turn_direction(move.u[move.peak_i], move.centre)
        rep.quiet = True
        if rep.end_s - rep.start_s >= self.s.min_rep_s:
            out.append(rep)
            self.lift.add_rep(rep, move.t, move.a, move.u)
            if self.left_rest is not None:
                self.left_rest.reps_about_shift.append(rep)

    def step(self, t_s: float, u, norm_g: float, spread_g: float, vertical_g: float,
             done_at: float, out: list) -> None:
        """One frame: `u` the unit gravity direction, `vertical_g` the specific force
        along it. Appends candidates/events to `out`."""
        s = self.s
        dt = s.frame_s if self.prev_t is None else max(t_s - self.prev_t, 1e-6)
        if self.recent:
            # Speed over ~0.5 s, not frame to frame: quantisation and noise jitter the
            # frame means by a fraction of a degree, which per frame looks like motion.
            t_old, u_old = self.recent[0]
            dot = u[0] * u_old[0] + u[1] * u_old[1] + u[2] * u_old[2]
            span = max(t_s - t_old, dt)
            turned = math.acos(min(1.0, max(-1.0, dot))) * DEG
            k = dt / (s.speed_tau_s + dt)
            self.speed += k * (turned / span - self.speed)
        self.recent.append((t_s, u))
        self.unseen_before_s = 0.0
        if dt > self.max_gap_now_s:
            self.recent.clear()
            # A gap (disconnect): nothing is guessed. A rep in progress goes to the
            # set builder marked with how much may have gone unseen and whether the
            # sensor was still up after the gap (it counts if it surely ended and at
            # least half of it was seen). Circles already rocked in a knee hug are
            # done and kept. The resting orientation is kept, so reps after the gap
            # count again.
            out.append({"type": "data_gap", "t_s": t_s, "duration_s": round(dt, 3)})
            # Back in the same knee hug, it goes on (the circles are counted again with
            # hindsight over the whole posture when it ends).
            carried = self._still_hugging(u)
            if not carried and self.state == self.EXCURSION and self._settled_in_dip():
                # Rested off the rest found before the gap, then rose: the rep the gap
                # cut began there (as `_settled_in_dip` re-bases without a gap).
                self._rest_in_still_dip(self.exc_t[-1], done_at, out)
            if not carried and self.state == self.EXCURSION and self.exc_t:
                candidate = self._finish(self.exc_t[-1], done_at, cut_at_end=True)
                rising = self.exc_a[-1] >= max(self.exc_a)
                if isinstance(candidate, RockingCandidate):
                    out.append(candidate)
                elif candidate.end_s - candidate.start_s >= s.min_rep_s or rising:
                    # Shorter than any rep only if still on its way out: the set's
                    # rhythm may tell it was one (sets.py, `_begun_on_the_beat`).
                    candidate.rising_at_cut = rising
                    candidate.unseen_s = dt
                    # Still up after the gap (it may have gone on), unless well down
                    # from it: then it came down in the gap (the sensor now rising
                    # into the next rep or finishing this one's lowering).
                    candidate.cut_open = angle_deg(u, self.base) >= max(
                        self.start_threshold_deg, 0.5 * self.peak)
                    out.append(candidate)
            self.lift.forget()
            if not carried:
                self._reset_excursion()
                self.pre.clear()
                self.state = self.REST if self.base is not None else self.SETTLING
                # ... and one already under way when the data come back began in the
                # gap (whatever came before ended in it: the next may start at once).
                self.unseen_before_s = dt
                self.armed = True
        self.prev_u, self.prev_t = u, t_s
        # Vigour: the specific force's magnitude shaking within the frame and against its
        # own slow level (steps), averaged so it must last; a hip thrust or a knock on
        # the sensor is brief. The slow level absorbs a miscalibrated magnitude.
        if self.norm_slow is None:
            self.norm_slow = norm_g
        self.norm_slow += dt / (s.norm_tau_s + dt) * (norm_g - self.norm_slow)
        shake = math.sqrt(spread_g * spread_g + (norm_g - self.norm_slow) ** 2)
        self.vigour += dt / (s.vigour_tau_s + dt) * (shake - self.vigour)
        vigorous = self.vigour > s.vigorous_g
        still = self.speed < s.still_speed_dps and not vigorous
        if still:
            if self.still_since is None:
                self.still_since = t_s
                self.still_sum = [0.0, 0.0, 0.0]
            for i in range(3):
                self.still_sum[i] += u[i]
        else:
            self.still_since = None
        self.lift.add_frame(t_s, u, vertical_g)

        if self.state == self.SETTLING:
            if vigorous:
                self.settling.clear()
            elif self.base is None:          # the fallback is only for the first rest
                self.settling.append((self.speed, t_s, u))
            if still and t_s - self.still_since >= s.settle_s:
                rest = normalise(self.still_sum)
                if self.base is not None and angle_deg(rest, self.base) > s.posture_change_deg:
                    # Settled in another posture (lay down after standing, sat up):
                    # what came before is over.
                    out.append({"type": "posture_change", "t_s": t_s})
                self.base = rest
            elif self.base is None and self._settle_fallback(s, dt):
                # Never yet still since the session began, but moving within exercise
                # range of one orientation (quick reps, brief rests): rest provisionally
                # at an end of the movement (rest must not lie between the levels a
                # rep moves between), its stiller end; the shift rules correct it.
                self.base = _stillest_end(list(self.settling))
            else:
                return
            self.state = self.REST
            self.armed = True            # rest is an end of the movement: reps go from it
            self.settling.clear()
            self.pre.clear()
            return

        if vigorous:
            if not self._keep_live_hug(done_at, out) and (
                    self.state == self.EXCURSION and self.exc_a
                    and self.exc_a[-1] < s.vigour_done_fraction * self.peak
                    and self.exc_t[-1] - self.exc_t[0] >= s.min_rep_s):
                # Well on the way back when the shaking began (the sensor handled at
                # the end of a recording, a knock): the rep was done.
                candidate = self._finish(self.exc_t[-1], done_at)
                if isinstance(candidate, RepCandidate):
                    out.append(candidate)
            self._abort("vigorous")
            return
        overturned = self.lift.check(t_s)
        if overturned:
            self._overturn(overturned, done_at, out)      # this frame included
            return
        b = self.base
        a = angle_deg(u, b)

        if self.state == self.REST:
            threshold = self.start_threshold_deg
            if a > s.posture_change_deg:
                self._posture_change(t_s, out)
                return
            if not self.armed:
                # Back near rest: the next excursion may start. Or rising again by a
                # start threshold from where it settled after the rep: a new one from
                # a rest that is a little off (a fidget just before moved it).
                self.disarmed_low = min(self.disarmed_low, a)
                self.armed = a < threshold or a > self.disarmed_low + threshold
            if self.armed and a > threshold:
                self.state = self.EXCURSION
                announced = self.quiet.moving               # begun as a small move
                self._reset_excursion()
                self.unseen_s = self.unseen_before_s
                if not announced:
                    out.append({"type": "rep_started", "t_s": t_s})
            else:
                if (still and self.resettle_from_s is not None
                        and self.still_since >= self.resettle_from_s
                        and t_s - self.still_since >= s.settle_s):
                    # Lying down again after a knee hug, the pelvis rests a little off
                    # where it did before (a degree or two, as much as breathing
                    # about it takes to start a small rep): rest is found anew.
                    self.base = normalise(self.still_sum)
                    self.resettle_from_s = None
                    self.pre.clear()
                    self.quiet.reset()
                elif still:
                    # Resting, or still somewhere near after a rep: rest follows (slow
                    # drift, and a settling shift of position).
                    k = dt / (s.baseline_follow_s + dt)
                    self.base = normalise([b[i] + k * (u[i] - b[i]) for i in range(3)])
                began, small_move = self.quiet.step(t_s, u, a, self.armed, threshold)
                if began:
                    out.append({"type": "rep_started", "t_s": t_s})
                if small_move is not None:
                    self._quiet_rep(small_move, done_at, out)
                self.pre.append((t_s, a))
                return

        # --- in an excursion ---
        self.exc_t.append(t_s)
        self.exc_a.append(a)
        self.exc_u.append(u)
        duration = t_s - self.exc_t[0]
        if a > self.peak:
            self.peak = a
        if a <= s.posture_change_deg:
            self.beyond_since_s = None
        elif self.beyond_since_s is None:
            self.beyond_since_s = t_s
        if (self.beyond_since_s is not None
                and t_s - self.beyond_since_s >= s.posture_change_hold_s):
            self._keep_live_hug(done_at, out)
            self._posture_change(self.beyond_since_s, out)
            return
        # A knee hug may circle on for longer: from its last circle counted live.
        active_from_s = self.rocking.flips[-1][0] if self.live_circles else self.exc_t[0]
        if t_s - active_from_s > s.max_excursion_s:
            self._keep_live_hug(done_at, out)
            self._abort("too long")
            return
        self._follow_still_dip(t_s, u, a, still)
        flips = len(self.rocking.flips) if self.rocking else 0
        rocking = flips >= s.rock_min_flips and self._in_posture(t_s)
        rate = self._angle_rate_dps()
        # The smoothed speed that says "still" lags a quick lowering by a few frames:
        # a person on the way back (turning as fast as a move) is not settled anywhere.
        turning = rate is not None and abs(rate) >= s.still_speed_dps
        if (duration >= self.shift_small_after_s and still and not turning
                and not self._held_as_before(u) and self._settled_in_dip()):
            # Came down from a top to well under half of it, rested there still, and
            # rose as high again: reps about a rest that is off the one found (a
            # restless shift between reps, a first rest taken while still settling).
            # Rocking counts no more: a knee hug's swings dip 15-50%, never resting
            # that low. Rest is where they rested.
            self._rest_in_still_dip(t_s, done_at, out)
            return
        if (duration >= self.shift_small_after_s and not rocking and still and not turning
                and not self._held_as_before(u)):
            window = [i for i, t in enumerate(self.exc_t) if t >= t_s - s.shift_small_s]
            highest = max(self.exc_a[i] for i in window)
            # Not back for longer than any tilt is held, settled (not on the way back
            # from a long-held tilt), and either small (no bridge or
            # knee hug is) or dipping to half its height again and again without
            # reaching rest (reps about a shifted rest; a held bridge has no such dips,
            # rocking dips by 15-50%): the person shifted. Rest is the lowest dip.
            # A shifted rest is a small shift: its lowest dip is near the old rest (a
            # knee hug never comes that low while rocking). A dip comes after a top:
            # the way up at the start of the excursion is not one.
            if self.peak >= s.small_excursion_deg:
                top = next(i for i in window if self.exc_a[i] >= 0.8 * highest)
                window = [i for i in window if i >= top]
            lowest = min(window, key=self.exc_a.__getitem__)
            if self.peak < s.small_excursion_deg or (
                    self.exc_a[lowest] < s.small_excursion_deg
                    and _dips([self.exc_a[i] for i in window], 0.5 * highest, 0.8 * highest)):
                self._shift(self.exc_u[lowest], t_s, done_at, out, rescan=True)
                return
        still_for = t_s - max(self.still_since, self.exc_t[0]) if still else 0.0
        if still_for >= s.shift_s and not rocking:
            # Settled somewhere else and not coming back: a shift of position.
            self._shift(u, t_s, done_at, out, rescan=False)
            return
        self._update_rocking(u, a, dt, t_s, done_at, out)
        self._report_hold(a, rate, t_s, out)
        returned = a < max(s.return_fraction * self.peak, 0.6 * self.start_threshold_deg)
        dip = self.still_dip
        back_in_dip = dip is not None and (
            a <= dip.level_deg + s.return_fraction * (self.peak - dip.level_deg))
        if (returned or back_in_dip) and self._settled_in_dip(began_there_only=True):
            # Began by settling still a little off rest (rest was taken while the
            # person still settled, or they shifted), rose by a rep from there and is
            # back there: rest is where they settled, and the rep is read against it.
            self._rest_in_still_dip(t_s, done_at, out)
            return
        if returned:
            candidate = self._finish(t_s, done_at)
            if isinstance(candidate, RepCandidate):
                candidate.unseen_s = self.unseen_s
            # Shorter than any rep, unless it was under way when data came back after
            # a gap: then it may be the end of a rep the gap cut (the set builder
            # joins the two).
            if candidate.end_s - candidate.start_s >= s.min_rep_s or self.unseen_s > 0.0:
                out.append(candidate)
                if isinstance(candidate, RepCandidate):
                    self.lift.add_rep(candidate, self.exc_t, self.exc_a, self.exc_u)
                    if self.left_rest is not None:
                        # About the shifted rest: taken back if the shift was a held rep.
                        self.left_rest.reps_about_shift.append(candidate)
                else:
                    # A knee hug since the shift: coming back to the rest before it is
                    # no sign of held reps (read against it, the hug would be one).
                    self.left_rest = self.long_held = None
                    self.resettle_from_s = t_s
            self.state = self.REST
            self.armed = False
            self.disarmed_low = a
            self.pre.clear()
            self.pre.append((t_s, a))
            self._reset_excursion()

    def _follow_still_dip(self, t_s: float, u, a: float, still: bool) -> None:
        """Keep `still_run` and `still_dip` up to date with this excursion frame."""
        s = self.s
        dip = self.still_dip
        if dip is not None and self.still_run is not dip:
            dip.rose_after_deg = max(dip.rose_after_deg, a)
        run = self.still_run
        if not still or a >= s.small_excursion_deg:
            self.still_run = None
            return
        if run is None:
            self.still_run = _StillDip(t_s, self.peak, a, list(u))
            return
        run.angle_sum_deg += a
        for i in range(3):
            run.u_sum[i] += u[i]
        run.frames += 1
        if t_s - run.from_s >= s.settle_s:
            # Still as long as it takes to find a rest: the latest such run speaks.
            self.still_dip = run

    def _settled_in_dip(self, began_there_only: bool = False) -> bool:
        """Did the excursion come down from a top to a still rest under half of it
        (`still_dip`), and rise as high again since? (`began_there_only`: did it
        begin by settling in that rest?)"""
        dip = self.still_dip
        if dip is None or dip is self.still_run:
            return False
        # The fractions are the small-shift rule's (`_dips`): "as high" is within a
        # fifth (reps of a set vary by about that), "well down" is under half.
        came_down = not began_there_only and dip.peak_before_deg >= 0.8 * self.peak
        # ... or the excursion began by settling there (nothing higher before it than
        # "as high" allows, or than a rep's size above it: a shift overshoots): a
        # shift of a few degrees held still, then a rep from it.
        began_there = (dip.peak_before_deg <= dip.level_deg / 0.8
                       or dip.peak_before_deg - dip.level_deg < self._clear_rise_deg)
        # Rose clear of noise above that rest, and by a rep's size (`_clear_rise_deg`).
        return ((came_down or began_there) and dip.level_deg <= 0.5 * self.peak
                and dip.rose_after_deg >= 0.8 * self.peak
                and dip.rose_after_deg - dip.level_deg >= self._clear_rise_deg)

    def _still_hugging(self, u) -> bool:
        """Is `u` (just after a link gap) within the knee hug the excursion was in:
        settled in a real posture and rocking before the gap (a held bridge or tilt
        does not swing), and back near its centre, no further than its swings go?
        Rocking the live counter has not confirmed yet counts if the frames so far,
        with hindsight, show circles, or if, settled in the posture, they swing across
        the way it tilted by twice `rock_min_deg` (`sideways_swing_deg`: the first
        circle under way; a held bridge sways under 1 deg)."""
        hug = self.rocking
        if self.state != self.EXCURSION or self.peak < self.s.small_excursion_deg:
            return False
        settled = [x for t, x in zip(self.exc_t, self.exc_u) if hug and t >= hug.start_s]
        if hug is not None and hug.flips:
            centre, swing = normalise(hug.c), hug.env
        elif (self.exc_t[-1] - self.exc_t[0] >= self.s.rock_recount_min_s
              and self._recount_rocking(self.exc_t[0], self.exc_t[-1], self.peak, 0.0)):
            centre = mean_direction(self.exc_u)
            swing = max(angle_deg(x, centre) for x in self.exc_u[len(self.exc_u) // 2:])
        elif settled and sideways_swing_deg(settled, self.base) >= 2.0 * self.s.rock_min_deg:
            # Settled in the posture and swinging across the way it tilted (a bridge
            # does not), though not yet for a whole swing: the first circle.
            centre = mean_direction(settled)
            swing = max(angle_deg(x, centre) for x in settled)
        else:
            return False
        return angle_deg(u, centre) <= 2.0 * swing + self.s.rock_min_deg

    def _settle_fallback(self, s: DetectorSettings, dt: float) -> bool:
        window = self.settling
        if len(window) < window.maxlen or window[-1][1] - window[0][1] > s.settle_fallback_s + 2 * dt:
            return False
        centre = min(window)[2]
        cos_limit = math.cos(s.posture_change_deg / 2 / DEG)
        return all(u[0] * centre[0] + u[1] * centre[1] + u[2] * centre[2] >= cos_limit
                   for _, _, u in window)

    def _rest_in_still_dip(self, t_s: float, done_at: float, out: list) -> None:
        """Rest moves to where the person rested in the excursion (`_settled_in_dip`),
        and the excursion is read again against it; a rep under way from there goes
        on once clear of noise and of a rep's size (`_clear_rise_deg`)."""
        self._shift(self.still_dip.centre_u, t_s, done_at, out, rescan=True,
                    open_min_deg=self._clear_rise_deg)

    @property
    def _clear_rise_deg(self) -> float:
        """How far a rep under way from a rest re-based by `_settled_in_dip` must have
        risen to go on: clear of noise (twice `min_start_deg`) and a rep by the set's
        own measure (the start threshold)."""
        return max(2.0 * self.s.min_start_deg, self.start_threshold_deg)

    @property
    def max_gap_now_s(self) -> float:
        """Missing data longer than this is a gap (`max_gap_s`), s: in a set of reps
        quicker than that, as long as one of them (its length above the start
        threshold: a hole that long can hide a whole rep, between frames seen at rest);
        in a rep, as long as the set's rest between reps, if that holds a way down and
        a way up (twice `quiet_ramp_s`): a hole that long can hide the rest between two
        reps, between frames seen up in both (41110: two tilts were one)."""
        limit_s = self.s.max_gap_s
        if self.typical_rep_s > 0.0:
            limit_s = min(limit_s, self.typical_rep_s)
        if self.state == self.EXCURSION and self.typical_rest_s > 0.0:
            limit_s = min(limit_s, max(self.typical_rest_s, 2.0 * self.s.quiet_ramp_s))
        return limit_s

    @property
    def shift_small_after_s(self) -> float:
        """How long a small excursion stays away before it is a shift of position
        (`shift_small_s`), s: longer in a set whose reps last longer
        (`shift_small_reps`)."""
        return max(self.s.shift_small_s, self.s.shift_small_reps * self.typical_rep_s)

    def _shift(self, new_base, t_s: float, done_at: float, out: list, rescan: bool,
               open_min_deg: float | None = None) -> None:
        """The person settled away from rest: rest moves to `new_base`.

        Settled back where they rested before the last shift, they were holding reps
        there, longer than `shift_small_s` (as some people hold every tilt): those
        are found again against that rest, which is rest again (announced now, late),
        and more held like them are reps, not shifts. Otherwise, with
        `rescan`, reps done about the shifted rest while the excursion was open are
        real: they are found again against the new rest, and one still under way
        (the shift fired at its top) goes on as the excursion in progress."""
        came_back = self._reps_since_left_rest(done_at)
        opened = None
        hug = self.rocking, self.live_circles
        if came_back:
            left, self.left_rest = self.left_rest, None
            if left.reps_about_shift:
                # Found against what was not rest after all.
                out.append({"type": "retract", "reps": left.reps_about_shift})
            out.extend(came_back)
            self.base = left.base
            self.long_held = came_back[-1]
        else:
            left = _LeftRest(self.base, self.pre[0][0] if self.pre else self.exc_t[0])
            self.base = new_base
            if rescan:
                left.reps_about_shift, opened = self._rescan(done_at, open_min_deg)
            out.extend(left.reps_about_shift)
            self.left_rest = left
        self.lift.new_epoch(t_s)
        self.state = self.REST
        self.pre.clear()
        self._reset_excursion()
        if opened is not None:
            # A rep was under way from the new rest (the shift fired at its top): it
            # goes on, from where it left that rest.
            times, angles, dirs, rest = opened
            self.pre.extend(rest)
            self.state = self.EXCURSION
            self.exc_t, self.exc_a, self.exc_u = list(times), list(angles), list(dirs)
            self.peak = max(angles)
            rocking, live_circles = hug
            if rocking is not None and rocking.flips and rocking.flips[0][0] >= times[0]:
                # It has rocked since (a knee hug begun from a restless settle): the
                # rocking goes on, with the circles already counted live. The counter
                # follows the gravity direction, not the angle from rest.
                self.rocking, self.live_circles = rocking, live_circles

    def _angle_rate_dps(self) -> float | None:
        """How fast the angle from rest is changing over the excursion's last two
        frames, deg/s (None before it has three)."""
        if len(self.exc_a) < 3:
            return None
        return (self.exc_a[-1] - self.exc_a[-3]) / max(self.exc_t[-1] - self.exc_t[-3], 1e-6)

    def _held_as_before(self, u) -> bool:
        """Is the open excursion, in a set, like the rep this person last held longer
        than `shift_small_s` and came back from (`_shift`): as large (within
        NEW_SET_RATIO) and not turned the other way (`alike`)?"""
        held = self.long_held
        if held is None or self.typical_peak_deg <= 0.0:
            return False
        return alike(self.peak, turn_direction(u, self.base), held.peak_deg, held.direction)

    def _reps_since_left_rest(self, done_at: float) -> list[RepCandidate]:
        """Reps against the rest before the last shift, from when the person left it
        until now, if they are back at it now (the frames end near it), held no
        level longer than `shift_s` (that is a shift, not a rep), and they are at
        least as many as were found about the shifted rest; else none."""
        left = self.left_rest
        if left is None:
            return []
        frames = self.lift.frames_since(left.since_s, this_epoch=False)
        if not frames or frames[0][0] > left.since_s + self.s.frame_s:
            return []                       # forgotten: nothing to read it from
        _, reps, open_from = self._scan_against([t for t, _ in frames], [u for _, u in frames],
                                                left.base, done_at)
        if (open_from is not None or any(r.hold_s > self.s.shift_s for r in reps)
                or len(reps) < len(left.reps_about_shift)):
            return []       # hindsight takes back no more reps than it finds
        return reps

    def _keep_live_hug(self, done_at: float, out: list) -> bool:
        """The excursion is to be dropped without having come back to rest (sat up or
        rolled over from a knee hug, the sensor shaken, held past `max_excursion_s`):
        if its circles were counted live, the hug counts, up to where they left it (the
        last frame under its level while rocking: the way out goes beyond it; up to
        the top of the swings would add a half swing). True if it did."""
        hug = self.rocking
        if self.state != self.EXCURSION or not self.live_circles or hug is None:
            return False
        level_deg = median([a for t, a in zip(self.exc_t, self.exc_a)
                            if hug.start_s <= t <= hug.flips[-1][0]])
        end = max(i for i, a in enumerate(self.exc_a) if a <= level_deg)
        del self.exc_t[end + 1:], self.exc_a[end + 1:], self.exc_u[end + 1:]
        candidate = self._finish(self.exc_t[-1], done_at)
        if not isinstance(candidate, RockingCandidate):
            return False
        out.append(candidate)
        return True

    def _posture_change(self, t_s: float, out: list) -> None:
        """Beyond `posture_change_deg` from rest: not an exercise. What was in progress
        is dropped, and the set builder hears of it (no set goes on across it)."""
        self._abort("posture change")
        out.append({"type": "posture_change", "t_s": t_s})

    def _abort(self, reason: str) -> None:
        """Drop what is in progress and find the resting posture again."""
        self.abort_reason = reason
        self.state = self.SETTLING
        self.left_rest = self.long_held = None
        self.lift.new_epoch(None)
        self.still_since = None
        self.pre.clear()
        self._reset_excursion()

    def _update_rocking(self, u, a, dt, t_s, done_at, out) -> None:
        s = self.s
        if a >= 0.6 * self.peak:
            if self.high_since is None:
                self.high_since = t_s
        else:
            self.high_since = None
        if self.rocking is None:
            if self.high_since is not None and t_s - self.high_since >= s.rock_settle_s:
                self.rocking = RockingCounter(s, u, t_s)
            return
        if a < s.rock_active_fraction * self.peak:
            return
        flipped = self.rocking.update(u, dt, t_s, done_at)
        n = len(self.rocking.flips)
        # Read again at each swing the live counter sees, and every `rock_recheck_s`
        # once circles are being told (it misses the small last swings hindsight sees).
        due = flipped or (self.live_circles and t_s - self.hug_checked_s >= s.rock_recheck_s)
        if not due or n < s.rock_min_flips or not self._in_posture(t_s):
            return
        self.hug_checked_s = t_s
        # The count so far as hindsight would give it if the hug ended now (the live
        # counter begins once settled in the posture, and misses the first swings: its
        # count lagged the result's by up to a circle, so the last circle was often
        # told only at the release). Across a link gap, as the end will count them
        # (`_circles_done_across_gap`): the live counter does not see the circles
        # the gap hid, and was behind by them until the release.
        swings = None if self.unseen_s > 0.0 else self._posture_swings(self.peak)
        across_gap = 0
        if swings and len(seen_stretches(self.exc_t[swings[0]:], self.s.max_gap_s)) > 1:
            across_gap = self._circles_done_across_gap(swings)
            swings = None
        count = max(rocking_count(n) if flipped and n % 2 else 0,
                    len(self._circles_of(swings, done_at)) if swings else 0, across_gap)
        if count > len(self.live_circles):
            while len(self.live_circles) < count:
                self.live_circles.append(done_at)
            out.append({"type": "rocking_rep", "count": count,
                        "detected_at_s": done_at, "t_s": t_s,
                        "posture_since_s": self.exc_t[0]})

    def _circles_done_across_gap(self, swings) -> int:
        """The circles of the knee hug in progress done by now, link gaps having come in
        it (`swings`: `_posture_swings`): as its end will count them
        (`_circles_across_gaps`), each once a swing reversed after its middle, as a
        hug seen whole counts it. Waiting for a reversal after its end left the last
        circle, which has none (the release follows), told only at the release: a
        patient told one short rocks once more (hugs whose live count reached the
        labelled circles: 88.7% to 93.8% over every simulated set; told more than the
        result: 4 to 10 of 1980)."""
        spans = self._circles_across_gaps(swings, start_seen=True, end_seen=False)
        return sum(1 for start_s, end_s, _ in spans if 0.5 * (start_s + end_s) < swings[-1][-1])

    def _circles_across_gaps(self, swings, start_seen: bool, end_seen: bool) -> list:
        """(start_s, end_s, hidden) of the circles of the posture `swings`
        (`_posture_swings`) that link gaps cut: `circles_seen` over its frames."""
        first, last, p, axis, swing, h, _ = swings
        posture_t = self.exc_t[first:last + 1]
        first_flip = first_flip_phase(self.exc_u[first:last + 1], axis, self.base, h, swing)
        return circles_seen(posture_t, p, h, seen_stretches(posture_t, self.s.max_gap_s),
                            first_flip, start_seen=start_seen, end_seen=end_seen)

    def _in_posture(self, t_s: float) -> bool:
        """Is the excursion a real knee-hug posture (the pelvis tipped 15-35 deg, not
        a restless shift of a few degrees that swings)? Rocking counts only there."""
        recent = [a for t, a in zip(self.exc_t, self.exc_a) if t >= t_s - self.s.shift_small_s]
        return median(recent) >= self.s.small_excursion_deg

    def _report_hold(self, a, rate: float | None, t_s, out) -> None:
        """Live hold timer, as the hold of a rep is timed (`_held_from_to`): from where
        the way up has slowed to `hold_speed_fraction` of its fastest, near the top,
        until the way down is that fast. `rate`: `_angle_rate_dps`."""
        if rate is None:
            return
        self.fastest_up_dps = max(self.fastest_up_dps, rate)
        if self.peak < 2 * self.start_threshold_deg or (self.rocking and self.rocking.flips):
            return
        slow = self.s.hold_speed_fraction * self.fastest_up_dps
        if self.high_hold_start is None:
            if slow > 0.0 and abs(rate) < slow and a >= 0.5 * self.peak:
                self.high_hold_start = self.exc_t[-2]
            return
        if rate <= -slow and a < (1.0 - LOWERED_FRACTION) * self.peak:
            self.high_hold_start = None           # on the way down
            return
        held = t_s - self.high_hold_start
        if held - self.hold_reported >= 0.5:
            self.hold_reported = held
            out.append({"type": "hold_progress", "t_s": t_s, "hold_s": round(held, 1)})

    def _rescan(self, done_at: float, open_min_deg: float | None = None
                ) -> tuple[list[RepCandidate], tuple | None]:
        """Tilt-style reps among the open excursion's frames, against the current base,
        and a rep still under way at their end, if it reached `open_min_deg` (by
        default twice the start threshold, clear of noise; `_clear_rise_deg` after a
        still rest) or is still rising (its last frame its highest: a move begun, which
        waiting to come back near rest first would lose): (times, angles, directions,
        the rest frames since the last rep found), or None.

        Against the new base the excursion's first frames may already be above the
        start threshold, which hides a rep it began with: read with the rest before it
        too, such a rep counts if it stands clear of noise (twice the threshold)."""
        angles, reps, open_from = self._scan_against(self.exc_t, self.exc_u, self.base, done_at)
        opened = None
        if open_min_deg is None:
            open_min_deg = 2.0 * self.start_threshold_deg
        highest = max(angles[open_from:]) if open_from is not None else None
        if highest is not None and (highest >= open_min_deg or angles[-1] >= highest):
            rest_from = reps[-1].end_s if reps else -math.inf
            opened = (self.exc_t[open_from:], angles[open_from:], self.exc_u[open_from:],
                      [(t, a) for t, a in zip(self.exc_t[:open_from], angles[:open_from])
                       if t >= rest_from])
        frames = self.lift.frames_since(self.pre[0][0]) if self.pre else []
        if not frames or frames[0][0] > self.exc_t[0] or frames[-1][0] < self.exc_t[-1]:
            return reps, opened
        first = reps[0].start_s if reps else math.inf
        lead = [r for r in self._scan_against([t for t, _ in frames], [u for _, u in frames],
                                              self.base, done_at)[1]
                if r.end_s > self.exc_t[0] and r.end_s <= first
                and r.peak_deg >= 2.0 * self.start_threshold_deg]
        return lead[:1] + reps, opened

    def _scan_against(self, times, dirs, base, done_at: float):
        """Tilt-style reps among frames (times, gravity directions) against rest `base`
        (`_scan_reps`): the frames' angles from it, the reps, and where an excursion
        still open at the end began (None if the frames end near rest)."""
        angles = [angle_deg(u, base) for u in dirs]
        reps, open_from = _scan_reps(times, angles, self.start_threshold_deg, self.s, done_at,
                                     dirs, base)
        return angles, reps, open_from

    def _overturn(self, readings, done_at: float, out: list) -> None:
        """The reps of this resting level were lowerings from a held level to the real
        rest (lift.py): take them back, rest where they went, and count the holds
        between them with hindsight (announced now, late)."""
        s = self.s
        frames = self.lift.frames_since(readings[0].start_s - s.shift_s)
        out.append({"type": "retract", "reps": [r.candidate for r in readings]})
        self.base = readings[-1].deepest_u
        self.left_rest = self.long_held = None
        times = [t for t, _ in frames]
        dirs = [u for _, u in frames]
        angles, reps, open_from = self._scan_against(times, dirs, self.base, done_at)
        out.extend(reps)
        self._reset_excursion()
        # Rest (the deque keeps its last frames) up to where an open excursion began,
        # since the last rep found (as `_rescan`): not the end of that rep.
        split = len(frames) if open_from is None else open_from
        rest_from = reps[-1].end_s if reps else -math.inf
        self.pre.clear()
        self.pre.extend((t, a) for t, a in zip(times[:split], angles[:split]) if t >= rest_from)
        if open_from is None:
            self.state = self.REST
            self.armed = True
            return
        self.state = self.EXCURSION
        self.exc_t, self.exc_a, self.exc_u = times[split:], angles[split:], dirs[split:]
        self.peak = max(self.exc_a)

    @property
    def _rocking_from_s(self) -> float:
        """Since when the live counter has followed the excursion's swings (it starts
        anew when rest moves), s; the excursion's start if it has not."""
        return self.rocking.start_s if self.rocking else self.exc_t[0]

    def _posture_swings(self, peak: float):
        """The knee-hug posture in the excursion so far, read with hindsight: its first
        and last frames (tipped at least 0.8 of its level while rocking), the swing
        projected on its main axis (deg) and that axis, the robust swing amplitude,
        the hysteresis, and the times of the swings' reversals; None if it is no
        posture or has fewer than `rock_min_flips` reversals."""
        s = self.s
        times, angles, dirs = self.exc_t, self.exc_a, self.exc_u
        active = [a for t, a in zip(times, angles) if t >= self._rocking_from_s]
        level = median(active) if active else peak
        inside = [i for i, a in enumerate(angles) if a >= 0.8 * level]
        if len(inside) < 10 or level < s.small_excursion_deg:
            return None         # hugging the knees tips the pelvis by 15-35 deg
        first, last = inside[0], inside[-1]
        p, axis = principal_projection(dirs[first:last + 1], with_axis=True)
        ordered = sorted(abs(x) for x in p)
        swing = ordered[int(0.9 * (len(ordered) - 1))]       # robust swing amplitude
        h = max(s.rock_min_deg, s.rock_relative * swing)
        flips = swing_flips(times[first:last + 1], p, h)
        if len(flips) < s.rock_min_flips:
            return None
        return first, last, p, axis, swing, h, flips

    def _recount_rocking(self, start_s, t_s, peak, done_at, cut_at_end=False):
        """Count the circles of a finished knee-to-chest posture with hindsight: centre
        and axis from the whole posture, so the first swings count as well as the rest.
        `cut_at_end`: a link gap ended it (the release was not seen)."""
        s = self.s
        swings = self._posture_swings(peak)
        if swings is None:
            return None
        first, last = swings[0], swings[1]
        times = self.exc_t
        stretches = seen_stretches(times[first:last + 1], s.max_gap_s)
        cut_at_start = self.unseen_s > 0.0
        if len(stretches) > 1 or cut_at_end or cut_at_start:
            # A link gap hid part of the rocking: count the circles at least half seen.
            spans = self._circles_across_gaps(swings, start_seen=not cut_at_start,
                                              end_seen=not cut_at_end)
            if not spans:
                return None
            circles = [(a, b, self.live_circles[k] if k < len(self.live_circles) else done_at)
                       for k, (a, b, _) in enumerate(spans)]
            hidden = [k for k, (_, _, in_gap) in enumerate(spans) if in_gap]
            return RockingCandidate(start_s, t_s, times[first], times[last], peak, circles,
                                    hidden)
        return RockingCandidate(start_s, t_s, times[first], times[last], peak,
                                self._circles_of(swings, done_at))

    def _circles_of(self, swings, done_at: float) -> list[tuple[float, float, float]]:
        """(start_s, end_s, detected_at_s) of the circles of the knee-hug posture
        `swings` (`_posture_swings`) seen whole, with hindsight: every swing is seen,
        but the knee pull and the release at the edges of the posture can add a half
        swing, so N circles make 2N - 1 or 2N flips; a circle as long as two is two
        (`split_merged_circles`). Each told when the live count reached it, else at
        `done_at`."""
        first, last, *_, flips = swings
        times = self.exc_t
        circles = []
        begin = max(self._rocking_from_s, times[first])
        if flips[0] <= begin:
            # Swung before the live counter began (it began anew when rest moved, or
            # late): the first circle is from the posture's start.
            begin = times[first]
        for k in range(1, (len(flips) + 1) // 2 + 1):
            i = 2 * k - 2
            end = flips[i] if i < len(flips) else times[last]
            seen = self.live_circles[k - 1] if k <= len(self.live_circles) else done_at
            circles.append((begin, end, seen))
            begin = end
        return split_merged_circles(circles)

    def _finish(self, t_s: float, done_at: float, cut_at_end: bool = False):
        s = self.s
        times = [t for t, _ in self.pre] + self.exc_t
        angles = [a for _, a in self.pre] + self.exc_a
        rep = _rep_from(times, angles, s, done_at)
        if self.exc_a:
            peak_i = max(range(len(self.exc_a)), key=self.exc_a.__getitem__)
            rep.direction = turn_direction(self.exc_u[peak_i], self.base)
        # A long stay in a real posture may be a knee hug even when the live counter
        # has not confirmed rocking (a hug resumed after a link gap): count with hindsight.
        if self.exc_t and self.exc_t[-1] - self.exc_t[0] >= s.rock_recount_min_s:
            candidate = self._recount_rocking(rep.start_s, t_s, rep.peak_deg, done_at, cut_at_end)
            if candidate is not None:
                return candidate
        return rep


def _scan_reps(frame_times, frame_angles, threshold: float, s: DetectorSettings,
               done_at: float, frame_dirs=None, base=None):
    """Tilt-style reps among frames with their angles from rest: an excursion over
    `threshold` that started from under it and came back. Returns the reps and the
    index where an excursion still open at the end began (None if the frames end near
    rest)."""
    found = []
    armed, inside, times, angles, open_from = False, False, [], [], None
    peak_i = None
    for i, (t, a) in enumerate(zip(frame_times, frame_angles)):
        if not inside:
            if a < threshold:
                armed = True
                times, angles = [t], [a]          # the rest just before
            elif armed:
                inside, open_from, peak_i = True, i, i
                times.append(t)
                angles.append(a)
            continue
        times.append(t)
        angles.append(a)
        if a > frame_angles[peak_i]:
            peak_i = i
        if a < max(s.return_fraction * frame_angles[peak_i], 0.6 * threshold):
            rep = _rep_from(times, angles, s, done_at)
            if frame_dirs is not None:
                rep.direction = turn_direction(frame_dirs[peak_i], base)
            if rep.end_s - rep.start_s >= s.min_rep_s:
                found.append(rep)
            inside, armed, open_from = False, False, None
    return found, open_from


def alike(peak_a_deg: float, way_a, peak_b_deg: float, way_b) -> bool:
    """Could two moves be reps of one set: sizes within NEW_SET_RATIO of each other,
    and not turned opposite ways (`turn_direction`s over 90 deg apart; either may be
    None, unknown)?"""
    if max(peak_a_deg, peak_b_deg) > NEW_SET_RATIO * min(peak_a_deg, peak_b_deg):
        return False
    if way_a is None or way_b is None:
        return True
    return sum(way_a[i] * way_b[i] for i in range(3)) >= 0.0


def _rep_from(times, angles, s: DetectorSettings, done_at: float) -> RepCandidate:
    """A rep from the angles of one excursion (with a little rest before it): starts
    where it last left `edge_fraction` of its peak, ends at the last frame, holds
    from where the way up has slowed to `hold_speed_fraction` of its fastest until
    the way down gets that fast (`_held_from_to`)."""
    peak_i = max(range(len(angles)), key=angles.__getitem__)
    peak = angles[peak_i]
    edge = s.edge_fraction * peak
    rest = min(angles[:peak_i + 1])
    if edge < rest <= s.return_fraction * peak:
        # The rest it rose from is off the baseline (a small shift not yet
        # re-baselined): the rep starts where it left that rest, not at the frame
        # the last rep ended, as the rest never comes under the edge.
        edge = rest + s.edge_fraction * (peak - rest)
    start_i = 0
    for i in range(peak_i, -1, -1):
        if angles[i] <= edge:
            start_i = i
            break
    held_from, held_to = _held_from_to(times, angles, peak_i, s.hold_speed_fraction)
    # A way up too slow to tell from a hold still starts at the rep's start edge (the
    # frames before it are the rest, however near a small rep's top).
    held_from = min(max(held_from, start_i), held_to)
    rep = RepCandidate(times[start_i], times[-1], peak, times[held_from], times[held_to], done_at)
    # The way out from rest before the start edge, and back to rest after the end
    # (`RepCandidate.lead_s`, `tail_s`), from how long the seen part of each way took.
    near_top = [i for i, a in enumerate(angles) if a >= TOP_FRACTION * peak]
    if angles[start_i] <= edge:
        rep.lead_s = LEAD_PER_RISE * (times[near_top[0]] - times[start_i])
    if angles[-1] <= s.return_fraction * peak:
        rep.tail_s = TAIL_PER_FALL * (times[-1] - times[near_top[-1]])
    return rep


def _held_from_to(times, angles, peak_i: int, fraction: float) -> tuple[int, int]:
    """First and last frame of the hold at the top of a rep: from where the way up
    has slowed to `fraction` of its fastest to where the way down first turns that
    fast. A hold that sags slowly (hips tiring) is still held. A way up or down not
    seen (a link gap cut the rep: it is no faster than `fraction` of the other) is
    the hold going on to the first or last frame."""
    n = len(angles)
    if n < 3:
        return peak_i, peak_i
    rate = [(angles[min(n - 1, i + 1)] - angles[max(0, i - 1)])
            / max(times[min(n - 1, i + 1)] - times[max(0, i - 1)], 1e-6) for i in range(n)]
    up_i = max(range(peak_i + 1), key=rate.__getitem__)
    down_i = min(range(peak_i, n), key=rate.__getitem__)
    up, down = max(rate[up_i], 0.0), max(-rate[down_i], 0.0)
    held_from = 0 if up <= fraction * down else next(
        (i for i in range(up_i, peak_i + 1) if rate[i] < fraction * up), peak_i)
    held_to = n - 1 if down <= fraction * up else next(
        (i for i in range(down_i, peak_i - 1, -1) if -rate[i] < fraction * down), peak_i)
    return held_from, max(held_from, held_to)


def _dips(angles, low, high) -> bool:
    """True if the angles go above `high`, then under `low`, then above `high` again."""
    stage = 0
    for a in angles:
        if stage == 0 and a >= high:
            stage = 1
        elif stage == 1 and a <= low:
            stage = 2
        elif stage == 2 and a >= high:
            return True
    return False


def _stillest_end(window) -> tuple:
    """The stillest direction among the 20% at either end of the window's main axis of
    motion, from the end where the person is stiller. `window`: (speed, t, u)."""
    speeds = np.array([w[0] for w in window])
    dirs = np.array([w[2] for w in window])
    p = principal_projection(dirs)
    order = np.argsort(p)
    k = max(1, len(p) // 5)
    ends = [order[:k], order[-k:]]
    end = min(ends, key=lambda idx: float(np.median(speeds[idx])))
    best = end[int(np.argmin(speeds[end]))]
    return tuple(float(x) for x in dirs[best])
