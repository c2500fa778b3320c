"""Knee-to-chest rocking: a live swing counter, and the circles of a posture
counted with hindsight, also when link gaps cut it."""

from __future__ import annotations

import math

from .settings import DetectorSettings
from .vectors import DEG, mean_direction, median, normalise, turn_direction

#: A circle under way when a link gap began or ended, at the rocking's edge, counts
#: if this fraction of a circle of it was seen, swinging by the reversal threshold:
#: the person was rocking, and the rest of it the gap hid (under half: its middle was
#: not seen). A quarter circle is a half swing.
EDGE_SEEN = 0.25
#: A circle of a knee hug lasting this many of its set's typical circles (median) is
#: two or more whose reversals between were too shallow to tell: the circles of one
#: hug vary by up to about a tenth either way of their pace (restless people's by a
#: third over a set, but slowly: fatigue), so two quick ones together last at least
#: twice 0.9 of it. Measured over every simulated hug set (1951): no circle counted
#: alone that long in a set counted right; seven such sets one circle short.
MERGED_CIRCLES = 1.8
#: Circles it takes to know a hug's typical circle: the first and last are often
#: part ones (the pull in and the release), so at least two more.
MERGED_MIN_CIRCLES = 4


class RockingCounter:
    """Counts rocking swings: hysteresis on the projection of the gravity direction's
    deviation from the posture centre onto its principal axis."""

    def __init__(self, s: DetectorSettings, u, t_s: float):
        self.s = s
        self.c = list(u)
        self.cov = [0.0] * 6                 # xx, yy, zz, xy, xz, yz
        self.v = None
        self.sign = 0
        self.env = 0.0
        self.flips: list[tuple[float, float]] = []   # (t_s, done_at_s)
        self.start_s = t_s

    def update(self, u, dt: float, t_s: float, done_at: float) -> bool:
        s = self.s
        kc = dt / (s.rock_centre_tau_s + dt)
        ka = dt / (s.rock_axis_tau_s + dt)
        c = self.c
        for i in range(3):
            c[i] += kc * (u[i] - c[i])
        dx, dy, dz = (u[0] - c[0]) * DEG, (u[1] - c[1]) * DEG, (u[2] - c[2]) * DEG
        cv = self.cov
        for i, val in enumerate((dx * dx, dy * dy, dz * dz, dx * dy, dx * dz, dy * dz)):
            cv[i] += ka * (val - cv[i])
        v = self.v
        if v is None:
            norm = math.sqrt(dx * dx + dy * dy + dz * dz)
            if norm < 1e-6:
                return False
            v = (dx / norm, dy / norm, dz / norm)
        # One power-iteration step: the axis follows the covariance's main direction.
        wx = cv[0] * v[0] + cv[3] * v[1] + cv[4] * v[2]
        wy = cv[3] * v[0] + cv[1] * v[1] + cv[5] * v[2]
        wz = cv[4] * v[0] + cv[5] * v[1] + cv[2] * v[2]
        norm = math.sqrt(wx * wx + wy * wy + wz * wz)
        if norm > 1e-12:
            v = (wx / norm, wy / norm, wz / norm)
        self.v = v
        p = dx * v[0] + dy * v[1] + dz * v[2]
        self.env = max(abs(p), self.env * (1.0 - dt / (2 * s.rock_axis_tau_s)))
        h = max(s.rock_min_deg, s.rock_relative * self.env)
        self.sign, flipped = swing_side(self.sign, p, h)
        if flipped:
            self.flips.append((t_s, done_at))
        return flipped


def swing_side(sign: int, x: float, h: float) -> tuple[int, bool]:
    """Hysteresis: the side of +-h that `x` is on (`sign` while in between, 0 before
    either), and whether it just changed sides."""
    if x > h:
        return 1, sign < 0
    if x < -h:
        return -1, sign > 0
    return sign, False


def swing_flips(times, p, h):
    """Times at which `p` swings from beyond +h to beyond -h or back."""
    flips, sign = [], 0
    for t, x in zip(times, p):
        sign, flipped = swing_side(sign, x, h)
        if flipped:
            flips.append(t)
    return flips


def rocking_count(flips: int) -> int:
    """Full circles from swing reversals: the first swing is a half circle, each flip another."""
    return (flips + 1) // 2 if flips % 2 else flips // 2 + 1


def seen_stretches(times, max_gap_s: float) -> list[tuple[int, int]]:
    """(first, last) frame indices of the runs of frames with no link gap between."""
    out, begin = [], 0
    for i in range(1, len(times)):
        if times[i] - times[i - 1] > max_gap_s:
            out.append((begin, i - 1))
            begin = i
    out.append((begin, len(times) - 1))
    return out


def _tilt_way(dirs, base):
    """The centre of a posture's gravity directions `dirs`, and the way it tilted from
    rest `base` there (a unit vector across the centre direction, in the plane of the
    swings); None if the centre is at rest."""
    centre = mean_direction(dirs)
    tilt = turn_direction(centre, base)
    if tilt is None:
        return None
    along = sum(tilt[i] * centre[i] for i in range(3))
    return centre, normalise([tilt[i] - along * centre[i] for i in range(3)])


def sideways_swing_deg(dirs, base) -> float:
    """How far the gravity directions `dirs` (a posture away from rest `base`) swing
    across the way the posture tilted from rest, peak to peak, deg. Lifting into a
    bridge and holding it turns the pelvis along that way only (sway under 1 deg);
    rocking in a knee hug swings across it too."""
    tilted = _tilt_way(dirs, base)
    if tilted is None:
        return 0.0
    centre, way = tilted
    # Across: perpendicular to both the centre and the tilt's way at the centre.
    across = (centre[1] * way[2] - centre[2] * way[1], centre[2] * way[0] - centre[0] * way[2],
              centre[0] * way[1] - centre[1] * way[0])
    sides = [math.asin(max(-1.0, min(1.0, sum(u[i] * across[i] for i in range(3))))) * DEG
             for u in dirs]
    return max(sides) - min(sides)


def first_flip_phase(dirs, axis, base, h: float, swing: float) -> float:
    """Where in its circle, as a fraction of it, the first swing reversal of a knee
    hug comes. A circle starts from the posture at its least tilt and goes round: the
    side-to-side (roll) deviation reverses at the middle of the circle, the
    head-to-tail (pitch) one a quarter in. Rocking mostly sideways (the main axis of
    the swings across the way the hug tilted the pelvis from rest) gives the first;
    along it, the second. The hysteresis (`h` of `swing`) delays each reversal."""
    tilted = _tilt_way(dirs, base)
    delay = math.asin(min(1.0, h / swing)) / (2 * math.pi) if swing > 0 else 0.0
    if tilted is None:
        return 0.5 + delay
    _, way = tilted
    sideways = abs(sum(float(axis[i]) * way[i] for i in range(3))) < math.cos(math.pi / 4)
    return (0.5 if sideways else 0.25) + delay


#: Whole circles (two reversals apart) it takes to know a knee hug's pace from them
#: alone: three, as one restless person's circles took 2.8 to 4.9 s.
MIN_WHOLE_PERIODS = 3


def circles_seen(times, p, h: float, stretches, first_flip: float,
                  start_seen: bool, end_seen: bool) -> list[tuple[float, float, bool]]:
    """(start_s, end_s, hidden) of the rocking circles of a posture that link gaps
    cut: those at least half seen (whose middle lies in a stretch of frames seen);
    the one under way where a gap begins or ends the rocking seen, if a quarter of it
    was seen swinging (EDGE_SEEN); and those the gap hid (`hidden`): between two
    stretches by the pace either side, and between the posture's own start or end
    (seen, without swings) and the rocking, the whole circles that fit in the gap.

    Swing reversals come every half circle, the first `first_flip` of a circle after
    the rocking started, the last the last one before the circle the rocking ends
    with ends. So a stretch's reversals are numbered from the start if it has the
    start, back from the end if it has the end (the release seen), else on from the
    stretch before across the gap, at the pace either side. Past a stretch's last
    reversal at most another half circle is assumed (rocking may have stopped)."""
    flips_per = [swing_flips(times[a:b + 1], p[a:b + 1], h) for a, b in stretches]
    # Half a circle from whole circles (two reversals): a swing's two halves differ
    # (rocking head to tail tips further one way than the other).
    periods = [f[i + 2] - f[i] for f in flips_per for i in range(len(f) - 2)]
    if len(periods) < MIN_WHOLE_PERIODS:
        # Too few whole circles seen to know the pace (restless people's circles vary
        # by a third or more): each half circle seen counts too, as two.
        periods += [2.0 * (f[i + 1] - f[i]) for f in flips_per for i in range(len(f) - 1)]
    seen = [n for n, f in enumerate(flips_per) if f]
    if not periods or not seen:
        return []
    half_s = 0.5 * median(periods)

    def pace_s(flips, at_end: bool) -> float:
        """Half a circle at a stretch's end (or start): the pace changes as they tire."""
        if len(flips) < 3:
            return half_s
        return 0.5 * (flips[-1] - flips[-3] if at_end else flips[2] - flips[0])

    def chained(order):
        """Number of each stretch's first reversal, counted on (or back, for `order`
        from the last) across the gaps, at the pace either side of each."""
        offsets = {order[0]: 0}
        for m, n in zip(order, order[1:]):
            before, after = flips_per[min(m, n)], flips_per[max(m, n)]
            pace = 0.5 * (pace_s(before, True) + pace_s(after, False))
            steps = max(1, round((after[0] - before[-1]) / pace))
            offsets[n] = (offsets[m] + len(before) - 1 + steps if n > m
                          else offsets[m] - steps - (len(before) - 1))
        return offsets

    last = seen[-1]
    # The last reversal is `last_phase` into the last circle, some whole number of
    # circles from the start (which, does not matter): its number.
    last_phase = first_flip + 0.5 if first_flip < 0.5 else first_flip
    circles_before = sum(len(f) for f in flips_per)
    end_number = round(2.0 * (circles_before + last_phase - first_flip))
    end_offset = end_number - (len(flips_per[last]) - 1)
    # From the start only if the stretch with the start has reversals to count from
    # (a gap may come before the first: the circle under way is then not placed).
    if (start_seen and seen[0] == 0) or not end_seen:
        offsets = chained(seen)
        if end_seen and len(seen) > 1:
            offsets[last] = end_offset
    else:
        offsets = chained(list(reversed(seen)))
        shift = end_offset - offsets[last]
        offsets = {n: o + shift for n, o in offsets.items()}

    def at(flips, j):
        """Time of (fractional) reversal `j` of a stretch's reversals."""
        if j <= 0:
            return flips[0] + j * half_s
        if j >= len(flips) - 1:
            return flips[-1] + (j - len(flips) + 1) * half_s
        i = int(j)
        return flips[i] + (j - i) * (flips[i + 1] - flips[i])

    # Per stretch seen: (first_s, last_s, [((start_s, end_s), middle_s)], the circle
    # under way at its start whose middle was before it, or None).
    found = []
    for n in seen:
        (a, b), flips, offset = stretches[n], flips_per[n], offsets[n]
        t0, t1 = times[a], times[b]
        circles, lead = [], None
        # Circle k has its middle at k - 1/2 circles from the start: reversal j.
        k = math.floor((offset - 1) / 2.0 + first_flip)
        while True:
            j = 2.0 * (k - 0.5 - first_flip) - offset
            k += 1
            if j < -1.0:
                continue
            middle_s = at(flips, j)
            if j > len(flips) or middle_s > t1:
                break
            if middle_s >= t0:
                circles.append(((max(t0, at(flips, j - 1.0)), min(t1, at(flips, j + 1.0))),
                                middle_s))
            elif at(flips, j + 1.0) > t0:
                # Under way when data came back, its middle in the gap.
                lead = ((at(flips, j - 1.0), min(t1, at(flips, j + 1.0))), middle_s, True)
        found.append((t0, t1, circles, lead))
    # A gap as long as a circle hid the middle of one at least: where none was
    # hidden, the circle whose middle was estimated nearest the gap was not seen
    # (the pace counts it among those hidden; the last seen on its side stays, as
    # hidden: it happened, its swings were seen).
    circle_s = 2.0 * half_s
    for (_, gap_from_s, before, _), (gap_to_s, _, after, _) in zip(found, found[1:]):
        least = math.floor((gap_to_s - gap_from_s) / circle_s)
        while before and after and round((after[0][1] - before[-1][1]) / circle_s) - 1 < least:
            side, i = ((before, -1) if before[-1][1] - gap_from_s > gap_to_s - after[0][1]
                       else (after, 0))
            if len(side) == 1:
                span, middle_s, *_ = side[i]
                side[i] = (span, middle_s, True)
                break
            side.pop(i)
    # Swings seen after a gap too briefly to hold a circle's middle ended the circle
    # whose middle the gap hid: it happened.
    for (_, gap_from_s, before, _), (_, _, circles, lead) in zip(found, found[1:]):
        if not circles and lead is not None and lead[1] > gap_from_s:
            (start_s, end_s), middle_s, _ = lead
            circles.append(((max(start_s, before[-1][0][1] if before else gap_from_s), end_s),
                            middle_s, True))
    # The circle under way where a gap began or ended, at the rocking's first or last
    # stretch seen (not the posture's own start or end), happened.
    def swung(t0: float, t1: float) -> bool:
        """Did the person swing (by the reversal threshold) from `t0` to `t1`?"""
        part = [x for t, x in zip(times, p) if t0 <= t <= t1]
        return bool(part) and max(part) - min(part) >= h

    first, last = found[0], found[-1]
    if first[2] and not (start_seen and seen[0] == 0):
        start_s = first[2][0][0][0]
        if start_s - first[0] >= EDGE_SEEN * circle_s and swung(first[0], start_s):
            first[2].insert(0, ((max(first[0], start_s - circle_s), start_s),
                                start_s - half_s))
    if last[2] and not (end_seen and seen[-1] == len(stretches) - 1):
        end_s = last[2][-1][0][1]
        if last[1] - end_s >= EDGE_SEEN * circle_s and swung(end_s, last[1]):
            last[2].append(((end_s, min(last[1], end_s + circle_s)), end_s + half_s))
    # The posture's own start or end seen across a gap, without swings (the knee pull,
    # the release): the rocking went on through the gap, as many whole circles as fit.
    if start_seen and seen[0] > 0 and first[2]:
        gap_from_s = times[stretches[seen[0] - 1][1]]
        first[2][:0] = [((a, b), 0.5 * (a + b), True) for a, b in
                        whole_circles_before(first[2][0][0][0], gap_from_s, circle_s)]
    if end_seen and seen[-1] < len(stretches) - 1 and last[2]:
        gap_to_s = times[stretches[seen[-1] + 1][0]]
        end_s = last[2][-1][0][1]
        for k in range(1, math.floor((gap_to_s - end_s) / circle_s) + 1):
            last[2].append(((end_s + (k - 1) * circle_s, end_s + k * circle_s),
                            end_s + (k - 0.5) * circle_s, True))
    # Circles between two stretches whose middles the gap hid: as many as the pace
    # puts between the nearest circles seen either side. They happened: they share
    # out the time between those circles' edges.
    spans = []
    placed = [circles for _, _, circles, _ in found if circles]
    for circles, after in zip(placed, placed[1:] + [None]):
        spans += [(a, b, bool(rest)) for (a, b), _, *rest in circles]
        if not after:
            continue
        hidden = round((after[0][1] - circles[-1][1]) / circle_s) - 1
        if hidden <= 0:
            continue
        from_s, to_s = circles[-1][0][1], after[0][0][0]
        step_s = (to_s - from_s) / hidden
        spans += [(from_s + k * step_s, from_s + (k + 1) * step_s, True) for k in range(hidden)]
    return spans


def split_merged_circles(circles: list[tuple]) -> list[tuple]:
    """`circles` [(start_s, end_s, detected_at_s)] with each that lasted
    MERGED_CIRCLES of the typical one or more split into as many equal circles as
    the typical one fits in it (each told when it was)."""
    if len(circles) < MERGED_MIN_CIRCLES:
        return circles
    typical_s = median([b - a for a, b, _ in circles])
    out = []
    for a, b, told_s in circles:
        n = max(2, round((b - a) / typical_s)) if b - a >= MERGED_CIRCLES * typical_s else 1
        out += [(a + k * (b - a) / n, a + (k + 1) * (b - a) / n, told_s) for k in range(n)]
    return out


def whole_circles_before(first_s: float, from_s: float, circle_s: float) -> list[tuple]:
    """(start_s, end_s), oldest first, of the whole circles of `circle_s` that fit
    from `from_s` (a link gap's start, the knee pull seen before it) up to `first_s`
    (the first circle seen after it): rocked in the gap."""
    n = math.floor((first_s - from_s) / circle_s) if circle_s > 0 else 0
    return [(first_s - k * circle_s, first_s - (k - 1) * circle_s) for k in range(n, 0, -1)]
