"""Which way reps turn the sensor: the way a set's reps agree on, and moves that do
not go it (a rep the other way, or each rep seen twice about a rest between two
levels)."""

from __future__ import annotations

import math

from .excursions import RepCandidate
from .vectors import median

#: Reps agree on which way they turn when their turns, weighted by size, add up to
#: this fraction of the total: the same way within ~35 deg, or one in ten the other
#: way (reps of one exercise agree within a few degrees).
AGREED = 0.8
#: ... and there are at least this many of them: two fidgets are no reference.
MIN_AGREEING = 3
#: Reps of a set whose typical rep turns at least SHARP_WAY_MIN_DEG turn its way
#: within SHARP_WAY_DEG. Measured over 4,800 reps (simulated people, MEx): in sets of
#: 6-10 deg reps every rep is within 13 deg of the set's way, in larger ones within
#: 26 deg (noise and wobble matter less the larger the rep); in sets of 2-6 deg tilts
#: (at the thigh, MEx) they stray up to 80 deg, so there only the other way (over 90
#: deg) is not a rep. Margin: 8 deg, 45 deg.
SHARP_WAY_MIN_DEG = 8.0
SHARP_WAY_DEG = 45.0
#: Reps taking turns going opposite ways this many times in a row are one rep each
#: pair (`one_level_of_alternating`). Over 830 sets found in every simulated set and
#: all 90 MEx recordings, runs of 3 turns occur in real tilt sets (noisy ways at the
#: thigh); 4 or more only where rest lay between the levels (one simulated person)
#: and in knee rolling, which goes side to side (not one of these exercises).
ALTERNATING_RUN = 4


def agreed_direction(reps: list[RepCandidate]) -> tuple | None:
    """The way `reps` turn the sensor (a unit vector), if they agree on it: their
    turns, weighted by size, add up to at least AGREED of their total, and there are
    at least MIN_AGREEING of them (fidgets at the start of a set, small and any way,
    are no reference). None otherwise."""
    known = [r for r in reps if r.direction is not None]
    if len(known) < MIN_AGREEING:
        return None
    total = [sum(r.peak_deg * r.direction[i] for r in known) for i in range(3)]
    resultant = math.sqrt(sum(x * x for x in total))
    if resultant < AGREED * sum(r.peak_deg for r in known):
        return None
    return tuple(x / resultant for x in total)


def _way_limit_cos(typical_deg: float) -> float:
    """Cosine of how far off a set's way its reps may turn: SHARP_WAY_DEG beside reps
    of `typical_deg` large enough to show their way sharply, else 90 deg."""
    return math.cos(math.radians(SHARP_WAY_DEG if typical_deg >= SHARP_WAY_MIN_DEG else 90.0))


def _dot(a, b) -> float:
    return sum(a[i] * b[i] for i in range(3))


def most_one_way(reps: list[RepCandidate]) -> list[RepCandidate]:
    """The most of `reps` that turn one way: within the way limit of `turned_against`
    (SHARP_WAY_DEG beside reps large enough to show their way sharply, else 90 deg)
    of one of them; reps whose way is unknown go with any. A set needs `min_set_reps`
    of them: three moves each another way (fidgets while resting between sets) are
    no exercise."""
    if not reps:
        return []
    limit = _way_limit_cos(median([r.peak_deg for r in reps]))
    known = [r for r in reps if r.direction is not None]
    best: list[RepCandidate] = []
    for ref in known:
        group = [r for r in known if _dot(r.direction, ref.direction) > limit]
        if len(group) > len(best):
            best = group
    return [r for r in reps if r.direction is None or any(r is b for b in best)]


def same_way(rep: RepCandidate, other: RepCandidate) -> bool:
    """Does `rep` turn the sensor `other`'s way, within the limit `turned_against`
    holds a set's reps to (SHARP_WAY_DEG beside a rep large enough to show its way
    sharply, else 90 deg)? Unknown ways agree."""
    if rep.direction is None or other.direction is None:
        return True
    return _dot(rep.direction, other.direction) >= _way_limit_cos(other.peak_deg)


def turned_against(rep: RepCandidate, reps: list[RepCandidate]) -> bool:
    """Did `rep` turn the sensor another way than the other `reps`, which agree on
    their way? The reps of one exercise all turn the pelvis the same way; a move the
    other way (an undershoot on release, arching the back, a shift) is not one, nor,
    beside reps large enough to show their way sharply, a move off to the side (a
    twist or a roll as they get up after a set of bridges)."""
    others = [r for r in reps if r is not rep]
    way = agreed_direction(others)
    if rep.direction is None or way is None:
        return False
    return _dot(rep.direction, way) < _way_limit_cos(median([r.peak_deg for r in others]))


def one_level_of_alternating(reps: list[RepCandidate]) -> list[RepCandidate]:
    """Reps that go one way and the other in turn, ALTERNATING_RUN times or more in a
    row: rest was taken at a point on the way between the two levels a rep moves
    between (a person with brief rests, settling during the first reps), so each rep
    showed as two excursions, one to either level. Of each such run the smaller of
    the two (the stretch to rest, or to the rep's own level: one per rep either way)
    is not a rep."""
    opposite = [a.direction is not None and b.direction is not None
                and _dot(a.direction, b.direction) < 0.0 for a, b in zip(reps, reps[1:])]
    dropped: set[int] = set()
    i = 0
    while i < len(opposite):
        if not opposite[i]:
            i += 1
            continue
        j = i
        while j < len(opposite) and opposite[j]:
            j += 1
        if j - i >= ALTERNATING_RUN:            # reps i..j take turns
            run = list(range(i, j + 1))
            sides = run[0::2], run[1::2]
            smaller = min(sides, key=lambda side: median([reps[k].peak_deg for k in side]))
            dropped.update(smaller)
        i = j
    return [r for k, r in enumerate(reps) if k not in dropped]
