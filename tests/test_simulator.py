"""The simulator: deterministic, physically sane, labels on the motion, radio accounted."""

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from sensorcoach.cli import main
from sensorcoach.decoders.scimu import ScimuDecoder
from sensorcoach.formats import read_labels
from sensorcoach.simulate import SimulationSettings, simulate, write_session
from sensorcoach.source import open_source

IDEAL = dict(sensor_quality="ideal", radio="clean", disconnects=0, walking=False,
             behaviour="calm", gyro=True)


def decode(session):
    d = ScimuDecoder(session.header["config"])
    return d.decode(session.transmission.payloads, session.transmission.t_host_s), d


@pytest.fixture(scope="module")
def ideal():
    s = simulate(SimulationSettings(seed=11, odr_hz=200, mount="random", **IDEAL))
    block, _ = decode(s)
    return s, block


def test_same_seed_same_bytes(tmp_path):
    a, b = tmp_path / "a.jsonl.gz", tmp_path / "b.jsonl.gz"
    for path in (a, b):
        assert main(["simulate", str(path), "--seed", "7"]) == 0
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a.labels.json").read_text() == (tmp_path / "b.labels.json").read_text()
    c = tmp_path / "c.jsonl.gz"
    main(["simulate", str(c), "--seed", "8"])
    assert c.read_bytes() != a.read_bytes()


def test_acceleration_is_one_g_lying_still(ideal):
    session, block = ideal
    first_set = min(s.start_s for s in session.labels.sets)
    still = block.t_s < first_set - 0.5
    assert still.sum() > 200
    norm = np.linalg.norm(block.acc_g[still], axis=1)
    # Breathing moves the pelvis by millimetres: well under 1% of g.
    assert abs(norm.mean() - 1.0) < 0.003
    assert norm.std() < 0.003
    assert np.abs(block.gyro_dps[still]).max() < 3.0


def test_integrated_gyro_reproduces_orientation_change(ideal):
    session, block = ideal
    truth = session.truth
    sample_true = truth["sample_true_s"][: len(block)]
    for exercise in ("knee_to_chest", "hip_bridge"):
        ls = next(s for s in session.labels.sets if s.exercise == exercise)
        rep = ls.reps[0]
        # From resting to the middle of the first hold (bridge) or circle (knee-to-chest).
        end_s = ((rep.hold_start_s + rep.hold_end_s) / 2 if exercise == "hip_bridge"
                 else (rep.start_s + rep.end_s) / 2)
        a, mid = np.searchsorted(block.t_s, [ls.start_s - 0.5, end_s])
        w = np.radians(block.gyro_dps)
        dt = np.diff(block.t_s[a:mid + 1])
        steps = Rotation.from_rotvec(0.5 * (w[a:mid] + w[a + 1:mid + 1]) * dt[:, None])
        integrated = Rotation.identity()
        for step in steps:
            integrated = integrated * step
        grid = truth["t_s"]
        ia, ib = np.searchsorted(grid, [sample_true[a], sample_true[mid]])
        expected = truth["r_sensor"][ia].inv() * truth["r_sensor"][ib]
        moved = np.degrees(expected.magnitude())
        error = np.degrees((integrated.inv() * expected).magnitude())
        assert moved > 5.0, exercise                 # the check means something
        assert error < 0.05 * moved + 0.5, (exercise, moved, error)


def _angle_deg(u, v):
    u = u / np.linalg.norm(u)
    v = v / np.linalg.norm(v)
    return np.degrees(np.arccos(np.clip(u @ v, -1, 1)))


def test_labels_line_up_with_the_motion(ideal):
    session, block = ideal
    acc = block.acc_g

    def gravity_at(t, half_s=0.1):
        sel = np.abs(block.t_s - t) <= half_s
        return acc[sel].mean(axis=0)

    for ls in session.labels.sets:
        for rep in ls.reps:
            before = gravity_at(rep.start_s)
            after = gravity_at(rep.end_s)
            if ls.exercise == "pelvic_tilt":
                inside = block.t_s[(block.t_s > rep.start_s) & (block.t_s < rep.end_s)]
                peak = max(_angle_deg(before, acc[np.searchsorted(block.t_s, t)]) for t in inside)
                assert peak > 3.0
                assert _angle_deg(before, after) < 1.5
            elif ls.exercise == "hip_bridge":
                held = gravity_at((rep.hold_start_s + rep.hold_end_s) / 2)
                assert _angle_deg(before, held) > 10.0
                assert _angle_deg(before, after) < 2.0
                assert rep.start_s < rep.hold_start_s < rep.hold_end_s < rep.end_s
        if ls.exercise == "knee_to_chest":
            rest = gravity_at(ls.start_s)
            posture = gravity_at(ls.posture_start_s)
            assert _angle_deg(rest, posture) > 10.0
            assert ls.start_s < ls.posture_start_s < ls.reps[0].start_s
            assert ls.reps[-1].end_s <= ls.posture_end_s < ls.end_s


def test_accelerometer_only_sensor_sends_type_2_packets():
    s = simulate(SimulationSettings(seed=3, gyro=False, odr_hz=25))
    assert all(p[0] == 2 for p in s.transmission.payloads if len(p) >= 8)
    block, _ = decode(s)
    assert np.isnan(block.gyro_dps).all()
    assert s.header["config"]["odr_hz"] == 25


def test_lost_and_corrupt_packets_are_all_accounted_for():
    s = simulate(SimulationSettings(seed=5, radio="poor", disconnects=0, odr_hz=100))
    link = s.transmission
    _, d = decode(s)
    dropped = link.packets_sent - len(link.payloads)
    assert dropped > 0 and link.packets_corrupted > 0
    assert d.stats.corrupt == link.packets_corrupted
    assert d.stats.packets == len(link.payloads) - link.packets_corrupted
    # A packet that never arrived or arrived broken is a sequence gap, except at the
    # very end of the stream, where nothing follows to show the gap.
    missing = dropped + link.packets_corrupted
    assert missing - 20 <= d.stats.lost <= missing


def test_sensor_clock_wrap_keeps_the_timeline_continuous():
    s = simulate(SimulationSettings(seed=2, clock_start_us=2**32 - 20_000_000, odr_hz=50,
                                    **IDEAL))
    block, _ = decode(s)
    steps = np.diff(block.t_s)
    np.testing.assert_allclose(steps, 0.02, atol=1e-9)
    assert block.t_s[-1] > 60


def test_disconnect_is_a_gap_with_events(tmp_path):
    s = simulate(SimulationSettings(seed=4, disconnects=1, radio="clean"))
    path, _ = write_session(s, tmp_path / "d.jsonl.gz")
    source = open_source(path)
    source.read_all()
    assert source.stats.disconnects == 1
    assert len(source.gaps) == 1
    radio = s.radio
    # The gap spans the drop, the supervision timeout and the reconnection.
    expected = radio.supervision_timeout_s + radio.reconnect_s
    assert source.gaps[0].duration_s == pytest.approx(expected, abs=1.0)


def test_clock_drift_of_a_cheap_sensor_is_measured():
    s = simulate(SimulationSettings(seed=4, sensor_quality="cheap", radio="typical"))
    _, d = decode(s)
    assert abs(s.errors.clock_drift_ppm) > 100
    assert d.stats.clock_drift_ppm == pytest.approx(-s.errors.clock_drift_ppm, abs=15)


@pytest.mark.parametrize("placement", ["right_hip", "left_hip", "front", "back"])
def test_every_placement_and_rate_works(placement):
    s = simulate(SimulationSettings(seed=1, placement=placement, odr_hz=25, walking=True,
                                    behaviour="restless"))
    block, _ = decode(s)
    assert len(block) > 25 * 60
    # Standing at the start: gravity along some axis, |acc| ~ 1 g.
    assert 0.9 < np.linalg.norm(block.acc_g[:10].mean(axis=0)) < 1.1


def test_cli_simulate_then_info(tmp_path, capsys):
    path = tmp_path / "s.jsonl.gz"
    assert main(["simulate", str(path), "--seed", "3", "--plan", "hip_bridge:3",
                 "--odr-hz", "50"]) == 0
    capsys.readouterr()
    assert main(["info", "--json", str(path)]) == 0
    info = json.loads(capsys.readouterr().out)
    for key in ("samples", "duration_s", "packets", "lost", "corrupt", "disconnects"):
        assert key in info
    labels = read_labels(tmp_path / "s.labels.json")
    assert [s.exercise for s in labels.sets] == ["hip_bridge"]
    assert len(labels.sets[0].reps) == 3
    assert info["duration_s"] > labels.sets[0].end_s


def test_cli_rejects_bad_plan(tmp_path, capsys):
    assert main(["simulate", str(tmp_path / "x.jsonl"), "--plan", "yoga:3"]) == 2
    assert "EXERCISE:REPS" in capsys.readouterr().err


def test_simulate_into_a_folder_that_does_not_exist_creates_it(tmp_path, capsys):
    out = tmp_path / "new" / "sessions" / "s.jsonl.gz"
    assert main(["simulate", str(out), "--seed", "3", "--plan", "hip_bridge:3"]) == 0
    assert out.exists() and (out.parent / "s.labels.json").exists()
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert main(["simulate", str(blocked / "s.jsonl.gz"), "--seed", "3"]) == 2
    assert "cannot create the folder" in capsys.readouterr().err


def test_wide_people_go_past_the_documented_ranges_and_leave_the_rest_alone():
    """`people="wide"` redraws only the exercise numbers, from ranges past the
    documented ones at both ends; the leaflet's people are drawn as before."""
    from dataclasses import fields

    from sensorcoach.simulate.person import draw_person, widen_person

    leaflet = [draw_person(np.random.default_rng(seed)) for seed in range(300)]
    wide = [widen_person(p, np.random.default_rng(seed)) for seed, p in enumerate(leaflet)]
    for name in ("tilt_amp_deg", "tilt_hold_s", "ktc_tilt_deg", "bridge_tilt_deg",
                 "bridge_lift_m", "bridge_move_s", "bridge_hold_s"):
        a = [getattr(p, name) for p in leaflet]
        b = [getattr(p, name) for p in wide]
        assert max(b) > max(a), name
        # Both draw holds of none at all: nothing goes below that.
        assert min(b) < min(a) or min(b) == min(a) == 0.0, name
    unchanged = {"lie_deg", "rest_roll_deg", "ktc_circles", "fatigue", "cadence_hz",
                 "walk_speed_mps"}
    for p, q in zip(leaflet, wide):
        assert all(getattr(p, f.name) == getattr(q, f.name) for f in fields(p)
                   if f.name in unchanged)
    leaflet_session = simulate(SimulationSettings(seed=5, people="leaflet"))
    wide_session = simulate(SimulationSettings(seed=5, people="wide"))
    assert leaflet_session.person == simulate(SimulationSettings(seed=5)).person
    assert wide_session.person != leaflet_session.person
    assert wide_session.person.lie_deg == leaflet_session.person.lie_deg
    with pytest.raises(ValueError, match="people"):
        simulate(SimulationSettings(seed=5, people="giants"))
