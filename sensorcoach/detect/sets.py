"""Reps into sets: grouping, "much smaller than the person's own reps", a set that
splits (a much larger rep, another exercise), reps a link gap cut, the live count."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .excursions import NEW_SET_RATIO, RepCandidate, RockingCandidate, alike
from .exercise import classify, split_by_exercise
from .hidden import (HIDDEN_PACE_FRACTION, hidden_counts, measured, rep_json, reps_json,
                     set_rhythm, typical_rep_s)
from .rocking import whole_circles_before
from .settings import DetectorSettings
from .vectors import median
from .ways import most_one_way, one_level_of_alternating, same_way, turned_against

#: How many recent reps define "the person's own reps" in a set.
TYPICAL_OF_LAST = 5
#: A hold is timed to a frame (0.1 s) at each end: compared with another, this much
#: longer is not yet longer (`_held_too_long`).
HOLD_SLACK_S = 0.2
#: Reps after a much larger one that tell whether it began a new set: two (the one
#: right after it may be odd too), and no more, so a new set is announced soon.
SPLIT_EVIDENCE = 2


@dataclass
class _OpenSet:
    reps: list[RepCandidate] = field(default_factory=list)
    #: Seconds without data (link gaps) since the last rep: not a pause anyone chose.
    gap_s: float = 0.0
    #: A rep cut by a gap that may have gone on through it (`_may_go_on`), half seen:
    #: it counts if the next rep shows it cannot have.
    cut: RepCandidate | None = None
    #: When data last came back after a link gap, s.
    gap_end_s: float = -math.inf
    #: End of the set's last activity: its last rep, or a later rep like them that a
    #: gap hid too much of to count (it still happened: no pause), s.
    active_until_s: float = -math.inf
    #: Reps too small for this set, kept in case they are the start of another one.
    small: list[RepCandidate] = field(default_factory=list)
    #: A much larger rep came (`SetBuilder._settle_split`): where a new set would begin
    #: (it and the reps just before it like it), the rep itself, and the set's typical
    #: rep before it; None while there is none.
    split_at: int | None = None
    split_rep: RepCandidate | None = None
    split_typical_deg: float = 0.0
    #: The first rep counted out loud of the set this one was last told as splitting
    #: into by exercise (`_live_reps`): the live count goes on from it, not back.
    live_from: RepCandidate | None = None
    #: Reps a gap cut, before any rep of the set to judge them by (how long the set's
    #: reps last, what they are like): the first rep decides (`_settle_undecided`).
    undecided: list[RepCandidate] = field(default_factory=list)
    #: A rep a gap cut and the part seen when data came back, before any rep of the
    #: set: one rep through the gap, or two? The first rep decides (`_settle_unjoined`).
    unjoined: tuple[RepCandidate, RepCandidate] | None = None
    # (reps, value) of each figure below, found from those very reps: asked for every
    # frame, so kept until the reps change (`_kept_or_found`).
    _peak_of: tuple = (None, 0.0)
    _length_of: tuple = (None, 0.0)
    _rest_of: tuple = (None, 0.0)

    @property
    def typical_deg(self) -> float:
        """The set's typical rep, deg: the median of its last reps (of one level, where
        they took turns going two ways: `one_level_of_alternating`)."""
        self._peak_of = _kept_or_found(self._peak_of, self.reps[-2 * TYPICAL_OF_LAST:],
                                       _typical_peak_deg)
        return self._peak_of[1]

    @property
    def typical_s(self) -> float:
        """How long the set's reps last, s: the median of its last ones seen whole
        (`hidden.typical_rep_s`)."""
        self._length_of = _kept_or_found(self._length_of, self.reps[-TYPICAL_OF_LAST:],
                                         _typical_length_s)
        return self._length_of[1]

    @property
    def typical_rest_s(self) -> float:
        """How long the set rests between its reps, s: the median time from one rep's
        end to the next's start over its last ones seen whole (0 with none)."""
        self._rest_of = _kept_or_found(self._rest_of, self.reps[-TYPICAL_OF_LAST - 1:],
                                       _typical_rest_s)
        return self._rest_of[1]


def _kept_or_found(kept: tuple, reps: list[RepCandidate], find) -> tuple:
    """(reps, value): `kept` if it was found from these very reps, else `find(reps)`."""
    of, _ = kept
    if of is not None and len(of) == len(reps) and all(a is b for a, b in zip(reps, of)):
        return kept
    return reps, find(reps)


def _typical_peak_deg(last: list[RepCandidate]) -> float:
    recent = one_level_of_alternating(last)
    return median([r.peak_deg for r in recent[-TYPICAL_OF_LAST:]]) if recent else 0.0


def _typical_length_s(last: list[RepCandidate]) -> float:
    return typical_rep_s(last) if last else 0.0


def _typical_rest_s(last: list[RepCandidate]) -> float:
    rests = [b.start_s - a.end_s for a, b in zip(last, last[1:])
             if not (a.unseen_s or b.unseen_s)]
    return max(0.0, median(rests)) if rests else 0.0


def _typical_s(rep: RepCandidate, current: _OpenSet | None) -> float | None:
    """How long the set's own reps last, s, if `rep` is like them (the same size)."""
    if current and current.reps and rep.peak_deg <= NEW_SET_RATIO * current.typical_deg:
        return current.typical_s
    return None


def _may_go_on(rep: RepCandidate, current: _OpenSet | None) -> bool:
    """Might a rep cut by a gap, the sensor still up when data came back, have gone
    on through the gap (one rep, its end seen after it)? Not if it is unlike the
    set's reps, or would then have lasted over twice as long as them (reps in a set
    vary by about a third): it ended in the gap and a new one had begun."""
    typical_s = _typical_s(rep, current)
    seen_s = rep.seen_s
    return rep.cut_open and (typical_s is None or seen_s > 2.0 * typical_s
                             or seen_s + rep.unseen_s <= 2.0 * typical_s)


def _mostly_seen(rep: RepCandidate, current: _OpenSet | None) -> bool:
    """Did a rep that a link gap cut surely happen, with at least half of it seen?

    Seen at least half: the gap was no longer than what was seen, or what was seen
    lasts at least half as long as the set's own reps (when the rep is like them: the
    same size). Surely happened: it was back at rest after the gap, or it cannot have
    gone on through it (`_may_go_on`)."""
    if _may_go_on(rep, current):
        return False
    return _half_seen(rep, current)


def _half_seen(rep: RepCandidate, current: _OpenSet | None) -> bool:
    """Seen, from rest to rest (the ways out and back beyond the rep's edges count:
    `RepCandidate.lead_s`, `tail_s`), no shorter than the gap; or, when the gap may
    have outlasted the rep (it ended or began in the gap: not one rep across it),
    at least half as long as the set's reps are, measured the same way."""
    seen_s = rep.seen_s + rep.lead_s + rep.tail_s
    if seen_s >= rep.unseen_s:
        return True
    if rep.spans_gap or _typical_s(rep, current) is None:
        return False
    typical_s = median([r.end_s - r.start_s + r.lead_s + r.tail_s
                        for r in measured(current.reps[-TYPICAL_OF_LAST:])])
    return seen_s >= 0.5 * typical_s


def _surely_one_of_the_sets(rep: RepCandidate, current: _OpenSet | None) -> bool:
    """Did a rep that a link gap cut (its start or its end unseen, or both ends seen
    of one joined across the gap) surely happen, as one of the open set's reps? Like
    them (`_alike`) and turning their way as closely as a set's reps do (`same_way`:
    a move off after a knee hug was 74 deg off the bridges that followed, theirs
    within 4 deg of each other), and over: back at rest after the gap, or seen coming
    back to rest. The person did it, however much the gap hid (`_mostly_seen` asks
    for half when it is unlike them)."""
    return (current is not None and bool(current.reps) and not rep.cut_open
            and _alike(rep, current.reps[-1]) and same_way(rep, current.reps[-1]))


def _begun_on_the_beat(rep: RepCandidate, current: _OpenSet | None,
                       gaps: list[tuple[float, float]]) -> bool:
    """Did a rep the link cut on its way out (`rising_at_cut`), back at rest when data
    came back, surely happen as the open set's next rep: begun where the set's rhythm
    (`set_rhythm`) puts it after the last one, as closely as reps a gap hid must
    fit (`HIDDEN_PACE_FRACTION`), with the gap long enough to hold the rest of one of
    its reps? A move begun off the beat (a fidget in a rest) is no rep."""
    if not rep.rising_at_cut or rep.cut_open or current is None or not current.reps:
        return False
    rhythm = set_rhythm(current.reps, gaps)
    if rhythm is None:
        return False
    return _fits_the_beat(rep, rep.start_s - current.reps[-1].start_s, rhythm.period_s,
                          current.typical_s)


def _begun_on_the_beat_before(rep: RepCandidate, first: RepCandidate,
                              second: RepCandidate) -> bool:
    """Did a rep the link cut on its way out, before a set's first rep (`first`),
    begin on the beat of `first` and `second`: their period before `first`, as closely
    as reps a gap hid must fit, with the gap long enough to hold the rest of it?"""
    return _fits_the_beat(rep, first.start_s - rep.start_s, second.start_s - first.start_s,
                          first.end_s - first.start_s)


def _fits_the_beat(rep: RepCandidate, since_s: float, period_s: float,
                   rep_length_s: float) -> bool:
    """Is `since_s` (from a rep's start to the next's) the set's period, as closely as
    reps a gap hid must fit (`HIDDEN_PACE_FRACTION`), and did `rep`'s gap last long
    enough to hold the rest of a rep `rep_length_s` long?"""
    return (HIDDEN_PACE_FRACTION * period_s <= since_s <= period_s / HIDDEN_PACE_FRACTION
            and rep.seen_s + rep.unseen_s >= HIDDEN_PACE_FRACTION * rep_length_s)


def _counts_though_cut(rep: RepCandidate, current: _OpenSet, surely_may: bool = True) -> bool:
    """Does a rep a link gap cut, waiting for the set's first rep, count: half seen
    (`_half_seen`), or else, if `surely_may`, surely one of the set's reps (then it is
    marked `mostly_unseen`)?"""
    if _half_seen(rep, current):
        return True
    rep.mostly_unseen = surely_may and _surely_one_of_the_sets(rep, current)
    return rep.mostly_unseen


def _not_reps_before(before: list[RepCandidate], started: list[RepCandidate],
                     last_end_s: float, s: DetectorSettings) -> list[RepCandidate]:
    """Of `before`, the reps left when a set of much larger ones split off after
    them, those that are no reps: if they are no more than a set's fewest, much
    smaller than those (as a set's own reps must be: `relative_min_peak`) and within
    a set's pause before them, all of them when of the same exercise (settling moves
    before the set began, too soon before it to be a set of their own); else, if
    too few for a set, each one nearer to the new set than to the end of the set
    before (a move on the way into the new exercise, not the end of the last set:
    reps soon after a set are its end, `_finish_set`)."""
    if not before or len(before) > s.min_set_reps:
        return []
    typical = median([r.peak_deg for r in started])
    if (median([r.peak_deg for r in before]) >= s.relative_min_peak * typical
            or started[0].start_s - before[-1].end_s > s.set_gap_s):
        return []
    if classify(before, s) == classify(started, s):
        return before
    if len(before) >= s.min_set_reps:
        return []
    return [r for r in before if r.peak_deg < s.relative_min_peak * typical
            and started[0].start_s - r.end_s < r.start_s - last_end_s]


def _joined(cut: RepCandidate, rest: RepCandidate) -> RepCandidate:
    """One rep from the part a link gap cut (`cut`) and the part seen when data came
    back (`rest`). Held through the gap when the first part was still held as the
    gap began and the second still held as data came back (to within a frame or two,
    HOLD_SLACK_S, as holds are timed); else the longer hold."""
    higher = cut if cut.peak_deg >= rest.peak_deg else rest
    rep = RepCandidate(cut.start_s, rest.end_s, higher.peak_deg, cut.hold_start_s,
                       rest.hold_end_s, rest.detected_at_s, direction=higher.direction,
                       unseen_s=rest.start_s - cut.end_s, spans_gap=True,
                       lead_s=cut.lead_s, tail_s=rest.tail_s)
    held_across = (cut.hold_end_s >= cut.end_s - HOLD_SLACK_S
                   and rest.hold_start_s <= rest.start_s + HOLD_SLACK_S)
    if not held_across:
        longer = max(cut, rest, key=lambda r: r.hold_s)
        rep.hold_start_s, rep.hold_end_s = longer.hold_start_s, longer.hold_end_s
    return rep


def _held_too_long(rep: RepCandidate, current: _OpenSet | None) -> bool:
    """Would `rep` be held over twice as long as the set's reps are (by more than
    a frame or two: holds are timed to the frame)? Not if it is much larger than
    them (`_typical_s`: a fidget or two before a set are no measure of its holds)."""
    if _typical_s(rep, current) is None:
        return False
    typical_hold_s = median([r.hold_s for r in measured(current.reps[-TYPICAL_OF_LAST:])])
    return rep.hold_s > 2.0 * typical_hold_s + HOLD_SLACK_S


def _one_rep_through_gap(cut: RepCandidate, joined: RepCandidate,
                         current: _OpenSet | None, s: DetectorSettings) -> bool:
    """Could a rep a link gap cut (`cut`) and the part seen after the gap, `joined`
    as one, be one rep held through it: no longer than two of the set's reps (if it
    is like them), nor held longer than two of their holds, nor than `shift_s`
    (seen whole, a hold that long is a shift of position, not a rep: so with no set
    yet to judge it by, two bridges the gap cut, 9 and 7 s seen, were one held 20 s)?"""
    typical_s = _typical_s(cut, current)
    return ((typical_s is None or joined.end_s - joined.start_s <= 2.0 * typical_s)
            and not _held_too_long(joined, current) and joined.hold_s < s.shift_s)


def _alike(a: RepCandidate, b: RepCandidate) -> bool:
    """Could `a` and `b` be reps of one set (`alike`)?"""
    return alike(a.peak_deg, a.direction, b.peak_deg, b.direction)


class SetBuilder:
    def __init__(self, settings: DetectorSettings):
        self.s = settings
        self.open: _OpenSet | None = None
        self.sets: list[dict] = []
        self.rocking_live = 0
        #: A rep a link gap cut that went on into a knee hug: the hug's start.
        self.hug_lead_in: RepCandidate | None = None
        #: Reps after the last set's end that were not of it (see `on_rep`).
        self.leftover: list[RepCandidate] = []
        #: The reps of the last closed set if too few to be one (`_start_of`).
        self.few_before: list[RepCandidate] = []
        #: A posture change came since the last set ended: reps after it are not
        #: that set's end (`_finish_set`).
        self.posture_changed = False
        #: (start_s, end_s) of the link gaps since the last set ended (or of late:
        #: `on_gap`), to count the reps they hid (`hidden_counts`).
        self.gaps: list[tuple[float, float]] = []

    @property
    def typical_peak_deg(self) -> float:
        return self.open.typical_deg if self.open else 0.0

    @property
    def open_rep_s(self) -> float:
        """How long the open set's reps last, s (`_OpenSet.typical_s`), once it has
        two (one alone may be a shift or a settle read as a rep, and longer than any
        of the set's); 0 before."""
        if self.open is None or len(self.open.reps) < 2:
            return 0.0
        return self.open.typical_s

    @property
    def open_rest_s(self) -> float:
        """How long the open set rests between reps, s (`_OpenSet.typical_rest_s`);
        0 before it has two."""
        if self.open is None or len(self.open.reps) < 2:
            return 0.0
        return self.open.typical_rest_s

    def on_time(self, t_s: float, busy_since_s: float | None, out: list,
                hugging: bool = False) -> None:
        """Close the open set once the pause since its last rep is too long.

        `busy_since_s`: start of an excursion still in progress (a long bridge hold may
        be the next rep): the pause is then measured up to that start. `hugging`: the
        excursion in progress has circles counted live (`on_rocking_rep`).
        """
        if self.rocking_live and not hugging:
            # The knee hug counted live ended as no hug (read again about a rest it
            # settled in, or no circles with hindsight): its count is taken back.
            out.append({"type": "set_discarded", "t_s": t_s, "reps": self.rocking_live,
                        "exercise": "knee_to_chest"})
            self.rocking_live = 0
        now = t_s if busy_since_s is None else busy_since_s
        if self.open and self.open.reps and self._paused(now):
            self._close_paused(out)

    def _close_paused(self, out: list) -> None:
        """Close the open set, paused too long. A rep a gap cut since its last
        (`undecided`: too little seen to count alone, its reps fidgets unlike it) waits
        on for the next set's first rep, which may be like it."""
        waiting = self.open.undecided
        self.close(out)
        if waiting:
            self.open = _OpenSet(undecided=waiting)

    def _paused(self, now_s: float) -> bool:
        """Has the open set been paused too long to go on (link gaps not counted)?"""
        current = self.open
        last_s = max(current.reps[-1].end_s, current.active_until_s,
                     current.cut.end_s if current.cut else -math.inf)
        return now_s - last_s - current.gap_s > self.s.set_gap_s

    def on_posture_change(self, out: list) -> None:
        """The person sat up, got up or rolled over: what came before is over. No set
        goes on across it, and no reps before it start or end one after it."""
        self.close(out)
        self.leftover, self.few_before = [], []
        self.posture_changed = True

    def on_gap(self, t_s: float, duration_s: float) -> None:
        """Data came back at `t_s` after a link gap of `duration_s`."""
        if self.open and self.open.reps:
            self.open.gap_s += duration_s
            self.open.gap_end_s = t_s
        else:
            # No set open: only reps from the last two set pauses may join one.
            self.gaps = [g for g in self.gaps if g[1] >= t_s - 2 * self.s.set_gap_s]
        self.gaps.append((t_s - duration_s, t_s))

    def on_rep(self, rep: RepCandidate, out: list) -> None:
        s = self.s
        current = self.open
        if current and current.unjoined is not None and not (
                rep.start_s - current.unjoined[1].end_s <= s.set_gap_s
                and _alike(rep, current.unjoined[1])):
            self._join_unjoined(out)            # nothing like them near to tell
        if current and current.reps and self._paused(rep.start_s):
            self._close_paused(out)
            current = self.open
        if current and current.cut is not None:
            cut, current.cut = current.cut, None
            # Under way when data came back after the gap that cut the other.
            if (not current.reps and self._resumes(cut, rep.start_s) and _alike(cut, rep)
                    and not rep.cut_open):
                # The set's first: nothing yet to tell how long its reps last.
                current.unjoined = (cut, rep)
                return
            joined = _joined(cut, rep)
            if (self._resumes(cut, rep.start_s) and _alike(cut, rep)
                    and _one_rep_through_gap(cut, joined, current, s)):
                # Data came back in the middle of a rep like the cut one that, with it,
                # would last no longer than two of the set's reps, nor be held longer
                # than two of their holds: one rep, through the gap.
                rep = joined
            else:
                # Data came back in the middle of one unlike it, or that would make it
                # last over twice as long (two reps: the cut one ended in the gap), or
                # the cut one was seen to end: it counts now, late, if half seen.
                self._settle_cut(cut, rep.detected_at_s, out)
                current = self.open
        if rep.unseen_s and _may_go_on(rep, current):
            # The next rep tells whether it went on (then the two are one), or ended.
            if current is None:
                current = self.open = _OpenSet()
            current.cut = rep
            return
        if rep.unseen_s and not _mostly_seen(rep, current):
            rep.mostly_unseen = (_surely_one_of_the_sets(rep, current)
                                 or _begun_on_the_beat(rep, current, self.gaps))
            if not rep.mostly_unseen:
                # Unlike the set's reps (or no set yet, or it may have gone on) and
                # more than half of it may have gone by in a link gap: not counted. If
                # it is like the set's reps, the set was busy, not pausing, until its end.
                if current and current.reps and _alike(rep, current.reps[-1]):
                    current.active_until_s = rep.end_s
                    if rep.start_s >= current.gap_end_s:
                        current.gap_s = 0.0     # seen after the gap: the gap came before
                elif not rep.cut_open and not (
                        current and len(current.reps) >= self.s.min_set_reps):
                    # No set yet to tell how long one lasts (none, or a fidget or two
                    # unlike it: the set may begin with it): the next rep will.
                    if current is None:
                        current = self.open = _OpenSet()
                    current.undecided.append(rep)
                return
        leftover, self.leftover = self.leftover, []
        if current is None or not current.reps:
            # Reps that came after the last set ended but were not of it (smaller, or
            # turned the other way) and are like this one: the new set's first reps.
            started = [r for r in leftover if rep.start_s - r.end_s <= s.set_gap_s
                       and _alike(r, rep)]
            if started:
                current = self._open_with(started, out)
        if current and current.reps:
            typical = current.typical_deg
            if (rep.peak_deg > NEW_SET_RATIO * typical and len(current.reps) >= s.min_set_reps
                    and current.split_at is None):
                # A much larger rep: a new set (bridges after tilts), whose start were
                # the last reps like it (fidgets, then the exercise got going); or one
                # large rep of this set. It counts here until the reps after it tell
                # (`_settle_split`).
                begin = _start_of_larger(current.reps, rep.peak_deg, typical, s)
                if begin:
                    current.split_at, current.split_rep = begin, rep
                    current.split_typical_deg = typical
            elif ((rep.peak_deg < s.relative_min_peak * typical and not rep.peak_unseen)
                  or turned_against(rep, current.reps[-TYPICAL_OF_LAST:])):
                # Much smaller than the set's reps, or the other way: not one of them
                # (a fidget, an undershoot on release), or another exercise beginning.
                current.small.append(rep)
                if rep.peak_deg >= s.relative_min_peak * typical:
                    # As large as the set's reps, the other way: the person is at it
                    # (arching back, settling to a new rest), not pausing between sets.
                    current.active_until_s = max(current.active_until_s, rep.end_s)
                recent = current.small[-s.min_set_reps:]
                consistent = (len(recent) == s.min_set_reps
                              and max(r.peak_deg for r in recent)
                              < 2.0 * min(r.peak_deg for r in recent)
                              and all(b.start_s - a.end_s <= s.set_gap_s
                                      for a, b in zip(recent, recent[1:]))
                              and recent[0].start_s > current.reps[-1].end_s
                              and all(_alike(a, b) for a, b in zip(recent, recent[1:])))
                if not consistent:
                    return
                # Several consistent other reps after the set: another exercise.
                self.close(out)
                self._open_with(list(recent), out)
                return
        if current is None:
            current = self.open = _OpenSet()
        current.small.clear()
        current.gap_s = 0.0
        current.active_until_s = -math.inf
        current.reps.append(rep)
        # A first rep a gap cut is settled before this one is told, so that this one
        # is told with it ("2"), not "1" and then a silent recount.
        self._settle_unjoined()
        self._settle_undecided()
        self._announce(rep, self._told_with(current, rep), out)
        self._settle_split(out)

    def _told_with(self, current: _OpenSet, rep: RepCandidate) -> list[RepCandidate]:
        """The reps `rep` (just added) is counted out loud with. While a much larger rep
        of another exercise may have begun a new set (bridges after tilts), it, and the
        reps since that are not like the set's before it, are told as that set: so it
        would be if the set ended now (`_settle_split`). A larger rep of the same
        exercise counts on here until the reps after it tell."""
        if current.split_at is None:
            return current.reps
        started, big = current.reps[current.split_at:], current.split_rep
        before = current.reps[:current.split_at]
        if classify(_live_reps(started, self.s), self.s) == classify(
                _live_reps(before, self.s), self.s):
            return current.reps
        like_before = (rep is not big and rep.peak_deg <= NEW_SET_RATIO * current.split_typical_deg
                       and big.peak_deg > NEW_SET_RATIO * rep.peak_deg)
        return current.reps if like_before else started

    def _settle_unjoined(self) -> None:
        """A rep a gap cut, and the part seen after it, before the set's first rep:
        with that rep to tell how long one lasts (and is held), one rep through the
        gap if it would last no longer than two of them nor be held longer than two
        of their holds, else two; each counts (first, told with that rep) if half
        seen, and the one through the gap, seen going up and coming down, also if it
        surely was one of the set's reps (`_surely_one_of_the_sets`)."""
        current = self.open
        pair, current.unjoined = current.unjoined, None
        if pair is None:
            return
        cut, rest = pair
        joined = _joined(cut, rest)
        if _one_rep_through_gap(cut, joined, current, self.s):
            parts = [joined]
        else:
            cut.cut_open = False
            parts = [cut, rest]
        current.reps[:0] = [part for part in parts
                            if _counts_though_cut(part, current, surely_may=part.spans_gap)]

    def _join_unjoined(self, out: list) -> None:
        """No rep like them came soon enough to tell (`_settle_unjoined`), or the set
        ends: one rep through the gap, as with nothing to judge it by, unless it
        could not be one (`_one_rep_through_gap`): then two, each counted if seen
        enough (`on_rep`)."""
        cut, rest = self.open.unjoined
        self.open.unjoined = None
        joined = _joined(cut, rest)
        if _one_rep_through_gap(cut, joined, None, self.s):
            self.on_rep(joined, out)
            return
        cut.cut_open = False
        self.on_rep(cut, out)
        self.on_rep(rest, out)

    def _settle_undecided(self) -> None:
        """A rep a link gap cut, before the set's first rep (or after no more than a
        fidget or two unlike it): with the next rep to tell how long one lasts, it
        counts (told with that rep) if like it and half seen,
        or, however little was seen, if it surely happened as one of the set's reps
        (`_surely_one_of_the_sets`: a first bridge whose lift was seen before the link
        dropped, back at rest when data came back). One cut on its way out, too little
        seen to be like it, waits for a second rep and counts if it began on their
        beat (`_begun_on_the_beat_before`)."""
        current = self.open
        undecided, current.undecided = current.undecided, []
        if not undecided:
            return
        first = current.reps[-1]
        near = [rep for rep in undecided if rep.end_s <= first.start_s
                and first.start_s - rep.end_s <= self.s.set_gap_s]
        # Much smaller than it, a rep after it is no measure of it (a fidget on the way
        # back to rest after the gap): it waits for the next rep, which may be like it.
        current.undecided = [rep for rep in near if rep.peak_deg > NEW_SET_RATIO * first.peak_deg]
        # Not like it: a lowering's last bit, seen as data came back.
        counted = [rep for rep in near if _alike(rep, first) and _counts_though_cut(rep, current)]
        if counted:
            # The fidgets it waited past, much smaller than the two, were no reps of
            # the set (as they would not be at its end: `_kept_reps`).
            since_s = counted[0].start_s
            current.reps = [r for r in current.reps if not (
                since_s < r.start_s < first.start_s
                and r.peak_deg < self.s.relative_min_peak * first.peak_deg)]
        current.reps = sorted(current.reps + counted, key=lambda r: r.start_s)
        # ... or cut on its way out, too little seen to be like it: two reps after it
        # give the beat it must have begun on (`_begun_on_the_beat`).
        for rep in undecided:
            if not (rep.rising_at_cut and not rep.cut_open) or any(
                    rep is r for r in current.reps + current.undecided):
                continue
            at = next((i for i, r in enumerate(current.reps) if r.start_s > rep.start_s), None)
            if at is None:
                continue
            after = current.reps[at:]
            if len(after) < 2:
                if after[0].start_s - rep.end_s <= self.s.set_gap_s:
                    current.undecided.append(rep)
                continue
            if _begun_on_the_beat_before(rep, after[0], after[1]):
                rep.mostly_unseen = True
                current.reps[at:at] = [rep]

    def _settle_split(self, out: list, ending: bool = False) -> None:
        """After a much larger rep, the next SPLIT_EVIDENCE reps tell what it was: if
        they are like the set's reps before it and it is much larger than them, one
        large rep of the set (MEx people's tilts now and then are); otherwise a new
        set began with it: the set is counted again without it (and the reps before
        it like it), which start the new one. `ending`: the set ends, nothing more
        will tell: a new set, as when reps like it are too few to tell."""
        current = self.open
        if current is None or current.split_at is None:
            return
        big_i = next((i for i, r in enumerate(current.reps) if r is current.split_rep), None)
        if big_i is None:
            current.split_at = current.split_rep = None     # taken back (`retract`)
            return
        after = current.reps[big_i + 1:]
        if len(after) < SPLIT_EVIDENCE and not ending:
            return
        begin, big = current.split_at, current.split_rep
        current.split_at = current.split_rep = None
        if len(after) >= SPLIT_EVIDENCE:
            typical = median([r.peak_deg for r in after[:SPLIT_EVIDENCE]])
            if (typical <= NEW_SET_RATIO * current.split_typical_deg
                    and big.peak_deg > NEW_SET_RATIO * typical):
                # One large rep: the set goes on, and is counted so again.
                live = _live_reps(current.reps, self.s)
                out.append({"type": "set_recounted", "t_s": after[-1].detected_at_s,
                            "count": self._live_count(live),
                            "exercise": classify(live, self.s)})
                return
        started = current.reps[begin:]
        # Told live as a set of their own from the first (`_live_reps`): the set they
        # leave is no longer the one shown, and is not recounted out loud.
        told_apart = started[0].told is not None and started[0].told[0] == 1
        self.retract(started, started[-1].detected_at_s, out, tell=not told_apart)
        last_end_s = self.sets[-1]["end_s"] if self.sets else -math.inf
        not_reps = _not_reps_before(current.reps, started, last_end_s, self.s)
        if not_reps:
            self.retract(not_reps, started[-1].detected_at_s, out, tell=not told_apart)
        self.close(out)
        self._open_with(started, out)

    def _resumes(self, cut: RepCandidate, start_s: float) -> bool:
        """Was what starts at `start_s` under way when data came back after the gap
        that cut `cut` (it may be the cut rep going on)?"""
        return start_s - cut.end_s <= cut.unseen_s + 2 * self.s.frame_s

    def _drop_cut_gone_on_at(self, hug_start_s: float, t_s: float, out: list) -> None:
        """A knee hug starting at `hug_start_s` was under way when data came back after
        the gap that cut the open set's pending rep: that went on into the hug (the
        knees pulled up): not a rep, but the start of the hug (`hug_lead_in`). So did
        its last rep if it was counted though the sensor was still up after the gap
        that cut it (too long to have gone on as one of the set's reps, `_may_go_on`):
        it is taken back (announced at `t_s`)."""
        current = self.open
        if current and current.cut is not None and self._resumes(current.cut, hug_start_s):
            self.hug_lead_in, current.cut = current.cut, None
        elif (current and current.reps and current.reps[-1].cut_open
              and self._resumes(current.reps[-1], hug_start_s)):
            self.hug_lead_in = current.reps[-1]
            self.retract([self.hug_lead_in], t_s, out)

    def _settle_cut(self, cut: RepCandidate, t_s: float, out: list) -> None:
        """A rep cut by a gap (`_OpenSet.cut`) that did not go on: it ended, in the gap
        or after it. It counts (announced at `t_s`, late) if at least half was seen."""
        cut.cut_open = False
        cut.detected_at_s = max(cut.detected_at_s, t_s)
        self.on_rep(cut, out)

    def _open_with(self, reps: list[RepCandidate], out: list) -> _OpenSet:
        """Open a new set that starts with `reps` (found before it was known to be
        one), announcing each."""
        before = self.open
        self.open = _OpenSet(reps=reps)
        if before is not None and not before.reps:
            # Still to be told (`on_rep`), or to be judged by these reps.
            self.open.unjoined, self.open.undecided = before.unjoined, before.undecided
        for i, r in enumerate(reps, start=1):
            self._announce(r, reps[:i], out)
        return self.open

    def retract(self, reps: list[RepCandidate], t_s: float, out: list,
                tell: bool = True) -> None:
        """Take back reps of the open set that turned out not to be reps (lowerings from
        a held bridge taken for rest): the set's count is announced again (if `tell`)."""
        current = self.open
        if not current:
            return
        gone = {id(r) for r in reps}
        kept = [r for r in current.reps if id(r) not in gone]
        current.small = [r for r in current.small if id(r) not in gone]
        if len(kept) == len(current.reps):
            return
        current.reps = kept
        if not tell:
            return
        live = _live_reps(kept, self.s) if kept else []
        out.append({"type": "set_recounted", "t_s": t_s, "count": self._live_count(live),
                    "exercise": classify(live, self.s) if live else None})

    def _live_count(self, live: list[RepCandidate]) -> int:
        """The count told for the reps `live` (`_live_reps`): with those link gaps hid
        between them (`hidden_counts`)."""
        return len(live) + sum(hidden_counts(live, self.gaps))

    def _announce(self, rep: RepCandidate, reps_so_far: list[RepCandidate], out: list) -> None:
        """Tell `rep`, the last of `reps_so_far` (the open set's up to it), with the count
        and exercise of the reps hindsight would keep now (`_live_reps`); not at all if
        it is not one of them (turned against the others, a twitch)."""
        current = self.open
        live, split = _live_view(reps_so_far, self.s)
        if split:
            current.live_from = live[0] if live else None
        else:
            since = next((i for i, r in enumerate(reps_so_far) if r is current.live_from), None)
            if since:
                # Told as a set split off by exercise: it goes on so while the reps
                # that tell come and go (the rise split needs one side all raised).
                live = _live_reps(reps_so_far[since:], self.s)
        if not any(r is rep for r in live):
            return
        count, exercise = self._live_count(live), classify(live, self.s)
        if rep.told == (count, exercise):
            return          # told so already (a set split off with the reps it began with)
        if not any(r.told and r.told[1] == exercise for r in live if r is not rep):
            # The set's first rep told as this exercise (its first rep; the second,
            # told with a first that a gap cut, `_settle_unjoined`; or the third of
            # tilts told on as bridges until they split the set).
            out.append({"type": "set_started", "t_s": live[0].start_s, "exercise": exercise,
                        "detected_at_s": rep.detected_at_s})
        rep.told = (count, exercise)
        out.append({"type": "rep_counted", "exercise": exercise, "count": count,
                    "detected_at_s": rep.detected_at_s, "rep": rep_json(rep, exercise)})

    def on_rocking_rep(self, event: dict, out: list) -> None:
        """A circle counted while the knee-to-chest posture is still held (live only)."""
        self._drop_cut_gone_on_at(event["posture_since_s"], event["detected_at_s"], out)
        if self.open and self.open.reps:
            self.close(out)
        if event["count"] == 2 or (event["count"] > 2 and self.rocking_live == 0):
            out.append({"type": "set_started", "t_s": event["t_s"], "exercise": "knee_to_chest",
                        "detected_at_s": event["detected_at_s"]})
        for count in range(self.rocking_live + 1, event["count"] + 1):
            out.append({"type": "rep_counted", "exercise": "knee_to_chest", "count": count,
                        "detected_at_s": event["detected_at_s"]})
        self.rocking_live = event["count"]

    def on_rocking(self, cand: RockingCandidate, out: list) -> None:
        self._drop_cut_gone_on_at(cand.start_s, cand.end_s, out)
        lead_in, self.hug_lead_in = self.hug_lead_in, None
        if (lead_in is not None and self._resumes(lead_in, cand.start_s)
                and lead_in.peak_deg >= 0.5 * cand.peak_deg):
            # The hug began before the gap (the knees came at least half way to the
            # hug's tilt: not a fidget before it): its posture with it, held through
            # the gap.
            cand.start_s = lead_in.start_s
            cand.posture_start_s = min(cand.posture_start_s, lead_in.hold_start_s)
            _circles_before(cand, gap_from_s=lead_in.end_s)
        self.close(out)
        self.rocking_live = 0
        reps = [{"start_s": round(a, 3), "end_s": round(b, 3), "detected_at_s": round(d, 3)}
                for a, b, d in cand.circles]
        for k in cand.hidden:
            reps[k]["hidden"] = True
        last = self.sets[-1] if self.sets and not self.posture_changed else None
        if (last is not None and last["exercise"] == "knee_to_chest"
                and cand.start_s - last["end_s"] <= self.s.set_gap_s):
            # The same knee hug, interrupted (a link gap): one set.
            last["reps"] += reps
            last["end_s"] = round(cand.end_s, 3)
            last["posture_end_s"] = round(cand.posture_end_s, 3)
            last["hold_s"] = round(last["hold_s"] + cand.posture_s, 2)
            last["peak_deg"] = round(max(last["peak_deg"], cand.peak_deg), 1)
            out.append({"type": "set_extended", "t_s": cand.end_s, "set": last,
                        "added_reps": reps, "added_posture_s": round(cand.posture_s, 2)})
            return
        result = {"exercise": "knee_to_chest", "start_s": round(cand.start_s, 3),
                  "end_s": round(cand.end_s, 3), "hold_s": round(cand.posture_s, 2),
                  "posture_start_s": round(cand.posture_start_s, 3),
                  "posture_end_s": round(cand.posture_end_s, 3),
                  "peak_deg": round(cand.peak_deg, 1), "reps": reps}
        self.sets.append(result)
        self.posture_changed = False
        out.append({"type": "set_ended", "t_s": cand.end_s, "set": result})

    def close(self, out: list) -> None:
        if self.open and self.open.unjoined is not None:
            self._join_unjoined(out)
        if self.open and self.open.cut is not None:
            # Nothing came after the rep a gap cut to tell whether it went on: it
            # happened, at least once.
            cut, self.open.cut = self.open.cut, None
            self._settle_cut(cut, cut.detected_at_s, out)
        if self.open and self.open.split_at is not None:
            self._settle_split(out, ending=True)     # closes the set it splits off
        current, self.open = self.open, None
        if not current or not current.reps:
            return
        self.leftover = [r for r in current.small if r.start_s > current.reps[-1].end_s]
        for reps in split_by_exercise(current.reps, self.s):
            self._finish_set(reps, out)

    def _finish_set(self, reps: list[RepCandidate], out: list) -> None:
        """Count a closed set's reps (with hindsight), as a set, the end of the last
        set, or nothing."""
        found = reps
        few_before, self.few_before = self.few_before, []
        # Reps before the set got going that are much smaller than its final typical
        # rep (a fidget just before the first rep), or that turned the other way
        # from the set's reps, are not reps.
        reps = _kept_reps(reps, self.s)
        exercise = classify(reps, self.s)
        last = self.sets[-1] if self.sets and not self.posture_changed else None

        def few_after_last(reps):
            """Fewer than a set, of the last set's exercise, soon after it ended."""
            return (reps and len(reps) < self.s.min_set_reps and last is not None
                    and last["exercise"] == exercise
                    and reps[0].start_s - last["end_s"] <= 2 * self.s.set_gap_s)

        if few_after_last(reps):
            # ... as long as they are like that set's reps, not twitches after it.
            reps = [r for r in reps if r.peak_deg >= self.s.relative_min_peak * last["peak_deg"]]
        if few_after_last(reps):
            # A couple more after a longer pause: the end of the same set, not fidgets.
            added = reps_json(reps, exercise, self.gaps)
            last["reps"] += added
            last["end_s"] = max(last["end_s"], added[-1]["end_s"])
            out.append({"type": "set_extended", "t_s": reps[-1].end_s, "set": last,
                        "added_reps": added})
            return
        if _evidence(most_one_way(reps), self.s) < self.s.min_set_reps:
            out.append({"type": "set_discarded", "t_s": found[-1].end_s,
                        "reps": len(found), "exercise": exercise})
            self.few_before = reps
            return
        if (len(few_before) >= 2 and _start_of(few_before, reps, exercise, self.s)
                and not (self.sets and self.sets[-1]["end_s"] > few_before[-1].end_s)):
            # A couple of reps, a longer pause, then the set: its beginning (one alone
            # may be a try or a fidget like the reps; and not if another set, a knee
            # hug, came between).
            reps = few_before + reps
        written = reps_json(reps, exercise, self.gaps)
        result = {"exercise": exercise, "start_s": written[0]["start_s"],
                  "end_s": written[-1]["end_s"],
                  "peak_deg": round(median([r.peak_deg for r in reps]), 1),
                  "reps": written}
        self.sets.append(result)
        self.gaps = [g for g in self.gaps if g[1] > reps[-1].end_s]
        self.posture_changed = False
        out.append({"type": "set_ended", "t_s": reps[-1].end_s, "set": result})


def _circles_before(cand: RockingCandidate, gap_from_s: float) -> None:
    """A knee hug whose posture began before a link gap (from `gap_from_s`) and was
    rocking when data came back: as many whole circles as fit between the gap's start
    and the first circle seen rocked in the gap (as `rocking.circles_seen` counts them
    when the knee pull itself is seen). Added to `cand` as hidden."""
    if len(cand.circles) < 2:
        return
    circle_s = median([b - a for a, b, _ in cand.circles])
    first_s, _, detected_at_s = cand.circles[0]
    added = [(a, b, detected_at_s) for a, b in whole_circles_before(first_s, gap_from_s, circle_s)]
    cand.circles[:0] = added
    cand.hidden = list(range(len(added))) + [k + len(added) for k in cand.hidden]


def _kept_reps(reps: list[RepCandidate], s: DetectorSettings) -> list[RepCandidate]:
    """A set's reps without those that with hindsight are not: much smaller than its
    typical rep (a fidget just before the first), turned the other way, alternating
    about a rest between two levels, or a lone twitch (`_finish_set`)."""
    typical = median([r.peak_deg for r in reps])
    reps = [r for r in reps if r.peak_deg >= s.relative_min_peak * typical or r.peak_unseen]
    reps = [r for r in reps if not turned_against(r, reps)]
    reps = one_level_of_alternating(reps)
    return _without_lone_twitches(reps, s)


def _live_reps(reps: list[RepCandidate], s: DetectorSettings) -> list[RepCandidate]:
    """The reps to count out loud while the set goes on (`_live_view`)."""
    return _live_view(reps, s)[0]


def _live_view(reps: list[RepCandidate], s: DetectorSettings) -> tuple[list[RepCandidate], bool]:
    """The reps to count out loud while the set goes on: as hindsight would keep them
    if it ended now; and whether they are the last of sets it would split into by
    exercise. A tiny move before the first rep (found after a quiet rest) was
    counted "1" and the set's reps from "2", then dropped from the result (7 of the
    26 committed recordings). A rep much larger than the fewer than a set before it
    (bridges after a couple of fidgets) starts the count again: at its end the set is
    split by exercise and they go. So do tilts told on as bridges until three of them
    split the set by exercise."""
    before = reps[:-1]
    if (before and len(before) < s.min_set_reps
            and reps[-1].peak_deg > NEW_SET_RATIO * max(r.peak_deg for r in before)):
        return reps[-1:], False      # too few reps to split by exercise (a set each side)
    # ... and the last of the sets it would be split into by exercise (tilts after
    # bridges, taken in one by one: `split_by_exercise`).
    parts = split_by_exercise(reps, s)
    return _kept_reps(parts[-1], s), len(parts) > 1


def _without_lone_twitches(reps: list[RepCandidate], s: DetectorSettings) -> list[RepCandidate]:
    """A set's reps without a first or last one that stands apart from the others by
    a long pause (half the pause that ends a set) and is over in under half the
    time the set's reps take: a fidget or a twitch on the way to or from the set."""
    if len(reps) <= s.min_set_reps:
        return reps
    typical_s = median([r.end_s - r.start_s for r in reps])

    def lone(rep, neighbour):
        if rep.mostly_unseen:
            return False        # a link gap hid most of it, not a short move: it happened
        pause = max(rep.start_s - neighbour.end_s, neighbour.start_s - rep.end_s)
        return pause >= 0.5 * s.set_gap_s and rep.end_s - rep.start_s < 0.5 * typical_s

    if lone(reps[0], reps[1]):
        reps = reps[1:]
    if lone(reps[-1], reps[-2]):
        reps = reps[:-1]
    return reps


def _start_of_larger(reps: list[RepCandidate], peak_deg: float, typical_deg: float,
                     s: DetectorSettings) -> int:
    """Where the last reps like a much larger rep of `peak_deg` (not over
    NEW_SET_RATIO times smaller) begin, among a set's `reps` of `typical_deg`: the
    run of them at the end, and before it any that are, like it, much larger than
    the set's typical rep, past up to `min_set_reps` much smaller moves in a row
    (fidgets between the first bridges after tilts)."""
    begin = len(reps)
    while begin and NEW_SET_RATIO * reps[begin - 1].peak_deg >= peak_deg:
        begin -= 1
    skipped = 0
    for i in range(begin - 1, -1, -1):
        r = reps[i]
        if NEW_SET_RATIO * r.peak_deg >= peak_deg and r.peak_deg > NEW_SET_RATIO * typical_deg:
            begin, skipped = i, 0
        elif r.peak_deg * NEW_SET_RATIO < peak_deg and skipped < s.min_set_reps:
            skipped += 1
        else:
            break
    return begin


def _start_of(few: list[RepCandidate], reps: list[RepCandidate], exercise: str,
              s: DetectorSettings) -> bool:
    """Were `few` reps, too few to be a set, the start of the set of `reps` that
    followed: the same exercise, within twice the pause that ends a set, and each like
    the set's reps (not much smaller or larger, not turned the other way)?"""
    typical = median([r.peak_deg for r in reps])
    return (classify(few, s) == exercise
            and reps[0].start_s - few[-1].end_s <= 2 * s.set_gap_s
            and all(s.relative_min_peak * typical <= r.peak_deg <= NEW_SET_RATIO * typical
                    and not turned_against(r, reps) for r in few))


def _evidence(reps: list[RepCandidate], s: DetectorSettings) -> float:
    """How many reps the set's reps are worth: a rep smaller than the start threshold,
    found only because the rest before it was quiet (`RepCandidate.quiet`), counts
    half: so small a move is weaker evidence (a fidget, a deep breath), and a set of
    them needs twice as many."""
    return sum(0.5 if r.quiet and r.peak_deg < s.min_start_deg else 1.0 for r in reps)
