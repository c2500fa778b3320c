"""A whole session as a script: get on the mat, do the sets, rest, fidget, get up.

Produces the pose channels (trajectory.py) and the ground-truth labels in true
time. Labels follow formats spec section 5: a pelvic tilt rep runs from leaving
the resting tilt to being back; a knee-to-chest rep is one full rocking circle and
the set has the time in the posture; a bridge rep runs from leaving the mat to
being back down, its hold from reaching the top to starting to lower.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import PchipInterpolator

from ..formats.labels import LabelRep, LabelSet
from .person import Person
from .trajectory import Script, bump, window

STANDING_PELVIS_M = 0.95     # pelvis centre height standing (adult, ~0.53 x body height)
SITTING_FLOOR_M = 0.15       # sitting on the mat
LYING_PELVIS_M = 0.10        # supine: half the pelvis depth plus the mat


@dataclass(frozen=True)
class Behaviour:
    """What happens in this session besides the exercises (drawn from the seed)."""
    start_standing: bool         # walk to the mat and lie down, or start lying
    end_standing: bool           # get up (and walk away) at the end
    fidgets_per_min: float       # twitches and small adjustments while resting
    partial_rep_prob: float      # chance per rep of an aborted, small attempt before it
    pause_prob: float            # chance per rep of a longer pause before it
    shift_prob: float            # chance per rest of shifting position on the mat


class Routine:
    def __init__(self, person: Person, behaviour: Behaviour, rng: np.random.Generator):
        self.p = person
        self.b = behaviour
        self.rng = rng
        self.sets: list[LabelSet] = []
        start = {"lie_deg": 0.0, "z_m": STANDING_PELVIS_M, "yaw_deg": rng.uniform(-180, 180)}
        if not behaviour.start_standing:
            start.update(lie_deg=person.lie_deg, z_m=LYING_PELVIS_M,
                         roll_deg=person.rest_roll_deg)
        self.s = Script(start)
        self._lying_since = None if behaviour.start_standing else 0.0
        self._lying_periods: list[tuple[float, float]] = []
        self._rest_windows: list[tuple[float, float]] = []

    # --- helpers -------------------------------------------------------------------
    def vary(self, value: float, cv: float | None = None) -> float:
        cv = self.p.rep_cv if cv is None else cv
        return float(value * np.clip(1.0 + self.rng.normal(0.0, cv), 0.6, 1.4))

    def rest(self, duration_s: float) -> None:
        """Lie still (breathing), with fidgets and maybe a shift of position."""
        start = self.s.now
        if self.rng.random() < self.b.shift_prob and duration_s > 4:
            self.s.wait(self.rng.uniform(0.5, duration_s / 3))
            c = self.s.current
            # Shifting on the mat: a few deg of roll and heading, a little change in
            # resting pitch, a few cm of slide; it does not come back (not a rep).
            self.s.move(self.rng.uniform(0.8, 2.0),
                        roll_deg=c["roll_deg"] + self.rng.uniform(-4, 4),
                        yaw_deg=c["yaw_deg"] + self.rng.uniform(-8, 8),
                        lie_deg=c["lie_deg"] + self.rng.uniform(-2, 2),
                        x_m=c["x_m"] + self.rng.uniform(-0.05, 0.05),
                        y_m=c["y_m"] + self.rng.uniform(-0.05, 0.05))
        self.s.wait(start + duration_s - self.s.now)
        self._rest_windows.append((start, self.s.now))

    def _add_fidgets(self) -> None:
        """Twitches in the rest windows: at most 30% of the person's tilt amplitude and
        3 deg, so they stay "much smaller than the person's own reps"."""
        for t0, t1 in self._rest_windows:
            count = self.rng.poisson(self.b.fidgets_per_min * (t1 - t0) / 60.0)
            for _ in range(count):
                duration = self.rng.uniform(0.3, 1.2)
                if t1 - t0 <= duration + 0.2:
                    continue
                at = self.rng.uniform(t0, t1 - duration)
                channel = self.rng.choice(["tilt_deg", "roll_deg", "yaw_deg"])
                size = min(0.3 * self.p.tilt_amp_deg, 3.0) * self.rng.uniform(0.3, 1.0)
                size *= self.rng.choice([-1.0, 1.0])
                self.s.overlay(lambda t, a=at, d=duration, c=channel, k=size:
                               {c: k * bump(t, a, d)})

    # --- getting on and off the mat ------------------------------------------------
    def walk(self, duration_s: float) -> None:
        t0 = self.s.now
        heading = np.radians(self.s.current["yaw_deg"])
        distance = self.p.walk_speed_mps * duration_s
        self.s.move(duration_s, x_m=self.s.current["x_m"] + distance * np.cos(heading),
                    y_m=self.s.current["y_m"] + distance * np.sin(heading))
        f = self.p.cadence_hz
        # Pelvis during gait: ~2 cm vertical excursion per step, obliquity and
        # rotation of ~4 deg per stride, a little tilt per step (Perry, Gait Analysis).
        self.s.overlay(lambda t, a=t0, b=t0 + duration_s: {
            "z_m": 0.02 * window(t, a, b, 0.5) * np.sin(2 * np.pi * f * (t - a)),
            "obliq_deg": 4.0 * window(t, a, b, 0.5) * np.sin(np.pi * f * (t - a)),
            "yaw_deg": 4.0 * window(t, a, b, 0.5) * np.sin(np.pi * f * (t - a) + 0.5),
            "tilt_deg": 2.0 * window(t, a, b, 0.5) * np.sin(2 * np.pi * f * (t - a) + 1.0)})

    def lie_down(self) -> None:
        self.s.move(self.rng.uniform(1.5, 2.5), lie_deg=25.0, z_m=0.5)       # crouch
        self.s.move(self.rng.uniform(1.0, 2.0), lie_deg=15.0, z_m=SITTING_FLOOR_M)
        self.s.move(self.rng.uniform(2.0, 3.5), lie_deg=self.p.lie_deg, z_m=LYING_PELVIS_M,
                    roll_deg=self.p.rest_roll_deg)
        self._lying_since = self.s.now

    def get_up(self) -> None:
        self._lying_periods.append((self._lying_since, self.s.now))
        side = self.rng.choice([-1.0, 1.0])
        self.s.move(self.rng.uniform(1.0, 1.8), roll_deg=side * self.rng.uniform(45, 75))
        self.s.move(self.rng.uniform(2.0, 3.0), lie_deg=10.0, roll_deg=0.0, z_m=0.45)
        self.s.wait(self.rng.uniform(0.5, 1.5))
        self.s.move(self.rng.uniform(1.5, 2.2), lie_deg=0.0, z_m=STANDING_PELVIS_M)
        self._lying_since = None

    # --- exercises -----------------------------------------------------------------
    def _fatigue(self, i: int, n: int) -> float:
        return self.p.fatigue * i / max(n - 1, 1)

    def _maybe_pause(self) -> None:
        if self.rng.random() < self.b.pause_prob:
            self.rest(self.rng.uniform(3.0, 8.0))

    def pelvic_tilt(self, reps: int) -> None:
        p, s = self.p, self.s
        out = []
        base = s.current["tilt_deg"]
        for i in range(reps):
            self._maybe_pause()
            tired = self._fatigue(i, reps)
            if self.rng.random() < self.b.partial_rep_prob:
                # An aborted attempt at 15-30% of the person's amplitude: not a rep.
                s.move(self.vary(p.tilt_move_s * 0.6),
                       tilt_deg=base + p.tilt_amp_deg * self.rng.uniform(0.15, 0.3))
                s.move(self.vary(p.tilt_move_s * 0.6), tilt_deg=base)
                s.wait(self.vary(p.tilt_rest_s))
            amp = self.vary(p.tilt_amp_deg) * (1.0 - tired)
            move = p.tilt_move_s * (1.0 + 0.8 * tired)
            start, _ = s.move(self.vary(move), tilt_deg=base + amp)
            s.wait(self.vary(p.tilt_hold_s) * (1.0 - 0.5 * tired))
            _, end = s.move(self.vary(move), tilt_deg=base)
            out.append(LabelRep(start, end))
            s.wait(self.vary(p.tilt_rest_s))
        self.sets.append(LabelSet("pelvic_tilt", out[0].start_s, out[-1].end_s, tuple(out)))

    def knee_to_chest(self, circles: int) -> None:
        p, s = self.p, self.s
        base_tilt, base_z = s.current["tilt_deg"], s.current["z_m"]
        set_start, posture_start = s.move(self.rng.uniform(1.5, 2.5),
                                          tilt_deg=base_tilt + p.ktc_tilt_deg, z_m=base_z + 0.03)
        s.wait(self.rng.uniform(0.5, 1.5))
        durations = [self.vary(p.ktc_circle_s) * (1 + 0.8 * self._fatigue(i, circles))
                     for i in range(circles)]
        amps = [self.vary(1.0) * (1 - self._fatigue(i, circles)) for i in range(circles)]
        t0 = s.now
        edges = t0 + np.concatenate([[0.0], np.cumsum(durations)])
        reps = tuple(LabelRep(float(a), float(b)) for a, b in zip(edges[:-1], edges[1:]))
        direction = self.rng.choice([-1.0, 1.0])   # clockwise or not

        # Phase and amplitude are smooth (C1) through the circle boundaries: a person
        # changes pace gradually, and a jump in angular rate would be an impossible
        # acceleration spike at the sensor.
        phase_of = PchipInterpolator(edges, 2 * np.pi * np.arange(len(edges)))
        mids = np.r_[edges[0], 0.5 * (edges[:-1] + edges[1:]), edges[-1]]
        amp_of = PchipInterpolator(mids, np.r_[amps[0], amps, amps[-1]])

        def rocking(t, e=edges, d=direction):
            inside = np.clip(t, e[0], e[-1])
            phase = phase_of(inside)
            env = window(t, e[0], e[-1], 0.25 * p.ktc_circle_s) * amp_of(inside)
            return {"roll_deg": d * p.ktc_roll_deg * env * np.sin(phase),
                    "tilt_deg": p.ktc_pitch_deg * env * (1 - np.cos(phase))}

        s.overlay(rocking)
        s.wait(edges[-1] - t0)
        s.wait(self.rng.uniform(0.0, 3.0))
        posture_end, set_end = s.move(self.rng.uniform(1.5, 2.5), tilt_deg=base_tilt, z_m=base_z)
        self.sets.append(LabelSet("knee_to_chest", set_start, set_end, reps,
                                  posture_start_s=posture_start, posture_end_s=posture_end))

    def hip_bridge(self, reps: int) -> None:
        p, s = self.p, self.s
        base_tilt, base_z = s.current["tilt_deg"], s.current["z_m"]
        out = []
        for i in range(reps):
            self._maybe_pause()
            tired = self._fatigue(i, reps)
            if self.rng.random() < self.b.partial_rep_prob:
                # Starts to lift, gives up at a quarter height: not a bridge.
                s.move(self.vary(p.bridge_move_s * 0.6),
                       tilt_deg=base_tilt + 0.25 * p.bridge_tilt_deg,
                       z_m=base_z + 0.25 * p.bridge_lift_m)
                s.move(self.vary(p.bridge_move_s * 0.6), tilt_deg=base_tilt, z_m=base_z)
                s.wait(self.vary(p.bridge_rest_s))
            amp = self.vary(1.0) * (1.0 - 0.5 * tired)
            move = p.bridge_move_s * (1.0 + 0.5 * tired)
            start, hold_start = s.move(self.vary(move), tilt_deg=base_tilt + amp * p.bridge_tilt_deg,
                                       z_m=base_z + amp * p.bridge_lift_m)
            hold = self.vary(p.bridge_hold_s) * (1.0 - 0.5 * tired)
            # Holding a bridge is not perfectly still: sway of ~0.5 deg at ~0.5 Hz.
            sway_phase = self.rng.uniform(0, 2 * np.pi)
            s.overlay(lambda t, a=hold_start, b=hold_start + hold, ph=sway_phase: {
                "tilt_deg": 0.5 * window(t, a, b, 0.3) * np.sin(2 * np.pi * 0.5 * (t - a) + ph)})
            s.wait(hold)
            hold_end, end = s.move(self.vary(move), tilt_deg=base_tilt, z_m=base_z)
            out.append(LabelRep(start, end, hold_start, hold_end))
            s.wait(self.vary(p.bridge_rest_s))
        self.sets.append(LabelSet("hip_bridge", out[0].start_s, out[-1].end_s, tuple(out)))

    # --- whole session -------------------------------------------------------------
    def run(self, plan: list[tuple[str, int]]) -> float:
        """Performs `plan` [(exercise, reps)] and returns the session length in s."""
        if self.b.start_standing:
            self.s.wait(self.rng.uniform(1.0, 3.0))
            self.walk(self.rng.uniform(3.0, 8.0))
            self.s.wait(self.rng.uniform(0.5, 2.0))
            self.lie_down()
        self.rest(self.rng.uniform(5.0, 12.0))
        for index, (exercise, reps) in enumerate(plan):
            getattr(self, exercise)(reps)
            self.rest(self.rng.uniform(8.0, 25.0) if index < len(plan) - 1
                      else self.rng.uniform(4.0, 8.0))
        if self.b.end_standing:
            self.get_up()
            self.s.wait(self.rng.uniform(0.5, 2.0))
            self.walk(self.rng.uniform(3.0, 6.0))
            self.s.wait(self.rng.uniform(1.0, 2.0))
        elif self._lying_since is not None:
            self._lying_periods.append((self._lying_since, self.s.now))
        self._add_fidgets()
        self._add_breathing()
        return self.s.now

    def _add_breathing(self) -> None:
        p = self.p
        f = p.breath_per_min / 60.0
        phase = self.rng.uniform(0, 2 * np.pi)
        for a, b in self._lying_periods:
            self.s.overlay(lambda t, a=a, b=b: {
                "tilt_deg": p.breath_tilt_deg * window(t, a, b, 2.0)
                * np.sin(2 * np.pi * f * t + phase + 0.3 * np.sin(2 * np.pi * 0.03 * t)),
                "z_m": 0.002 * window(t, a, b, 2.0) * np.sin(2 * np.pi * f * t + phase)})
