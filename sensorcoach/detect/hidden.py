"""What link gaps hid from a set: how long each rep was seen, the set's rhythm, the
reps that rhythm puts in each gap, and the set's reps as written with them."""

from __future__ import annotations

import math
from typing import NamedTuple

from .excursions import RepCandidate
from .vectors import median

#: A link gap between two reps of a set hid as many reps as the set's rhythm puts
#: there (`hidden_counts`), each with at least this fraction of a typical rep's
#: length unseen: a gap over a rest alone, or a pause the person took in view, hides
#: none. Under half, as a rep the gap cut may show its other part.
HIDDEN_MIN_UNSEEN = 0.4
#: Pairs of reps seen one after the other that it takes to know a set's rhythm: one
#: (reps in a set vary by about a third, and a period must be off by half to miscount
#: one). Two made no result better, and reps told after a gap early in a set one low.
RHYTHM_MIN_PAIRS = 1
#: Reps a gap hid lay in it whole (else the part seen would have been a rep cut by
#: the gap), with a rest on each side: at least these fractions of the set's typical
#: rest, rep length and period. Measured over every labelled tilt and bridge set: no
#: rest under 0.57 of its set's median (1st percentile 0.72), no period under 0.75.
HIDDEN_REST_FRACTION = 0.5
HIDDEN_PACE_FRACTION = 0.75


def measured(reps: list[RepCandidate]) -> list[RepCandidate]:
    """The reps whose length and hold were seen (not `mostly_unseen`); all of them
    if none were."""
    return [r for r in reps if not r.mostly_unseen] or reps


def unseen_s(t0: float, t1: float, gaps: list[tuple[float, float]]) -> float:
    """How long link gaps hid from `t0` to `t1`, s."""
    return sum(max(0.0, min(t1, b) - max(t0, a)) for a, b in gaps)


class Rhythm(NamedTuple):
    """A set's rhythm: the median time from one rep's start to the next's (period)
    and from one's end to the next's start (rest), s."""
    period_s: float
    rest_s: float


def set_rhythm(reps: list[RepCandidate], gaps: list[tuple[float, float]]) -> Rhythm | None:
    """A set's rhythm, when link gaps came in it, over the pairs of reps seen whole
    with no gap between them (RHYTHM_MIN_PAIRS at least); else None. A rep a gap cut
    is timed from what was seen of it, not from when it began or ended."""
    if len(reps) < RHYTHM_MIN_PAIRS + 1 or not gaps:
        return None
    clean = [(a, b) for a, b in zip(reps, reps[1:])
             if unseen_s(a.start_s, b.start_s, gaps) == 0.0 and not a.unseen_s and not b.unseen_s]
    if len(clean) < RHYTHM_MIN_PAIRS:
        return None
    return Rhythm(median([b.start_s - a.start_s for a, b in clean]),
                  max(0.0, median([b.start_s - a.end_s for a, b in clean])))


def typical_rep_s(reps: list[RepCandidate]) -> float:
    """How long a set's reps last, s: the median of those `measured`."""
    return median([r.end_s - r.start_s for r in measured(reps)])


def hidden_counts(reps: list[RepCandidate], gaps: list[tuple[float, float]]) -> list[int]:
    """How many reps link gaps hid between each two reps of a set one after the other:
    as many as the set's rhythm puts there, and no more than the gaps could hide.

    The rhythm (`set_rhythm`; without one none is counted): between two reps with
    gaps between their starts, `n` periods from one to the other (less any rest in
    view next to the gap beyond the usual rest: a pause) make `n - 1` reps between,
    bounded by how many periods fit in the time unseen plus a rest, by how many reps
    fit in the gap whole (`_fit_whole`), and by HIDDEN_MIN_UNSEEN of a rep's length
    unseen for each."""
    rhythm = set_rhythm(reps, gaps)
    if rhythm is None:
        return [0] * max(0, len(reps) - 1)
    rep_s = typical_rep_s(reps)
    return _hidden_counts(reps, gaps, rhythm, rep_s, _spans_s(reps, gaps, rep_s))


def _hidden_counts(reps: list[RepCandidate], gaps: list[tuple[float, float]],
                   rhythm: Rhythm | None, rep_s: float,
                   spans: list[tuple[float, float]]) -> list[int]:
    """`hidden_counts`, with the set's rhythm, typical rep length and reps as written
    (`_spans_s`) given."""
    if rhythm is None:
        return [0] * max(0, len(reps) - 1)
    period_s, rest_s = rhythm
    counts = []
    # A rep counted though a gap hid most of it lasted as long as it is written: the
    # gap after it hid its end too, and no rep can lie there.
    for a, (_, a_end_s), b in zip(reps, spans, reps[1:]):
        b_start_s = began_s(b, gaps, rep_s)
        u = unseen_s(a.start_s, b_start_s, gaps)
        if u == 0.0:
            counts.append(0)
            continue
        # Resting in view next to the gap longer than the usual rest was a pause, not
        # time for reps: it is taken out of the time the rhythm is counted over.
        inside = [(max(g0, a_end_s), min(g1, b.start_s)) for g0, g1 in gaps
                  if g1 > a_end_s and g0 < b.start_s]
        paused_s = 0.0
        if inside:
            paused_s = (max(0.0, inside[0][0] - a_end_s - rest_s)
                        + max(0.0, b.start_s - inside[-1][1] - rest_s))
        by_rhythm = round((b_start_s - a.start_s - paused_s) / period_s) - 1
        fit = round((u + rest_s) / period_s)
        if inside and not (a.spans_gap or b.spans_gap):
            fit = min(fit, _fit_whole(inside, a_end_s, b_start_s, rhythm, rep_s))
        enough_unseen = math.floor(u / (HIDDEN_MIN_UNSEEN * rep_s))
        counts.append(max(0, min(by_rhythm, fit, enough_unseen)))
    return counts


def _fit_whole(inside: list[tuple[float, float]], after_s: float, before_s: float,
               rhythm: Rhythm, rep_s: float) -> int:
    """How many reps fit whole in the gaps `inside` (between a rep that ended at
    `after_s` and one that began at `before_s`), each a rest away from those two, at
    the quickest the set's rhythm goes (HIDDEN_REST_FRACTION, HIDDEN_PACE_FRACTION).
    A rep joined across a gap may have been two: this is not asked then."""
    rest_s = HIDDEN_REST_FRACTION * rhythm.rest_s
    first_s = max(inside[0][0], after_s + rest_s)
    last_s = min(inside[-1][1], before_s - rest_s)
    length_s, period_s = HIDDEN_PACE_FRACTION * rep_s, HIDDEN_PACE_FRACTION * rhythm.period_s
    if last_s - first_s < length_s:
        return 0
    return math.floor((last_s - first_s - length_s) / period_s) + 1


def under_way_after_gap(rep: RepCandidate, gaps: list[tuple[float, float]]) -> bool:
    """Was `rep` already under way when data came back after a gap (its seen start is
    the gap's end)?"""
    return rep.unseen_s > 0.0 and not rep.spans_gap and any(
        abs(rep.start_s - g1) < 1e-6 for _, g1 in gaps)


def began_s(rep: RepCandidate, gaps: list[tuple[float, float]], rep_s: float) -> float:
    """When a rep began, s: for one already under way when data came back after a gap,
    a typical rep's length (`rep_s`) before its end, as the person did not wait for
    the link."""
    if under_way_after_gap(rep, gaps):
        return min(rep.start_s, rep.end_s - rep_s)
    return rep.start_s


def reps_json(reps: list[RepCandidate], exercise: str,
              gaps: list[tuple[float, float]]) -> list[dict]:
    """A set's reps, with those link gaps hid (`hidden_counts`) between them:
    `"hidden": true`, at the set's pace from the rep before them (kept between their
    neighbours), as long as the set's typical rep (a bridge held as long as its
    typical hold), found when the rep after them was. A rep counted though a gap hid
    most of it (`mostly_unseen`) is `"hidden"` too: as long as a typical rep from its
    edge seen, with a typical hold."""
    out = []
    rhythm, rep_s = set_rhythm(reps, gaps), typical_rep_s(reps)
    spans = _spans_s(reps, gaps, rep_s)
    hidden = _hidden_counts(reps, gaps, rhythm, rep_s, spans)
    hold_s = median([r.hold_s for r in measured(reps)])
    for i, rep in enumerate(reps):
        out.append(rep_json(rep, exercise))
        if rep.mostly_unseen:
            start_s, end_s = spans[i]
            out[-1].update(start_s=round(start_s, 3), end_s=round(end_s, 3), hidden=True)
            if "hold_s" in out[-1]:
                out[-1]["hold_s"] = round(min(hold_s, end_s - start_s), 2)
        k = hidden[i] if i < len(hidden) else 0
        if not k:
            continue
        (start_s, end_s), after_s = spans[i], spans[i + 1][0]
        # At the set's pace from the rep before, within the time between the two, and
        # not before the gap that hid them (a pause in view before it was rest).
        length_s = min(rep_s, max(0.0, after_s - end_s) / k)
        hid_from_s = min((g0 for g0, g1 in gaps if g1 > end_s), default=end_s)
        for j in range(1, k + 1):
            ghost_s = min(max(start_s + j * rhythm.period_s, end_s + (j - 1) * length_s,
                              hid_from_s + (j - 1) * rhythm.period_s),
                          after_s - (k - j + 1) * length_s)
            ghost = {"start_s": round(ghost_s, 3), "end_s": round(ghost_s + length_s, 3),
                     "detected_at_s": round(reps[i + 1].detected_at_s, 3), "hidden": True}
            if exercise == "hip_bridge":
                ghost["hold_s"] = round(min(hold_s, length_s), 2)
            out.append(ghost)
    return out


def _spans_s(reps: list[RepCandidate], gaps: list[tuple[float, float]],
             rep_s: float) -> list[tuple[float, float]]:
    """(start_s, end_s) of each rep: as seen, but for one counted though a gap hid most
    of it, a typical rep's length (`rep_s`) from its edge seen (its end if it was
    under way when data came back, else its start), kept clear of its neighbours."""
    spans = []
    for i, rep in enumerate(reps):
        start_s, end_s = rep.start_s, rep.end_s
        if rep.mostly_unseen:
            if under_way_after_gap(rep, gaps):
                before_s = spans[-1][1] if spans else -math.inf
                start_s = max(before_s, began_s(rep, gaps, rep_s))
            else:
                after_s = reps[i + 1].start_s if i + 1 < len(reps) else math.inf
                end_s = min(after_s, max(end_s, start_s + rep_s))
        spans.append((start_s, end_s))
    return spans


def rep_json(rep: RepCandidate, exercise: str) -> dict:
    out = {"start_s": round(rep.start_s, 3), "end_s": round(rep.end_s, 3),
           "detected_at_s": round(rep.detected_at_s, 3), "peak_deg": round(rep.peak_deg, 1)}
    if exercise == "hip_bridge" or rep.hold_s > 0:
        out["hold_s"] = round(rep.hold_s, 2)
    return out
