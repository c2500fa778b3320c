"""Assemble a simulated session: routine -> body -> IMU -> radio -> recording + labels."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from ..decoders.scimu import MAX_SAMPLES_PER_PACKET
from ..formats.labels import LabelRep, LabelSet, Labels, labels_path_for, write_labels
from ..formats.recording import RecordingWriter, make_header
from .body import PLACEMENT_LEVER_M, sensor_motion
from .imu import ImuErrors, draw_errors, measure
from .person import Person, draw_person, widen_person
from .radio import RadioConditions, Transmission, draw_conditions, transmit
from .routine import Behaviour, Routine

#: The body model is evaluated on this grid, then sampled at the sensor's own times;
#: 400 Hz is twice the fastest supported output rate used by the simulator.
BODY_RATE_HZ = 400.0
ODR_CHOICES_HZ = (25, 50, 100, 200)
#: ATT MTUs seen in practice: 23 (BLE 4.0 minimum), 185 (iOS), 247 (BlueZ, Android).
MTU_CHOICES = (23, 185, 247)
EXERCISES = ("pelvic_tilt", "knee_to_chest", "hip_bridge")


@dataclass(frozen=True)
class SimulationSettings:
    """What to simulate. Every `None` is drawn from the seed within documented ranges."""
    seed: int = 0
    #: Output data rate, Hz (25, 50, 100, 200).
    odr_hz: int | None = None
    #: False for an accelerometer-only sensor (type 0x02 packets). Drawn: 80% with gyro.
    gyro: bool | None = None
    #: "right_hip", "left_hip", "front" or "back".
    placement: str | None = None
    #: "clip": flat on the body, turned any way about the outward normal, +-15 deg
    #: wobble; "random": any orientation at all.
    mount: str | None = None
    #: [(exercise, reps)] in order; None: the leaflet's routine with the person's own
    #: numbers, sometimes in another order, with a set skipped or an extra set.
    plan: tuple[tuple[str, int], ...] | None = None
    #: Walk to the mat and lie down at the start, get up and walk away at the end.
    walking: bool | None = None
    #: "calm" (few fidgets, no partial reps) or "restless".
    behaviour: str | None = None
    #: "ideal" (no errors: for physics tests), "good" or "cheap".
    sensor_quality: str | None = None
    #: "clean", "typical" or "poor".
    radio: str | None = None
    #: Number of link drops during the session.
    disconnects: int | None = None
    #: ATT MTU, decides samples per packet.
    mtu: int | None = None
    #: Sensor clock at the first sample, us (None: anywhere in the 32-bit range).
    clock_start_us: int | None = None
    #: "leaflet" (the documented ranges of person.py) or "wide" (`widen_person`:
    #: beyond them, to find where detection stops working). Not drawn.
    people: str = "leaflet"
    acc_range_g: int = 8
    gyro_range_dps: int = 1000


@dataclass
class SimulatedSession:
    settings: SimulationSettings       # with every drawn value filled in
    person: Person
    errors: ImuErrors
    radio: RadioConditions
    header: dict
    transmission: Transmission
    labels: Labels                     # on the sample timeline
    truth: dict = field(repr=False)    # true-time body signals, for tests


def resolve(settings: SimulationSettings, rng: np.random.Generator) -> SimulationSettings:
    """Fill in every None from the seed."""
    s = settings
    pick = lambda seq, p=None: seq[int(rng.choice(len(seq), p=p))]  # noqa: E731
    return replace(
        s,
        odr_hz=s.odr_hz or pick(ODR_CHOICES_HZ, [0.15, 0.3, 0.4, 0.15]),
        gyro=bool(rng.random() < 0.8) if s.gyro is None else s.gyro,
        placement=s.placement or pick(tuple(PLACEMENT_LEVER_M), [0.4, 0.3, 0.15, 0.15]),
        mount=s.mount or pick(("clip", "random"), [0.6, 0.4]),
        walking=bool(rng.random() < 0.6) if s.walking is None else s.walking,
        behaviour=s.behaviour or pick(("calm", "restless"), [0.5, 0.5]),
        sensor_quality=s.sensor_quality or pick(("good", "cheap"), [0.6, 0.4]),
        radio=s.radio or pick(("clean", "typical", "poor"), [0.2, 0.6, 0.2]),
        disconnects=int(rng.choice([0, 0, 0, 1, 2])) if s.disconnects is None else s.disconnects,
        mtu=s.mtu or pick(MTU_CHOICES, [0.2, 0.3, 0.5]),
        clock_start_us=(int(rng.integers(0, 1 << 32)) if s.clock_start_us is None
                        else s.clock_start_us),
    )


def default_plan(person: Person, rng: np.random.Generator) -> tuple[tuple[str, int], ...]:
    """The leaflet's routine as this person does it, with the usual deviations."""
    plan = [("pelvic_tilt", 20), ("knee_to_chest", person.ktc_circles),
            ("hip_bridge", int(rng.integers(5, 11)))]
    # Some people stop early or lose count: 20 prescribed, 12-22 done.
    if rng.random() < 0.3:
        plan[0] = ("pelvic_tilt", int(rng.integers(12, 23)))
    roll = rng.random()
    if roll < 0.1:
        rng.shuffle(plan)                                        # another order
    elif roll < 0.2:
        del plan[int(rng.integers(len(plan)))]                   # a set skipped
    elif roll < 0.3:
        extra = plan[int(rng.integers(len(plan)))]
        plan.append((extra[0], max(3, extra[1] // 2)))           # an extra set
    return tuple(plan)


def mount_rotation(placement: str, mount: str, rng: np.random.Generator) -> Rotation:
    """Sensor axes -> pelvis axes."""
    if mount == "random":
        return Rotation.random(random_state=rng)
    normal = {"right_hip": (0, -1, 0), "left_hip": (0, 1, 0), "front": (1, 0, 0),
              "back": (-1, 0, 0)}[placement]
    z_s = np.array(normal, dtype=float)
    x_s = np.array([0.0, 0.0, 1.0])
    flat = Rotation.from_matrix(np.column_stack([x_s, np.cross(z_s, x_s), z_s]))
    spin = Rotation.from_rotvec(z_s * rng.uniform(0, 2 * np.pi))
    wobble = Rotation.from_rotvec(rng.normal(0, np.radians(15 / 2), 3))
    return wobble * spin * flat


def simulate(settings: SimulationSettings) -> SimulatedSession:
    rng = np.random.default_rng(settings.seed)
    s = resolve(settings, rng)
    person = draw_person(rng)
    if s.people == "wide":
        person = widen_person(person, rng)
    elif s.people != "leaflet":
        raise ValueError(f"people: {s.people!r} is not 'leaflet' or 'wide'")
    plan = s.plan or default_plan(person, rng)
    for exercise, reps in plan:
        if exercise not in EXERCISES or reps < 1:
            raise ValueError(f"bad plan entry {(exercise, reps)}")
    s = replace(s, plan=tuple(plan))
    restless = s.behaviour == "restless"
    behaviour = Behaviour(
        start_standing=s.walking, end_standing=s.walking,
        fidgets_per_min=float(rng.uniform(3, 8) if restless else rng.uniform(0, 2)),
        partial_rep_prob=0.08 if restless else 0.0,
        pause_prob=0.06 if restless else 0.02,
        shift_prob=0.6 if restless else 0.2)
    routine = Routine(person, behaviour, rng)
    duration = routine.run(list(plan))

    # Body on a fine grid.
    t_body = np.arange(0.0, duration, 1.0 / BODY_RATE_HZ)
    channels = routine.s.evaluate(t_body)
    mount = mount_rotation(s.placement, s.mount, rng)
    acc_true, gyro_true, r_sensor = sensor_motion(channels, 1.0 / BODY_RATE_HZ, mount,
                                                  PLACEMENT_LEVER_M[s.placement])

    # Sensor samples at the sensor's own clock: a fast clock samples faster in true time.
    errors = draw_errors(rng, s.sensor_quality)
    drift = errors.clock_drift_ppm * 1e-6
    true_period = 1.0 / (s.odr_hz * (1.0 + drift))
    sample_true = np.arange(0.0, t_body[-1], true_period)
    acc = np.column_stack([np.interp(sample_true, t_body, acc_true[:, i]) for i in range(3)])
    gyro = np.column_stack([np.interp(sample_true, t_body, gyro_true[:, i]) for i in range(3)])
    acc_counts, gyro_counts = measure(acc, gyro if s.gyro else None, errors, s.acc_range_g,
                                      s.gyro_range_dps, s.odr_hz, rng)
    sensor_clock = s.clock_start_us + np.rint(np.arange(len(sample_true)) * 1e6 / s.odr_hz)
    clock_us = sensor_clock.astype(np.int64) % (1 << 32)

    bytes_per_sample = 12 if s.gyro else 6
    spp = min(MAX_SAMPLES_PER_PACKET, (s.mtu - 3 - 8) // bytes_per_sample)
    radio = draw_conditions(rng, s.radio, duration, s.disconnects)
    link = transmit(sample_true, clock_us, acc_counts, gyro_counts, spp, radio, rng)

    # Sample timeline: sensor clock since the first sample that reached the host.
    first_clock = _first_received_clock(link.payloads, s.clock_start_us)

    def on_timeline(t_true: float) -> float:
        return (s.clock_start_us + t_true * 1e6 * (1.0 + drift) - first_clock) * 1e-6

    labels = Labels(tuple(_map_set(ls, on_timeline) for ls in routine.sets),
                    extra={"source": "sensorcoach simulate", "conditions": _describe(s, person)})
    host_offset = float(rng.uniform(0.3, 0.8))   # connect and configure before data flows
    unit = int(rng.integers(0, 1 << 16))
    started = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc) + timedelta(days=settings.seed % 365)
    header = make_header(
        "scimu-v1",
        {"odr_hz": s.odr_hz, "acc_range_g": s.acc_range_g,
         "gyro_range_dps": s.gyro_range_dps if s.gyro else 0, "samples_per_packet": spp},
        device={"name": f"SensorCoach-{unit:04X}",
                "address": "C0:FF:EE:%02X:%02X:%02X" % (unit >> 8, unit & 0xFF, s.seed % 256),
                "firmware": "scimu-sim 1.0"},
        started_at=started.isoformat(), mount=s.placement)
    link.t_host_s = link.t_host_s + host_offset
    link.events = [(t + host_offset, name) for t, name in link.events]
    truth = {"t_s": t_body, "channels": channels, "acc_g": acc_true, "gyro_dps": gyro_true,
             "r_sensor": r_sensor, "sample_true_s": sample_true, "mount": mount,
             "host_offset_s": host_offset, "first_clock_us": first_clock, "drift": drift}
    return SimulatedSession(s, person, errors, radio, header, link, labels, truth)


def _first_received_clock(payloads: list[bytes], clock_start_us: int) -> int:
    """Unwrapped sensor clock of the first decodable packet's first sample."""
    from ..decoders.scimu import ScimuDecoder
    for p in payloads:
        probe = ScimuDecoder({"odr_hz": 100, "acc_range_g": 8, "gyro_range_dps": 1000})
        if len(probe.decode([p], [0.0])):
            raw = int.from_bytes(p[4:8], "little")
            # Back to the unwrapped clock used for the true timeline.
            return clock_start_us + (raw - clock_start_us) % (1 << 32)
    return clock_start_us


def _map_set(ls: LabelSet, f) -> LabelSet:
    def opt(x):
        return None if x is None else f(x)
    reps = tuple(LabelRep(f(r.start_s), f(r.end_s), opt(r.hold_start_s), opt(r.hold_end_s))
                 for r in ls.reps)
    return LabelSet(ls.exercise, f(ls.start_s), f(ls.end_s), reps,
                    opt(ls.posture_start_s), opt(ls.posture_end_s))


def _describe(s: SimulationSettings, person: Person) -> dict:
    d = asdict(s)
    d["plan"] = [list(p) for p in s.plan]
    d["person"] = {k: round(v, 3) if isinstance(v, float) else v
                   for k, v in asdict(person).items()}
    return d


def write_session(session: SimulatedSession, out: str | Path) -> tuple[Path, Path]:
    """Write the recording and its labels (NAME.labels.json beside it)."""
    out = Path(out)
    link = session.transmission
    notes = [(t, 0, p) for t, p in zip(link.t_host_s.tolist(), link.payloads)]
    events = [(t, 1, name) for t, name in link.events]
    with RecordingWriter(out, session.header, flush_interval_s=float("inf")) as writer:
        for t, kind, what in sorted(notes + events, key=lambda x: (x[0], x[1])):
            if kind == 0:
                writer.write_notification(t, what)
            else:
                writer.write_event(t, what)
    labels_path = labels_path_for(out)
    write_labels(labels_path, session.labels)
    return out, labels_path
