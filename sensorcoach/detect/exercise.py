"""Which exercise a run of reps is (bridge or pelvic tilt), and where a run changes
from one to the other (bridges, then tilts soon after, taken in as one set)."""

from __future__ import annotations

import math

from .excursions import NEW_SET_RATIO, RepCandidate
from .settings import DetectorSettings
from .vectors import median

#: Bridges and tilts that a change in how far they raise the sensor tells apart turn
#: the pelvis by sizes at least this far apart: 1.5-2.1 times in the sessions where
#: that split was right; reps that turn alike (within 5%: a drifting rest without a
#: gyroscope made 4 of 20 tilts read as raised) are one exercise.
RISE_SPLIT_RATIO = 1.25


def classify(reps: list[RepCandidate], s: DetectorSettings) -> str:
    """Bridge or pelvic tilt: by how far the pelvis turns, or else by how high the
    sensor rises (a thigh sensor turns less in a bridge, but still rises; a turn near
    the limit between the two that does not raise the sensor is a tilt)."""
    typical_deg = median([r.peak_deg for r in reps])
    rises = [r.rise_cm for r in reps if r.rise_cm is not None]
    if typical_deg >= s.bridge_min_deg:
        # Every rep, not the median: a thigh sensor's rise reads scattered (MEx: -3 to
        # +6 cm across one person's bridges), so only a set none of whose reps rose says so.
        not_raised = len(rises) >= s.min_set_reps and max(rises) < s.tilt_max_rise_cm
        return "pelvic_tilt" if not_raised and typical_deg < s.bridge_sure_deg else "hip_bridge"
    if rises and median(rises) >= s.bridge_min_rise_cm:
        return "hip_bridge"
    return "pelvic_tilt"


def split_by_exercise(reps: list[RepCandidate], s: DetectorSettings) -> list[list]:
    """A set's reps as the sets they were (`_split_once`, again on each part: bridges,
    tilts, bridges)."""
    parts = _split_once(reps, s)
    if len(parts) == 1:
        return parts
    return [part for half in parts for part in split_by_exercise(half, s)]


def _split_once(reps: list[RepCandidate], s: DetectorSettings) -> list[list]:
    """A set's reps as two sets, if they fall into a first and a second run of at
    least `min_set_reps` each whose typical reps differ by NEW_SET_RATIO and that are
    different exercises (tilts soon after bridges, the first just over the 45% of a
    bridge that keeps a rep in the set: each was taken in as the set's typical rep
    came down); else one. Of such splits, the one that leaves each run most alike
    (least squared spread of the log sizes about each run's mean). Failing that,
    where they stop raising the sensor like bridges (`_rise_split`)."""
    n, k_min = len(reps), s.min_set_reps
    logs = [math.log(max(r.peak_deg, 1e-6)) for r in reps]

    def spread(part):
        mean = sum(part) / len(part)
        return sum((x - mean) ** 2 for x in part)

    best, best_spread = None, math.inf
    for k in range(k_min, n - k_min + 1):
        first = median([r.peak_deg for r in reps[:k]])
        second = median([r.peak_deg for r in reps[k:]])
        if max(first, second) < NEW_SET_RATIO * min(first, second):
            continue
        total = spread(logs[:k]) + spread(logs[k:])
        if total < best_spread:
            best, best_spread = k, total
    if best is None:
        k = _rise_split(reps, s)
        return [reps] if k is None else [reps[:k], reps[k:]]
    if classify(reps[:best], s) == classify(reps[best:], s):
        return [reps]
    return [reps[:best], reps[best:]]


def _rise_split(reps: list[RepCandidate], s: DetectorSettings) -> int | None:
    """Where a set's reps change from ones that all raised the sensor by a bridge's
    height (`bridge_min_rise_cm`, lift.py) to ones that all did not, or back, and the
    two are different exercises: bridges and tilts of sizes too near to tell apart by
    how far they turn (a hip sensor's large tilts, 12-21 deg, beside bridges of under
    2.2 times that). The first such change; `split_by_exercise` finds the next
    (bridges, tilts, bridges). The same person's bridges turn further than their
    tilts (RISE_SPLIT_RATIO). None if there is none, or a rise is unknown (but for
    the newest reps'). Every run of raised or not raised reps must be `min_set_reps`
    long: a few reps of a set that read as raised between others that did not (an
    accelerometer-only tilt set) are no set of their own, and then nothing here is
    sure enough to split on."""
    known = len(reps)
    while known and reps[known - 1].rise_cm is None:
        known -= 1              # the newest, not measured yet (lift.py waits for rest)
    if not known or any(r.rise_cm is None for r in reps[:known]):
        return None
    raised = [r.rise_cm >= s.bridge_min_rise_cm for r in reps[:known]]
    # ... taken to be like the rep before: told live as the set they go on.
    raised += [raised[-1]] * (len(reps) - known)
    edges = [0] + [i for i in range(1, len(reps)) if raised[i] != raised[i - 1]] + [len(reps)]
    if len(edges) < 3 or min(b - a for a, b in zip(edges, edges[1:])) < s.min_set_reps:
        return None
    for before, k, after in zip(edges, edges[1:], edges[2:]):
        first = median([r.peak_deg for r in reps[before:k]])
        second = median([r.peak_deg for r in reps[k:after]])
        if (max(first, second) >= RISE_SPLIT_RATIO * min(first, second)
                and classify(reps[before:k], s) != classify(reps[k:after], s)):
            return k
    return None
