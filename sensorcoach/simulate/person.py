"""Who does the routine and how: per-person parameters drawn from documented ranges.

Every range below says where it comes from. Angles are pelvic angles in degrees,
times in seconds. A `Person` is drawn once per session from the seed; per-rep
variation and fatigue are applied on top by the routine.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np


@dataclass(frozen=True)
class Person:
    # --- resting posture ---------------------------------------------------------
    #: Pelvis pitch lying supine with knees bent, around 90 deg. Resting sagittal
    #: pelvic tilt varies between people by about +-5 deg (SD of pelvic tilt in
    #: supine radiographs, Legaye et al. 1998 and later PI/PT studies).
    lie_deg: float
    #: Lateral roll of the resting pelvis on the mat (asymmetry, mat slope), deg.
    rest_roll_deg: float
    # --- pelvic tilt -------------------------------------------------------------
    #: Active posterior pelvic tilt amplitude. Healthy adults reach about 9 deg
    #: (SD ~3) of active posterior tilt (e.g. Takaki et al. 2016; Day et al. 1984
    #: report a total tilt range of ~15-20 deg); people with low back pain less.
    tilt_amp_deg: float
    #: Time to tilt and to release: 0.6-1.6 s each at a comfortable pace (leaflets
    #: ask for slow, controlled rocking; "repeat 20 times" in ~1-2 minutes).
    tilt_move_s: float
    #: Time held at the tilted end: 0-4 s (some hold briefly as taught, some rock).
    tilt_hold_s: float
    #: Rest at neutral between tilts, 0.4-2 s.
    tilt_rest_s: float
    # --- knee-to-chest -----------------------------------------------------------
    #: Extra posterior tilt when both knees are hugged to the chest: hip flexion
    #: past 90 deg tips the pelvis posteriorly by 15-35 deg (lumbo-pelvic rhythm).
    ktc_tilt_deg: float
    #: Rocking circle: side-to-side roll and head-to-tail pitch amplitudes. Gentle
    #: rocking on the sacrum moves the pelvis by 5-15 deg of roll, 3-8 deg of pitch.
    ktc_roll_deg: float
    ktc_pitch_deg: float
    #: Seconds per rocking circle, 2.5-5 s (slow, "gently rock").
    ktc_circle_s: float
    #: Rocking circles per set: 4-10.
    ktc_circles: int
    # --- hip bridge --------------------------------------------------------------
    #: Pelvis pitch at the top of a bridge with knees and shoulders in one line:
    #: the trunk rises to 20-35 deg from the floor, and the pelvis with it.
    bridge_tilt_deg: float
    #: Rise of the pelvis, 0.10-0.22 m (thigh length x sin of the trunk angle).
    bridge_lift_m: float
    #: Lift and lowering time, 0.8-2 s each.
    bridge_move_s: float
    #: Hold at the top: "hold a few seconds", people do 2.5-8 s.
    bridge_hold_s: float
    #: Rest between bridges, 1.5-4 s.
    bridge_rest_s: float
    # --- every exercise ----------------------------------------------------------
    #: Rep-to-rep variation (coefficient of variation) of amplitude and timing.
    rep_cv: float
    #: Fatigue: fraction of amplitude lost by the end of a set (0-25%), and the
    #: slow-down of tempo (0-20%) and shortening of holds with it.
    fatigue: float
    #: Quiet breathing: 10-20 breaths per minute; it rocks the supine pelvis by
    #: 0.2-0.6 deg and lifts it by 1-3 mm.
    breath_per_min: float
    breath_tilt_deg: float
    # --- walking -----------------------------------------------------------------
    #: Cadence 1.6-2.0 steps/s and walking speed 0.8-1.3 m/s (adult comfortable gait).
    cadence_hz: float
    walk_speed_mps: float


def draw_person(rng: np.random.Generator) -> Person:
    tilt_amp = float(np.clip(rng.normal(9.0, 3.0), 4.5, 16.0))
    return Person(
        lie_deg=float(90.0 + rng.normal(0.0, 4.0)),
        rest_roll_deg=float(rng.normal(0.0, 2.0)),
        tilt_amp_deg=tilt_amp,
        tilt_move_s=float(rng.uniform(0.6, 1.6)),
        tilt_hold_s=float(rng.choice([0.0, rng.uniform(0.5, 4.0)], p=[0.3, 0.7])),
        tilt_rest_s=float(rng.uniform(0.4, 2.0)),
        ktc_tilt_deg=float(rng.uniform(15.0, 35.0)),
        ktc_roll_deg=float(rng.uniform(5.0, 15.0)),
        ktc_pitch_deg=float(rng.uniform(3.0, 8.0)),
        ktc_circle_s=float(rng.uniform(2.5, 5.0)),
        ktc_circles=int(rng.integers(4, 11)),
        bridge_tilt_deg=float(rng.uniform(20.0, 35.0)),
        bridge_lift_m=float(rng.uniform(0.10, 0.22)),
        bridge_move_s=float(rng.uniform(0.8, 2.0)),
        bridge_hold_s=float(rng.uniform(2.5, 8.0)),
        bridge_rest_s=float(rng.uniform(1.5, 4.0)),
        rep_cv=float(rng.uniform(0.05, 0.15)),
        fatigue=float(rng.uniform(0.0, 0.25)),
        breath_per_min=float(rng.uniform(10.0, 20.0)),
        breath_tilt_deg=float(rng.uniform(0.2, 0.6)),
        cadence_hz=float(rng.uniform(1.6, 2.0)),
        walk_speed_mps=float(rng.uniform(0.8, 1.3)),
    )


def widen_person(person: Person, rng: np.random.Generator) -> Person:
    """The same person with the exercise numbers drawn again from wider ranges than
    the ones above: how other people (or another simulator) might do the routine,
    to find where the detectors stop working rather than to measure them on the
    people they were built for. Each range holds the documented one and goes past
    it at one end or both:
    - tilts of 3-18 deg (people with low back pain tilt less; some tilt further),
      moves of 0.4-2.5 s, holds of 0.3-6 s (leaflets often say "hold 5 seconds") or
      none, rests of 0.2-3 s;
    - knee hugs tipping the pelvis 10-40 deg, rocking 3-18 deg sideways and 2-10 deg
      head to tail, 2-7 s a circle;
    - bridges of 12-40 deg (a low bridge: the trunk 12 deg off the floor lifts the
      pelvis ~10 cm, thigh 0.45 m x sin 12 deg) rising 6-25 cm, moves of 0.6-3 s,
      holds of 1-12 s, rests of 0.8-6 s;
    - rep-to-rep variation up to 25%, breathing 8-25 a minute rocking the pelvis by
      up to 1 deg.
    Drawn from a generator of its own, seeded by one draw from the session's."""
    r = np.random.default_rng(int(rng.integers(1 << 30)))
    return replace(
        person,
        tilt_amp_deg=float(r.uniform(3.0, 18.0)),
        tilt_move_s=float(r.uniform(0.4, 2.5)),
        tilt_hold_s=float(r.choice([0.0, r.uniform(0.3, 6.0)])),
        tilt_rest_s=float(r.uniform(0.2, 3.0)),
        ktc_tilt_deg=float(r.uniform(10.0, 40.0)),
        ktc_roll_deg=float(r.uniform(3.0, 18.0)),
        ktc_pitch_deg=float(r.uniform(2.0, 10.0)),
        ktc_circle_s=float(r.uniform(2.0, 7.0)),
        bridge_tilt_deg=float(r.uniform(12.0, 40.0)),
        bridge_lift_m=float(r.uniform(0.06, 0.25)),
        bridge_move_s=float(r.uniform(0.6, 3.0)),
        bridge_hold_s=float(r.uniform(1.0, 12.0)),
        bridge_rest_s=float(r.uniform(0.8, 6.0)),
        rep_cv=float(r.uniform(0.05, 0.25)),
        breath_tilt_deg=float(r.uniform(0.2, 1.0)),
        breath_per_min=float(r.uniform(8.0, 25.0)))
