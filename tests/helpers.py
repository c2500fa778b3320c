"""Small builders shared by the tests."""

import numpy as np

from sensorcoach.decoders.scimu import encode_packet
from sensorcoach.formats import RecordingWriter, make_header
from sensorcoach.samples import SampleBlock

CONFIG = {"odr_hz": 100, "acc_range_g": 8, "gyro_range_dps": 1000, "samples_per_packet": 4}


def synthetic_packets(count=50, spp=4, seed=0, gyro=True):
    rng = np.random.default_rng(seed)
    packets = []
    for i in range(count):
        acc = rng.integers(-8000, 8000, (spp, 3))
        packets.append(encode_packet(i, 1_000_000 + i * spp * 10_000, acc,
                                     rng.integers(-8000, 8000, (spp, 3)) if gyro else None))
    times = 0.2 + np.arange(count) * spp * 0.01 + 0.005
    return times, packets


def write_recording(path, times, packets, events=(), config=CONFIG, flush_interval_s=1.0):
    header = make_header("scimu-v1", config, device={"name": "SensorCoach-0001",
                                                     "address": "C0:FF:EE:00:00:01"})
    items = [(t, 0, p) for t, p in zip(times, packets)] + [(t, 1, e) for t, e in events]
    with RecordingWriter(path, header, flush_interval_s=flush_interval_s) as w:
        for t, kind, x in sorted(items, key=lambda i: (i[0], i[1])):
            if kind == 0:
                w.write_notification(t, x)
            else:
                w.write_event(t, x)
    return header


def pitch_session(keyframes, rate_hz=100.0, seed=0) -> SampleBlock:
    """Samples of a pelvis pitching through `keyframes` [(t_s, deg)] (straight lines
    between them) about the sensor's y axis, with a little sensor noise."""
    times, angles = zip(*keyframes)
    t_s = np.arange(0.0, times[-1], 1.0 / rate_hz)
    pitch_deg = np.interp(t_s, times, angles)
    pitch = np.radians(pitch_deg)
    acc_g = np.column_stack([np.sin(pitch), np.zeros_like(pitch), np.cos(pitch)])
    # Gravity seen from the sensor turns against its rotation: dg/dt = -w x g.
    rate_dps = -np.gradient(pitch_deg, t_s)
    gyro_dps = np.column_stack([np.zeros_like(pitch), rate_dps, np.zeros_like(pitch)])
    noise = np.random.default_rng(seed)
    return SampleBlock(t_s, acc_g + noise.normal(0.0, 0.003, acc_g.shape),
                       gyro_dps + noise.normal(0.0, 0.1, gyro_dps.shape))


def rocking_session(keyframes, rock_from_s, circles, period_s, swing_deg, sideways=True,
                    fade_s=0.0, rate_hz=100.0, seed=0) -> SampleBlock:
    """Accelerometer samples of a pelvis pitching through `keyframes` [(t_s, deg)], as
    `pitch_session`, and from `rock_from_s` rocking `circles` circles of `period_s`
    each: the gravity direction goes round a circle of radius `swing_deg` that touches
    the keyframes' pitch (so it never pauses, as a knee hug's semicircles do not), or
    not `sideways`: it swings head to tail by `swing_deg` either way of it (pausing
    at each end). Over the last `fade_s` the swing dies down to a fifth (slowing to let
    go)."""
    times, angles = zip(*keyframes)
    t_s = np.arange(0.0, times[-1], 1.0 / rate_hz)
    pitch_deg = np.interp(t_s, times, angles)
    roll_deg = np.zeros_like(t_s)
    rocking = (t_s >= rock_from_s) & (t_s < rock_from_s + circles * period_s)
    phase = 2.0 * np.pi * (t_s[rocking] - rock_from_s) / period_s
    end_s = rock_from_s + circles * period_s
    fading = np.clip((end_s - t_s[rocking]) / fade_s, 0.2, 1.0) if fade_s > 0 else 1.0
    swing_deg = swing_deg * fading
    pitch_deg[rocking] += swing_deg * np.sin(phase)
    if sideways:
        roll_deg[rocking] += swing_deg * (1.0 - np.cos(phase))
    pitch, roll = np.radians(pitch_deg), np.radians(roll_deg)
    acc_g = np.column_stack([np.sin(pitch) * np.cos(roll), np.sin(roll),
                             np.cos(pitch) * np.cos(roll)])
    acc_g += np.random.default_rng(seed).normal(0.0, 0.003, acc_g.shape)
    return SampleBlock(t_s, acc_g, np.full_like(acc_g, np.nan))


def rep_keyframes(t_s, count, peak_deg, up_s, held_s, down_s, rest_s, rest_deg=0.0):
    """Keyframes [(t_s, deg)] for `count` reps from `t_s` (for `pitch_session`): up to
    `peak_deg` in `up_s`, held there `held_s`, down to `rest_deg` in `down_s`, resting
    `rest_s`; and the time after the last."""
    frames = []
    for _ in range(count):
        top_s = t_s + up_s
        low_s = top_s + held_s + down_s
        frames += [(top_s, peak_deg), (top_s + held_s, peak_deg), (low_s, rest_deg),
                   (low_s + rest_s, rest_deg)]
        t_s = low_s + rest_s
    return frames, t_s


def write_sample_csv(path, block: SampleBlock) -> None:
    """`block` as a sample CSV (t_s,ax_g,ay_g,az_g: accelerometer only)."""
    rows = np.column_stack([block.t_s, block.acc_g])
    np.savetxt(path, rows, fmt=["%.3f", "%.5f", "%.5f", "%.5f"], delimiter=",",
               header="t_s,ax_g,ay_g,az_g", comments="")
