"""Which level is rest: vertical travel from the accelerometer, and what happens when a
recording starts in the middle of a held bridge."""

import numpy as np
import pytest

from sensorcoach.detect import SessionAnalyzer
from sensorcoach.detect.lift import vertical_travel_cm
from sensorcoach.simulate import SimulationSettings, simulate, write_session
from sensorcoach.source import open_source


def _min_jerk(x):
    return 10 * x**3 - 15 * x**4 + 6 * x**5


@pytest.mark.parametrize("height_cm, move_s, turn_deg, level_step_g", [
    (12.0, 1.2, 25.0, 0.004),     # a bridge at the hip, cheap sensor's scale error
    (-6.0, 1.5, 15.0, -0.006),    # lowering from a bridge at the thigh
    (0.8, 0.8, 9.0, 0.003),       # a pelvic tilt barely moves the sensor
])
def test_vertical_travel_of_a_known_transition(height_cm, move_s, turn_deg, level_step_g):
    frame_s, still_s = 0.1, 0.6
    t = np.arange(0.0, move_s + 2 * still_s, frame_s)
    x = np.clip((t - still_s) / move_s, 0.0, 1.0)
    z_m = height_cm / 100 * _min_jerk(x)
    acc_up_g = np.gradient(np.gradient(z_m, t), t) / 9.80665
    # The sensor turns with the move; its 1 g level differs by `level_step_g` between
    # the two orientations (scale error), plus noise.
    angle = np.radians(turn_deg) * _min_jerk(x)
    dirs = np.column_stack([np.sin(angle), np.zeros_like(angle), np.cos(angle)])
    rng = np.random.default_rng(1)
    vertical_g = 1.0 + level_step_g * _min_jerk(x) + acc_up_g + rng.normal(0, 0.002, len(t))
    travel = vertical_travel_cm(t, dirs, vertical_g)
    assert travel == pytest.approx(height_cm, abs=0.5 + 0.1 * abs(height_cm))


def test_too_short_a_window_reads_nothing():
    assert vertical_travel_cm([0.0, 0.1], [(0, 0, 1)] * 2, [1.0, 1.1]) == 0.0


def _bridges(tmp_path, seed, reps=8):
    """A calm person's set of bridges, cleanly recorded: samples and labelled reps."""
    session = simulate(SimulationSettings(seed=seed, plan=(("hip_bridge", reps),), behaviour="calm",
                                          walking=False, radio="clean", disconnects=0,
                                          sensor_quality="good"))
    path, _ = write_session(session, tmp_path / "bridges.jsonl.gz")
    return open_source(path).read_all(), session.labels.sets[0].reps


def _bridges_cut_mid_hold(tmp_path, seed):
    """Eight bridges by a person who holds longer than they rest; the recording starts
    in the middle of the second hold, so the first still level is a held bridge."""
    block, reps = _bridges(tmp_path, seed)
    cut_s = 0.5 * (reps[1].hold_start_s + reps[1].hold_end_s)
    return block[block.t_s >= cut_s], [r for r in reps if r.start_s > cut_s]


@pytest.mark.parametrize("seed", [11, 12])
def test_a_held_bridge_taken_for_rest_is_turned_over(tmp_path, seed):
    block, truth = _bridges_cut_mid_hold(tmp_path, seed)
    analyzer = SessionAnalyzer()
    events = analyzer.feed(block) + analyzer.finish()
    assert any(e["type"] == "set_recounted" for e in events)
    found = [r for s in analyzer.result()["sets"] for r in s["reps"]]
    assert len(found) == len(truth)
    for rep, true in zip(found, truth):
        # The reps are the bridges (lift, hold, lower), not the rests between them.
        overlap = min(rep["end_s"], true.end_s) - max(rep["start_s"], true.start_s)
        assert overlap > 0.8 * (true.end_s - true.start_s)
        assert rep["hold_s"] == pytest.approx(true.hold_s, abs=1.0)


def test_turning_over_is_the_same_for_any_chunking(tmp_path):
    block, _ = _bridges_cut_mid_hold(tmp_path, 11)
    results = []
    for cuts in ([], list(range(0, len(block), 997)), list(range(0, len(block), 31))):
        analyzer = SessionAnalyzer()
        events = []
        edges = sorted(set(cuts + [0, len(block)]))
        for a, b in zip(edges[:-1], edges[1:]):
            events += analyzer.feed(block[a:b])
        events += analyzer.finish()
        results.append((events, analyzer.result()))
    assert results[0] == results[1] == results[2]


def test_the_live_count_follows_a_recount():
    from sensorcoach.coach.live import CoachState
    from sensorcoach.coach.plan import load_plan

    state = CoachState(load_plan(None))
    state.update([{"type": "set_started", "t_s": 1.0, "exercise": "hip_bridge"},
                  {"type": "rep_counted", "exercise": "hip_bridge", "count": 1},
                  {"type": "rep_counted", "exercise": "hip_bridge", "count": 2},
                  {"type": "set_recounted", "t_s": 9.0, "exercise": "hip_bridge", "count": 0}],
                 now_s=9.0)
    assert state.count == 0


@pytest.mark.parametrize("down_to_fraction, counted", [(0.45, True), (1.0, False)])
def test_shaking_at_the_end_of_a_lowering_keeps_the_rep(tmp_path, down_to_fraction, counted):
    """The sensor handled (shaken) once the last bridge is most of the way down (45% of
    its peak angle left; it would be counted at 30%): that bridge was done. Shaken
    while still held up: it was not."""
    from dataclasses import replace

    block, truth = _bridges(tmp_path, seed=21, reps=4)
    quiet = SessionAnalyzer()
    quiet.trace = []
    quiet.feed(block)
    quiet.finish()
    last = truth[-1]
    top = [(t, a) for t, a in quiet.trace if last.start_s <= t <= last.end_s + 1.0]
    peak_t, peak = max(top, key=lambda ta: ta[1])
    shake_from = next(t for t, a in top if t > peak_t and a <= down_to_fraction * peak)
    shaking = block.t_s > shake_from              # from the next frame on, hard
    acc = block.acc_g.copy()
    acc[shaking] += np.random.default_rng(3).normal(0.0, 6.0, (int(shaking.sum()), 3))
    analyzer = SessionAnalyzer()
    analyzer.feed(replace(block, acc_g=acc))
    analyzer.finish()
    found = [r for s in analyzer.result()["sets"] for r in s["reps"]]
    assert len(found) == len(truth) - (0 if counted else 1)
