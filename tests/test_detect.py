"""Detection: streaming equals batch for any chunking, known answers, real recordings."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from sensorcoach.cli import main
from sensorcoach.detect import DetectorSettings, SessionAnalyzer, analyze
from sensorcoach.detect.rocking import rocking_count, split_merged_circles
from sensorcoach.detect.frames import FrameMaker
from sensorcoach.formats import read_labels
from sensorcoach.samples import SampleBlock
from sensorcoach.simulate import SimulationSettings, simulate, write_session
from sensorcoach.source import open_source

from helpers import pitch_session, rep_keyframes, rocking_session

RECORDINGS = Path(__file__).resolve().parent.parent / "recordings"


def _samples(path) -> SampleBlock:
    return open_source(path).read_all()


@pytest.fixture(scope="module")
def session_samples():
    return _samples(RECORDINGS / "sim_14_restless.jsonl.gz")


def _first_told(events) -> dict:
    """Each tilt or bridge rep's start -> (count, exercise) it was first told with."""
    told = {}
    for e in events:
        if e["type"] == "rep_counted" and "rep" in e:
            told.setdefault(e["rep"]["start_s"], (e["count"], e["exercise"]))
    return told


def _run(block: SampleBlock, cuts) -> tuple[list, dict]:
    analyzer = SessionAnalyzer()
    events = []
    edges = [0] + sorted(cuts) + [len(block)]
    for a, b in zip(edges[:-1], edges[1:]):
        events += analyzer.feed(block[a:b])
    events += analyzer.finish()
    return events, analyzer.result()


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_chunking_gives_identical_events_and_result(session_samples, data):
    n = len(session_samples)
    cuts = data.draw(st.lists(st.integers(1, n - 1), max_size=40, unique=True))
    reference = _run(session_samples, [])
    assert _run(session_samples, cuts) == reference


def test_single_sample_chunks_equal_batch(session_samples):
    part = session_samples[: 60 * 100]          # the first minute, sample by sample
    assert _run(part, list(range(1, len(part)))) == _run(part, [])


def test_streaming_result_equals_analyze():
    path = RECORDINGS / "sim_12_disconnect.jsonl.gz"
    source = open_source(path)
    analyzer = SessionAnalyzer()
    for block in source.blocks():
        analyzer.feed(block)
    analyzer.finish()
    streamed = analyzer.result(stream=source.stats, gaps=source.gaps)
    batch = analyze(path)
    assert streamed == batch and streamed["stream"]["gaps"]


def test_frames_do_not_depend_on_chunking(session_samples):
    part = session_samples[:5000]
    whole = FrameMaker(0.1)
    a = [whole.feed(part), whole.finish()]
    pieces = FrameMaker(0.1)
    b = [pieces.feed(part[i:i + 7]) for i in range(0, len(part), 7)] + [pieces.finish()]
    for field in ("index", "t_s", "acc_g", "spread_g", "done_at_s"):
        x = np.concatenate([getattr(f, field) for f in a])
        y = np.concatenate([getattr(f, field) for f in b])
        np.testing.assert_array_equal(x, y)


def _count_errors(session, result):
    found = result["sets"]
    truth = session.labels.sets
    return [(t.exercise, len(t.reps), f["exercise"], len(f["reps"]))
            for t, f in zip(truth, found)], len(found), len(truth)


@pytest.mark.parametrize("seed, gyro, placement", [(301, True, "right_hip"),
                                                   (302, False, "left_hip"),
                                                   (303, True, "front")])
def test_known_answer_on_a_calm_simulated_session(tmp_path, seed, gyro, placement):
    plan = (("pelvic_tilt", 12), ("knee_to_chest", 5), ("hip_bridge", 6))
    session = simulate(SimulationSettings(seed=seed, plan=plan, gyro=gyro, placement=placement,
                                          mount="random", behaviour="calm", walking=False,
                                          sensor_quality="good", radio="clean", disconnects=0,
                                          odr_hz=50))
    path, _ = write_session(session, tmp_path / "s.jsonl.gz")
    result = analyze(path)
    pairs, n_found, n_truth = _count_errors(session, result)
    assert n_found == n_truth, pairs
    for exercise, truth, found_exercise, found in pairs:
        assert found_exercise == exercise
        assert abs(found - truth) <= 1, pairs
    bridges = result["sets"][2]["reps"]
    true_holds = [r.hold_s for r in session.labels.sets[2].reps]
    for rep, hold in zip(bridges, true_holds):
        assert abs(rep["hold_s"] - hold) < 1.0


def test_nothing_counted_while_lying_still_or_walking(tmp_path):
    session = simulate(SimulationSettings(seed=5, plan=(("hip_bridge", 3),), walking=True,
                                          behaviour="restless", radio="clean", disconnects=0))
    path, _ = write_session(session, tmp_path / "s.jsonl.gz")
    result = analyze(path)
    bridge = session.labels.sets[0]
    for s in result["sets"]:
        for r in s["reps"]:
            assert bridge.start_s - 2 <= r["start_s"] and r["end_s"] <= bridge.end_s + 2


@pytest.mark.parametrize("name", sorted(p.name[:-4] for p in RECORDINGS.glob("mex_*.csv")))
def test_real_mex_recordings_count_within_one(name):
    labels = read_labels(RECORDINGS / f"{name}.labels.json")
    result = analyze(RECORDINGS / f"{name}.csv")
    found = sum(len(s["reps"]) for s in result["sets"])
    truth = sum(len(s.reps) for s in labels.sets)
    assert abs(found - truth) <= 1, (found, truth)


@pytest.mark.parametrize("name", sorted(p.name for p in RECORDINGS.iterdir()
                                         if p.name.endswith((".csv", ".jsonl.gz"))))
def test_every_result_is_well_formed(name):
    """Over every committed recording: sets in time order, each spanning its reps;
    reps in order, none starting before the last ended; a hold within its rep; a
    circle found no earlier than the knee hug began. (A recount after a held bridge
    was taken for rest read MEx s13's third bridge from inside the second.)"""
    _assert_well_formed(analyze(RECORDINGS / name))


@pytest.mark.parametrize("seed", [12024, 17024])
def test_circles_a_gap_hid_between_circles_seen_do_not_overlap_them(tmp_path, seed):
    """Simulated persons 12024 and 17024 (and 22 others): the circles a link gap hid
    inside a knee hug were placed a pace apart around their middles, and overlapped
    the circles seen either side by up to 0.65 s. They share out the time between."""
    path, _ = write_session(simulate(SimulationSettings(seed=seed)), tmp_path / "s.jsonl.gz")
    result = analyze(path)
    assert any(r.get("hidden") for s in result["sets"] if s["exercise"] == "knee_to_chest"
               for r in s["reps"])
    _assert_well_formed(result)


def _assert_well_formed(result):
    for before, after in zip(result["sets"], result["sets"][1:]):
        assert before["end_s"] <= after["start_s"], (before["end_s"], after["start_s"])
    for s in result["sets"]:
        reps = s["reps"]
        assert reps and s["start_s"] <= reps[0]["start_s"] and reps[-1]["end_s"] <= s["end_s"]
        for a, b in zip(reps, reps[1:]):
            assert a["end_s"] <= b["start_s"], (s["exercise"], a, b)
        for r in reps:
            assert r["start_s"] < r["end_s"], r
            assert 0.0 <= r.get("hold_s", 0.0) <= r["end_s"] - r["start_s"], r
            assert r["detected_at_s"] >= s["start_s"], r


def test_reps_are_announced_while_streaming():
    path = RECORDINGS / "sim_01_standard.jsonl.gz"
    analyzer = SessionAnalyzer()
    announced = []
    for block in open_source(path).blocks():
        for event in analyzer.feed(block):
            if event["type"] == "rep_counted":
                announced.append(event["detected_at_s"])
    assert len(announced) >= 30
    for s in analyzer.result()["sets"]:
        for r in s["reps"]:
            if s["exercise"] == "knee_to_chest":
                # Rocking is confirmed after three swings, so the first circles are
                # announced together, but always while the posture is still held.
                assert r["detected_at_s"] <= s["end_s"] + 0.1   # one frame
            else:
                assert r["detected_at_s"] <= r["end_s"] + 1.0


def test_rocking_count_of_swings():
    # The first swing is half a circle, every reversal another half.
    assert [rocking_count(n) for n in range(1, 8)] == [1, 2, 2, 3, 3, 4, 4]


@pytest.mark.parametrize("circles, counted", [
    ([3.0, 3.0, 6.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0, 3.0, 3.0]),   # twice: two
    ([3.0, 3.0, 5.1, 3.0, 3.0], [3.0, 3.0, 5.1, 3.0, 3.0]),        # 1.7 times: one
    ([3.0, 3.0, 9.0, 3.0, 3.0], [3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0]),
    ([3.0, 6.0, 3.0], [3.0, 6.0, 3.0]),          # too few to know the typical circle
])
def test_a_circle_as_long_as_two_is_two(circles, counted):
    edges = np.cumsum([0.0] + circles)
    found = split_merged_circles([(a, b, b + 0.5) for a, b in zip(edges, edges[1:])])
    assert [round(b - a, 6) for a, b, _ in found] == counted
    assert all(a0 < b0 <= a1 for (a0, b0, _), (a1, _, _) in zip(found, found[1:]))


#: scripts/accuracy.py's long plan.
LONG_PLAN = (("knee_to_chest", 10), ("pelvic_tilt", 30), ("hip_bridge", 12), ("knee_to_chest", 6))


@pytest.mark.parametrize("seed, settings", [(24008, dict(plan=LONG_PLAN)),
                                            (45402, dict(odr_hz=20))])
def test_circles_whose_reversals_were_too_shallow_count_at_the_hugs_pace(tmp_path, seed,
                                                                         settings):
    """Simulated persons 24008 and 45402 (20 Hz): in one circle of a knee hug the
    swing did not reverse far enough to be told, and it lasted as long as two: one
    circle short."""
    hug = _row(_evaluated(tmp_path, seed=seed, **settings), "knee_to_chest")
    assert (hug.found_reps, hug.found_exercise) == (hug.truth_reps, "knee_to_chest")


def _first_hug_told_live(tmp_path, **settings) -> tuple:
    """A simulated session's first labelled knee hug, and when each count of a knee hug
    was first told live (count -> detected_at_s), fed 20 samples at a time; and the
    analyzer."""
    path, labels = write_session(simulate(SimulationSettings(**settings)),
                                 tmp_path / "s.jsonl.gz")
    hug = next(s for s in read_labels(labels).sets if s.exercise == "knee_to_chest")
    analyzer, told = SessionAnalyzer(), {}
    for block in open_source(path).blocks():
        for i in range(0, len(block), 20):
            for e in analyzer.feed(block[i:i + 20]):
                if e["type"] == "rep_counted" and e["exercise"] == "knee_to_chest":
                    told.setdefault(e["count"], e["detected_at_s"])
    return hug, told, analyzer


def test_a_circle_as_long_as_two_is_told_live_as_two(tmp_path):
    """Simulated person 24008's first knee hug (10 circles, one as long as two): the
    live count, as hindsight would give it, was told 9 and the 10th only with the set
    at the release: a patient told "9" rocks once more. Now the 10th is told within a
    second of its end, as the result counts it."""
    hug, told, _ = _first_hug_told_live(tmp_path, seed=24008, plan=LONG_PLAN)
    assert max(told) == len(hug.reps) == 10
    assert told[10] <= hug.reps[-1].end_s + 1.0, (told, hug.reps[-1].end_s)


def test_the_last_circle_of_a_knee_hug_a_gap_came_in_is_told_before_the_release(tmp_path):
    """Simulated person 45009: a link gap in a knee hug of 8 circles; the live count
    across the gap told each circle once a swing reversed after its end, and the last
    has none (the release follows): "7" was the last number told while rocking."""
    hug, told, analyzer = _first_hug_told_live(tmp_path, seed=45009)
    assert analyzer.gaps_s and max(told) == len(hug.reps) == 8
    assert told[8] <= hug.reps[-1].end_s + 1.0, (told, hug.reps[-1].end_s)


def test_settings_are_frozen():
    with pytest.raises(Exception):
        DetectorSettings().frame_s = 1.0


def test_analyze_cli_json_follows_the_result_format(capsys):
    assert main(["analyze", "--json", str(RECORDINGS / "sim_01_standard.jsonl.gz")]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "sensorcoach-result" and result["version"] == 1
    assert set(result["stream"]) >= {"packets", "lost", "corrupt"}
    for s in result["sets"]:
        assert {"exercise", "start_s", "end_s", "reps"} <= set(s)
        if s["exercise"] == "knee_to_chest":
            assert "hold_s" in s
        for r in s["reps"]:
            assert {"start_s", "end_s", "detected_at_s"} <= set(r)
            if s["exercise"] == "hip_bridge":
                assert "hold_s" in r


def test_analyze_csv_and_bad_path(capsys, tmp_path):
    assert main(["analyze", str(RECORDINGS / "mex_s01_bridging.csv")]) == 0
    assert "set" in capsys.readouterr().out
    assert main(["analyze", str(tmp_path / "missing.jsonl")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_evaluate_cli(tmp_path, capsys):
    for name in ("sim_01_standard", "mex_s01_pelvic_tilt"):
        for f in RECORDINGS.glob(name + ".*"):
            (tmp_path / f.name).write_bytes(f.read_bytes())
    assert main(["evaluate", "--json", str(tmp_path)]) == 0
    report = json.loads(capsys.readouterr().out)
    summary = report["summary"]
    assert summary["sets"] == 4
    for key in ("exact_count_rate", "within_one_rate", "recognition_rate",
                "false_reps_per_min_outside", "bridge_hold_error_median_s",
                "posture_time_error_median_s", "latency_median_s"):
        assert key in summary
    assert main(["evaluate", str(tmp_path)]) == 0
    assert "exact count" in capsys.readouterr().out
    assert main(["evaluate", str(tmp_path / "nope")]) == 2


@pytest.fixture(scope="module")
def calm_bridges(tmp_path_factory):
    """Eight bridges, cleanly recorded: samples and labelled reps."""
    session = simulate(SimulationSettings(seed=21, plan=(("hip_bridge", 8),), behaviour="calm",
                                          walking=False, radio="clean", disconnects=0,
                                          sensor_quality="good", gyro=True))
    path, _ = write_session(session, tmp_path_factory.mktemp("bridges") / "b.jsonl.gz")
    return _samples(path), session.labels.sets[0].reps


def _bridge_count_with_gap(block, gap_from_s, gap_to_s) -> int:
    """Bridges counted when no data arrive from `gap_from_s` to `gap_to_s` (a link gap)."""
    keep = (block.t_s < gap_from_s) | (block.t_s > gap_to_s)
    _, result = _run(block[np.flatnonzero(keep)], [])
    return sum(len(s["reps"]) for s in result["sets"])


@pytest.mark.parametrize("case, counted", [
    ("start hidden", True),      # data come back during the lift: most of it is seen
    ("end hidden", True),        # the lowering falls in the gap; back at rest after it
    ("mostly hidden", True),     # only the lowering is seen after the gap: it counts
                                 # from the set's rhythm (hidden)
])
def test_a_rep_cut_by_a_link_gap_counts_if_mostly_seen(calm_bridges, case, counted):
    block, reps = calm_bridges
    rep = reps[4]
    assert rep.end_s - rep.start_s > 6.0 and reps[5].start_s - rep.end_s > 2.0
    gap = {"start hidden": (rep.start_s - 3.0, rep.start_s + 0.6),
           "end hidden": (rep.end_s - 1.2, reps[5].start_s - 0.3),
           "mostly hidden": (rep.start_s - 1.0, rep.end_s - 2.0)}[case]
    assert gap[1] - gap[0] > DetectorSettings().max_gap_s        # a gap, not a hiccup
    assert _bridge_count_with_gap(block, *gap) == len(reps) - (0 if counted else 1)


def test_a_rep_cut_by_a_gap_that_ends_in_the_next_rep_still_counts(tmp_path):
    """The link drops late in one pelvic tilt and comes back late in the next: the
    first was mostly seen and must have ended (the next was under way); the second
    was mostly hidden: it counts from the set's rhythm. Neither may be lost, nor
    counted twice."""
    session = simulate(SimulationSettings(seed=22, plan=(("pelvic_tilt", 12),), behaviour="calm",
                                          walking=False, radio="clean", disconnects=0,
                                          sensor_quality="good", gyro=True))
    path, _ = write_session(session, tmp_path / "t.jsonl.gz")
    block, reps = _samples(path), session.labels.sets[0].reps
    cut, hidden = reps[5], reps[6]
    gap = (cut.start_s + 0.65 * (cut.end_s - cut.start_s), hidden.end_s - 0.6)
    assert gap[1] - gap[0] > DetectorSettings().max_gap_s
    keep = (block.t_s < gap[0]) | (block.t_s > gap[1])
    _, result = _run(block[np.flatnonzero(keep)], [])
    counted = [r for s in result["sets"] for r in s["reps"]]
    assert len(counted) == len(reps)
    assert any(r["start_s"] < cut.end_s and r["end_s"] > cut.start_s
               for r in counted if not r.get("hidden"))
    assert [r["start_s"] < hidden.end_s and r["end_s"] > hidden.start_s
            for r in counted if r.get("hidden")] == [True]


def test_a_set_that_gets_going_after_fidgets_keeps_its_first_rep():
    """Two fidgets, then tilts of ~13 deg: the first tilt joined the fidgets (too few
    to judge them by); when the next tilt shows what the set is, it moves over."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    peaks = [1.9, 3.5, 13.6, 13.0, 14.2, 12.7, 13.9]
    for i, peak in enumerate(peaks):
        start = 2.0 + 3.0 * i
        builder.on_rep(RepCandidate(start, start + 2.0, peak, start + 0.8, start + 1.2,
                                    start + 2.1), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == [5]
    assert builder.sets[0]["start_s"] == 8.0
    assert [e["count"] for e in out if e["type"] == "rep_counted"][-5:] == [1, 2, 3, 4, 5]


def _rep_turning(start_s, peak_deg, direction):
    from sensorcoach.detect.excursions import RepCandidate
    rep = RepCandidate(start_s, start_s + 2.0, peak_deg, start_s + 0.8, start_s + 1.2,
                       start_s + 2.1)
    rep.direction = direction
    return rep


TILT_WAY, OTHER_WAY = (0.6, 0.8, 0.0), (-0.6, -0.8, 0.0)


@pytest.mark.parametrize("ways, counted", [
    # an undershoot on release, the other way, between tilts: not a tilt
    ([TILT_WAY] * 4 + [OTHER_WAY] + [TILT_WAY] * 3, 7),
    # two small fidgets the other way before the set: no reference, then dropped
    ([OTHER_WAY] * 2 + [TILT_WAY] * 6, 6),
    # reps that do not agree on a way (a turning mount, noise), nor take turns going
    # two ways (`test_reps_that_take_turns_going_two_ways_are_one_per_pair`): nothing
    # is dropped
    ([TILT_WAY, TILT_WAY, OTHER_WAY, OTHER_WAY] * 2, 8),
])
def test_a_move_the_other_way_from_the_sets_reps_is_not_a_rep(ways, counted):
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for i, way in enumerate(ways):
        peak = 3.0 if way is OTHER_WAY and counted == 6 else 6.0
        builder.on_rep(_rep_turning(2.0 + 3.0 * i, peak, way), out)
    builder.close(out)
    assert sum(len(s["reps"]) for s in builder.sets) == counted


@pytest.mark.parametrize("ways, sets", [
    # simulated person 27026 resting between sets: three small moves, each another way
    ([(-0.19, 0.19, -0.96), (0.11, 0.29, 0.95), (0.01, -1.0, -0.01)], []),
    # three small tilts that stray as a thigh sensor's do (MEx), within 90 deg of one
    ([(0.6, 0.8, 0.0), (0.98, -0.2, 0.0), (0.0, 1.0, 0.0)], [3]),
    # ... and one of four the other way: three go one way
    ([(0.6, 0.8, 0.0), (-0.6, -0.8, 0.0), (0.6, 0.8, 0.0), (0.8, 0.6, 0.0)], [3]),
])
def test_a_set_needs_three_reps_that_turn_one_way(ways, sets):
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for i, way in enumerate(ways):
        builder.on_rep(_rep_turning(2.0 + 4.0 * i, 2.5, way), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == sets


def test_a_knee_hug_that_rocks_deeply_from_the_start_is_not_a_shift(tmp_path):
    """Simulated person 12024 (restless, sensor over the sacrum, cheap board) rocks
    between 15 and 31 deg from the first circle: before rocking was confirmed the dips
    looked like reps about a shifted rest, measured from the way up into the hug."""
    from sensorcoach.evaluate import evaluate_dir

    write_session(simulate(SimulationSettings(seed=12024)), tmp_path / "hug.jsonl.gz")
    rows = evaluate_dir(tmp_path)["sets"]
    hug = next(r for r in rows if r["exercise"] == "knee_to_chest")
    assert hug["found_exercise"] == "knee_to_chest"
    assert abs(hug["found"] - hug["truth"]) <= 1, hug


def test_a_knee_hug_that_tips_the_pelvis_far_is_no_posture_change(tmp_path):
    """Simulated person 31009 of the wide ranges hugs the knees tipping the pelvis
    39 deg and rocks 9 deg head to tail on top: 57 deg from rest at the top of each
    circle, past the 55 deg that was taken for getting up, so both hugs were
    dropped as posture changes."""
    from sensorcoach.evaluate import evaluate_dir

    session = simulate(SimulationSettings(seed=31009, people="wide"))
    person = session.person
    assert person.ktc_tilt_deg + 2 * person.ktc_pitch_deg > 55.0
    write_session(session, tmp_path / "hugs.jsonl.gz")
    hugs = [r for r in evaluate_dir(tmp_path)["sets"] if r["exercise"] == "knee_to_chest"]
    assert len(hugs) == 2
    for hug in hugs:
        assert hug["found_exercise"] == "knee_to_chest", hug
        assert abs(hug["found"] - hug["truth"]) <= 1, hug


def test_a_knee_hug_whose_rocking_passes_the_posture_change_angle_counts(tmp_path):
    """Simulated person 33215 of the wide ranges tips the pelvis 43 deg in a knee hug
    and rocks past 65 deg at the top of a circle, for a fraction of a second: the hug
    was dropped as a posture change (0 of 6). Sitting up stays beyond it (every
    simulated getting up is still one: nothing else changed in any set)."""
    from sensorcoach.evaluate import evaluate_dir

    write_session(simulate(SimulationSettings(seed=33215, people="wide")),
                  tmp_path / "hug.jsonl.gz")
    hugs = [r for r in evaluate_dir(tmp_path)["sets"] if r["exercise"] == "knee_to_chest"]
    assert [(h["found_exercise"], h["found"]) for h in hugs] == [
        ("knee_to_chest", h["truth"]) for h in hugs]


def test_tilts_held_for_four_seconds_keep_their_rest(tmp_path):
    """Simulated person 12009 holds each pelvic tilt ~3.9 s and rests ~0.9 s: a rep
    lasts as long as the shift rule waits (6 s), which used to re-base rest on the
    way down, between rest and the hold, and then lost most of the set."""
    from sensorcoach.evaluate import evaluate_dir

    write_session(simulate(SimulationSettings(seed=12009)), tmp_path / "tilts.jsonl.gz")
    rows = evaluate_dir(tmp_path)["sets"]
    tilts = next(r for r in rows if r["exercise"] == "pelvic_tilt")
    # Its last tilt fell in a link gap after the set: nothing after it to pace it by.
    assert abs(tilts["found"] - (tilts["truth"] - tilts["in_gaps"])) <= 1, tilts


def test_a_knee_hug_goes_on_across_a_link_gap(tmp_path):
    """Simulated person 12015: the link drops for 4 s early in a knee hug, before
    rocking could be counted, and comes back while they still rock. One hug; its
    circles are counted with hindsight over the whole posture, the one more than
    half hidden left out (as evaluate's truth does)."""
    from sensorcoach.evaluate import evaluate_dir

    write_session(simulate(SimulationSettings(seed=12015)), tmp_path / "hug.jsonl.gz")
    rows = evaluate_dir(tmp_path)["sets"]
    hugs = [r for r in rows if r["exercise"] == "knee_to_chest"]
    assert len(hugs) == 1 and hugs[0]["found_exercise"] == "knee_to_chest"
    assert hugs[0]["found"] == hugs[0]["truth"], hugs[0]


def test_a_restless_shift_that_swings_is_not_a_knee_hug(tmp_path):
    """Simulated person 14006 shifts a few degrees between pelvic tilts and fidgets
    there: its swings used to be announced as knee-hug circles, which ended the set of
    tilts half way."""
    from sensorcoach.evaluate import evaluate_dir

    settings = SimulationSettings(seed=14006, radio="poor", disconnects=3)
    write_session(simulate(settings), tmp_path / "tilts.jsonl.gz")
    rows = evaluate_dir(tmp_path)["sets"]
    tilts = next(r for r in rows if r["exercise"] == "pelvic_tilt")
    # Its last tilt fell in a link gap after the set: nothing after it to pace it by.
    assert abs(tilts["found"] - (tilts["truth"] - tilts["in_gaps"])) <= 1, tilts


@pytest.mark.parametrize("name", ["mex_s03_bridging.csv", "mex_s12_pelvic_tilt.csv",
                                  "sim_01_standard.jsonl.gz"])
def test_the_result_does_not_depend_on_how_the_sensor_is_turned(name):
    """Mount independence: the same movement recorded with the sensor turned any
    other way (its axes rotated, gyroscope too) gives the same sets and reps."""
    from scipy.spatial.transform import Rotation

    block = _samples(RECORDINGS / name)
    reference = _run(block, [])[1]["sets"]
    for seed in (1, 2):
        turn = Rotation.random(random_state=seed).as_matrix()
        turned = SampleBlock(block.t_s, block.acc_g @ turn.T, block.gyro_dps @ turn.T)
        sets = _run(turned, [])[1]["sets"]
        assert [(s["exercise"], len(s["reps"])) for s in sets] == \
            [(s["exercise"], len(s["reps"])) for s in reference]
        for s, r in zip(sets, reference):
            for a, b in zip(s["reps"], r["reps"]):
                assert abs(a["start_s"] - b["start_s"]) <= 0.11
                assert abs(a["end_s"] - b["end_s"]) <= 0.11


def test_a_rep_whose_end_a_short_drop_hid_counts_when_the_next_is_rising(tmp_path):
    """Simulated person 10021 (accelerometer only, cheap board, sensor over the
    sacrum): a 3.1 s drop hides the end of one tilt; data come back with the sensor
    low and rising into the next. The first came down in the gap: it counts."""
    from sensorcoach.evaluate import evaluate_dir

    settings = SimulationSettings(seed=10021, gyro=False, sensor_quality="cheap",
                                  placement="back")
    write_session(simulate(settings), tmp_path / "tilts.jsonl.gz")
    rows = evaluate_dir(tmp_path)["sets"]
    tilts = next(r for r in rows if r["exercise"] == "pelvic_tilt")
    assert tilts["found"] == tilts["truth"], tilts


def test_the_first_rep_of_the_next_exercise_is_kept():
    """Bridges, then pelvic tilts that turn the sensor another way, the first one
    less than a set's pause after the last bridge: not a bridge (it turned the other
    way), but the first tilt of the next set, not lost."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    t = 0.0
    for _ in range(5):
        builder.on_rep(_rep_turning(t, 22.0, TILT_WAY), out)
        t += 10.0
    t += 3.0                                  # 13 s after the last bridge began
    for _ in range(8):
        builder.on_rep(_rep_turning(t, 9.0, OTHER_WAY), out)
        builder.on_time(t + 2.5, None, out)
        t += 8.0
    builder.close(out)
    assert [(s["exercise"], len(s["reps"])) for s in builder.sets] == [
        ("hip_bridge", 5), ("pelvic_tilt", 8)]


def test_bridges_count_from_a_rest_that_a_fidget_left_a_little_off():
    """As simulated person 11027 did: a small shift, then a twitch back through rest
    just before the first bridge. The twitch ended an excursion with the sensor
    settling 2.7 deg off rest, above the start threshold, so the detector was never
    re-armed: rest followed the first held bridge and the set was counted as pelvic
    tilts. Rising again by a start threshold from where it settled is a new one."""
    frames = [(0.0, 0.0), (10.0, 0.0)]
    t = 10.0
    tilts, t = rep_keyframes(t, 5, 9.0, 1.0, 1.0, 1.0, 1.0)   # pelvic tilts of 9 deg
    frames += tilts
    t += 15.0
    # A shift of 3 deg, then a twitch back through rest just before the bridges.
    frames += [(t, 0.0), (t + 1.0, 3.5), (t + 2.0, 3.0), (t + 5.0, 3.0), (t + 5.15, 0.3),
               (t + 5.3, 2.7), (t + 8.0, 2.7)]
    t += 8.0
    bridges, t = rep_keyframes(t, 4, 28.0, 1.2, 5.0, 1.2, 2.6, rest_deg=2.7)  # held 5 s
    frames += bridges
    frames.append((t + 5.0, 2.7))
    result = _run(pitch_session(frames), [])[1]
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [
        ("pelvic_tilt", 5), ("hip_bridge", 4)]


@pytest.mark.parametrize("seen_before_gap", [True, False])
def test_a_rep_a_gap_hid_too_much_of_is_no_pause_in_the_set(seen_before_gap):
    """Simulated person 13001: the link dropped 5.2 s into a held bridge. Too little of
    it was seen to count alone, but it happened: the set went on (it counts from the
    set's rhythm). Timing the pause from the bridge before it (16 s, gap taken off)
    split one set of bridges in two."""
    from sensorcoach.detect.sets import SetBuilder

    def bridge(start_s, seen_s=7.0):
        rep = _rep_turning(start_s, 22.0, TILT_WAY)
        rep.end_s = start_s + seen_s
        return rep

    builder, out = SetBuilder(DetectorSettings()), []
    for i in range(6):                                  # bridges every 10 s, 7 s long
        builder.on_rep(bridge(10.0 * i), out)
    gap_from_s, gap_to_s = 62.0, 67.2
    if seen_before_gap:
        hidden = bridge(60.0, seen_s=2.0)               # 2 s seen, then the gap
        hidden.unseen_s = gap_to_s - gap_from_s
        hidden.cut_open = True
        builder.on_gap(gap_to_s, gap_to_s - gap_from_s)
        builder.on_rep(hidden, out)
    else:
        builder.on_gap(gap_to_s, gap_to_s - gap_from_s)
        hidden = bridge(gap_to_s, seen_s=1.0)           # ending when data came back
        hidden.unseen_s = gap_to_s - gap_from_s
        builder.on_rep(hidden, out)
    for t_s in (80.0, 90.0, 100.0):
        builder.on_time(t_s, None, out)
        builder.on_rep(bridge(t_s), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == [10]
    assert [r.get("hidden", False) for r in builder.sets[0]["reps"]] == [False] * 6 + [True] + [False] * 3


def test_no_rep_is_put_in_a_gap_where_the_rep_it_cut_is_taken_to_have_gone_on():
    """Simulated person 37216 (short plan): the link dropped 2.5 s into a tilt and
    came back 4.9 s later, as the next tilt began. The cut tilt counts though the gap
    hid most of it, written as long as the set's reps; the gap after its seen part
    was taken as room for one more (6 of 5). Where it is taken to have gone on, no
    other rep lies."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.hidden import hidden_counts, reps_json

    def tilt(start_s, end_s):
        return RepCandidate(start_s, end_s, 8.0, start_s + 1.5, end_s - 1.5, end_s + 0.5)

    reps = [tilt(5.0 * i, 5.0 * i + 4.0) for i in range(4)]   # 4 s tilts, 1 s rests
    gap = (21.2, 27.5)
    cut = tilt(20.0, gap[0])
    cut.unseen_s, cut.mostly_unseen = gap[1] - gap[0], True
    after = [tilt(27.6, 31.6), tilt(32.6, 36.6)]
    assert hidden_counts(reps + [cut] + after, [gap]) == [0] * 6
    written = reps_json(reps + [cut] + after, "pelvic_tilt", [gap])
    assert len(written) == 7
    assert written[4]["hidden"] and written[4]["end_s"] <= written[5]["start_s"]


def test_reps_a_gap_hid_after_a_pause_in_view_are_written_in_the_gap():
    """Simulated person 41118 (25 Hz, link drops): tilts every 2 s, a 12 s pause in
    view, then a gap. The reps the rhythm puts in the gap were written at the set's
    pace from the last rep seen, in the pause where the data show rest; they lie in
    the gap."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.hidden import hidden_counts, reps_json

    def tilt(start_s):
        return RepCandidate(start_s, start_s + 1.0, 8.0, start_s + 0.4, start_s + 0.6,
                            start_s + 1.1)

    gap = (31.0, 38.5)
    reps = [tilt(2.0 * i) for i in range(11)] + [tilt(39.0), tilt(41.0), tilt(43.0)]
    assert hidden_counts(reps, [gap])[10] == 4
    hidden = [r for r in reps_json(reps, "pelvic_tilt", [gap]) if r.get("hidden")]
    assert len(hidden) == 4
    assert all(gap[0] <= r["start_s"] and r["end_s"] <= gap[1] for r in hidden)


def test_a_rep_cut_with_the_sensor_up_that_went_on_into_a_knee_hug_is_no_tilt():
    """Simulated person 41118 (25 Hz, link drops): after the last tilt and a pause, the
    link dropped twice; between the drops the knees were on their way up, and the hug
    was under way when data came back. That move, too long to have gone on as a tilt,
    counted as one, with four more the rhythm put in the first gap (24 of 20). It
    went on into the hug: it is taken back, and the reps the gap hid with it."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    def tilt(start_s, end_s, peak_deg=8.0):
        rep = RepCandidate(start_s, end_s, peak_deg, start_s + 0.4, end_s - 0.4, end_s + 0.1)
        rep.direction = TILT_WAY
        return rep

    builder, out = SetBuilder(DetectorSettings()), []
    for i in range(10):
        builder.on_rep(tilt(2.0 * i, 2.0 * i + 1.1), out)
    builder.on_gap(37.4, 7.3)                   # a pause in view, then the first gap
    pull = tilt(38.8, 39.6, 13.8)               # the knees on their way up ...
    pull.unseen_s, pull.cut_open, pull.rising_at_cut = 7.0, True, True
    builder.on_gap(46.6, 7.0)                   # ... and the second gap cut them
    builder.on_rep(pull, out)
    builder.on_rocking_rep({"count": 2, "t_s": 50.0, "posture_since_s": 46.6,
                            "detected_at_s": 50.0}, out)
    tilts = [s for s in builder.sets if s["exercise"] == "pelvic_tilt"]
    assert [len(s["reps"]) for s in tilts] == [10]


def test_a_first_rep_cut_by_a_gap_is_not_joined_into_a_hold_longer_than_a_shift():
    """Simulated person 37126 (restless, link drops): the link dropped late in the
    first bridge's hold and came back in the second's. With no set yet to judge the
    two by, they were joined as one bridge held 20 s through the gap, which seen whole
    would be a shift of position (`shift_s`), not a rep: counted as one, the set's
    start was dropped (4 of 7). They are two, each mostly seen."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    def bridge(start_s, end_s, hold_from_s, hold_to_s):
        rep = RepCandidate(start_s, end_s, 28.0, hold_from_s, hold_to_s, end_s + 0.1)
        rep.direction = TILT_WAY
        return rep

    builder, out = SetBuilder(DetectorSettings()), []
    cut = bridge(0.0, 9.0, 1.1, 8.9)        # its hold timed to end a frame before the gap
    cut.unseen_s, cut.cut_open = 6.4, True
    builder.on_rep(cut, out)
    builder.on_gap(15.4, 6.4)
    rest = bridge(15.4, 22.3, 15.4, 21.5)   # under way (held) when data came back
    rest.unseen_s = 6.4
    builder.on_rep(rest, out)
    for start_s in (38.3, 52.1, 64.5, 76.2):
        builder.on_time(start_s, None, out)
        builder.on_rep(bridge(start_s, start_s + 10.0, start_s + 1.0, start_s + 9.0), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == [6]
    assert builder.sets[0]["reps"][1]["start_s"] == 15.4


def _held_rep(start_s, end_s, peak_deg):
    """A rep turning TILT_WAY from `start_s` to `end_s`, held from 1 s after its start
    to 1 s before its end."""
    from sensorcoach.detect.excursions import RepCandidate
    rep = RepCandidate(start_s, end_s, peak_deg, start_s + 1.0, end_s - 1.0, end_s + 0.1)
    rep.direction = TILT_WAY
    return rep


def test_a_first_rep_cut_by_a_gap_waits_past_fidgets_for_a_rep_like_it():
    """Simulated person 39022: the link dropped in the first bridge's hold and came
    back with the person at rest, settling (two moves of 2.4 deg), then the bridges
    went on. The cut bridge, too little seen to count alone, was judged against the
    first of those moves, unlike it, and dropped (5 of 6). A much smaller move is no
    measure of it: it waits for the next rep, and the moves are no reps."""
    from sensorcoach.detect.sets import SetBuilder
    rep = _held_rep

    builder, out = SetBuilder(DetectorSettings()), []
    cut = rep(0.0, 4.0, 25.0)               # the gap came in its hold: 4 s seen of 5
    cut.unseen_s = 5.0
    builder.on_rep(cut, out)
    builder.on_gap(9.0, 5.0)
    builder.on_rep(rep(9.5, 10.2, 2.4), out)
    builder.on_rep(rep(10.6, 11.5, 2.4), out)
    for start_s in (12.0, 24.0, 36.0, 48.0):
        builder.on_rep(rep(start_s, start_s + 5.0, 25.0), out)
    builder.close(out)
    assert [(s["exercise"], len(s["reps"])) for s in builder.sets] == [("hip_bridge", 5)]
    assert builder.sets[0]["start_s"] == 0.0


def test_a_first_rep_cut_by_a_gap_outlives_a_fidget_set_that_ends_in_a_pause():
    """Simulated person 39203: a fidget opened a set (told "1"), then the link dropped
    in the first bridge's hold and came back at rest; the next bridge came 18 s after
    the fidget (the gap not counted), so the fidget's set ended, paused, and the cut
    bridge waiting in it went with it (6 of 7). It waits for the next set's first rep."""
    from sensorcoach.detect.sets import SetBuilder
    rep = _held_rep

    builder, out = SetBuilder(DetectorSettings()), []
    builder.on_rep(rep(0.0, 0.7, 2.0), out)
    cut = rep(8.0, 12.0, 27.0)              # the gap came in its hold: 4 s seen of 6
    cut.unseen_s = 5.6
    builder.on_rep(cut, out)
    builder.on_gap(17.6, 5.6)
    for start_s in (25.0, 36.0, 47.0, 58.0):
        builder.on_time(start_s, None, out)
        builder.on_rep(rep(start_s, start_s + 6.0, 27.0), out)
    builder.close(out)
    assert [(s["exercise"], len(s["reps"])) for s in builder.sets] == [("hip_bridge", 5)]
    assert builder.sets[0]["start_s"] == 8.0

@pytest.mark.parametrize("back_at_s, next_end_s, counted", [
    (38.8, 42.0, 10),   # the rep after the gap ends 12 s after the cut one began: two
    (36.0, 39.0, 9),    # ... 9 s after: it may be the cut one going on: one rep
])
def test_a_rep_cut_by_a_gap_with_the_sensor_up_counts_when_the_next_shows_it_ended(
        back_at_s, next_end_s, counted):
    """Simulated person 11013: the link dropped 4 s into a 6 s pelvic tilt and came
    back with the sensor up. That may have been the same tilt going on, so it waited;
    the tilt seen after the gap ended so late that the two would have lasted over
    twice as long as the set's tilts: the first ended in the gap and counts."""
    from sensorcoach.detect.sets import SetBuilder

    def tilt(start_s, end_s, unseen_s=0.0, cut_open=False):
        rep = _rep_turning(start_s, 5.0, TILT_WAY)
        rep.end_s, rep.unseen_s, rep.cut_open = end_s, unseen_s, cut_open
        rep.detected_at_s = end_s + 0.1
        return rep

    builder, out = SetBuilder(DetectorSettings()), []
    for i in range(5):                                  # 5 s tilts every 6 s
        builder.on_rep(tilt(6.0 * i, 6.0 * i + 5.0), out)
    gap_from_s = 34.0
    builder.on_gap(back_at_s, back_at_s - gap_from_s)
    builder.on_rep(tilt(30.0, gap_from_s, back_at_s - gap_from_s, cut_open=True), out)
    builder.on_rep(tilt(back_at_s, next_end_s, back_at_s - gap_from_s), out)
    for t_s in (43.0, 49.0, 55.0):
        builder.on_rep(tilt(t_s, t_s + 5.0), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == [counted]
    counts = [e["count"] for e in out if e["type"] == "rep_counted"]
    assert counts == list(range(1, counted + 1))


def test_tilts_held_longer_than_the_shift_rule_waits_are_reps():
    """As MEx person 29 does (a held-out recording, unlabelled): every pelvic tilt held
    ~8 s, the rests between them as long. Each hold outlasted the small-shift rule
    (6 s) and became the new rest, then so did the rest: nothing was counted. Back
    where it rested before the shift, the shift was a held rep: the first is found
    with hindsight (what was counted about the shifted rest is taken back), and later
    ones held like it are counted as they end."""
    tilts, t = rep_keyframes(10.0, 6, 5.0, 1.0, 8.0, 1.0, 7.0)
    frames = [(0.0, 0.0), (10.0, 0.0)] + tilts + [(t + 5.0, 0.0)]
    block = pitch_session(frames)
    events, result = _run(block, [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 6)]
    announced = [e["count"] for e in events if e["type"] in ("rep_counted", "set_recounted")]
    assert announced[-6:] == list(range(1, 7)) and len(announced) <= 8
    # Found with hindsight or live, the same for any chunking.
    assert _run(block, list(range(997, len(block), 997)))[1] == result


@pytest.mark.parametrize("peak_deg", [5.0, 7.0])
def test_slow_tilts_some_held_longer_than_the_shift_rule_waits_are_reps(peak_deg):
    """Slow small tilts (2 s up, held 3.2 s, 2 s down) with every fifth held 5.5 s:
    reps about as long as the small-shift rule waited (6 s), and some longer than it.
    Each long one became a shift of rest, the set broke in two and lost reps: the
    rule now waits one and a half of the set's own reps."""
    frames, t = [(0.0, 0.0), (10.0, 0.0)], 10.0
    for i in range(20):
        tilt, t = rep_keyframes(t, 1, peak_deg, 2.0, 5.5 if i % 5 == 3 else 3.2, 2.0, 1.0)
        frames += tilt
    block = pitch_session(frames + [(t + 10.0, 0.0)])
    events, result = _run(block, [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 20)]
    assert _run(block, list(range(1231, len(block), 1231)))[1] == result


def _tilts_then_a_shift_and_one_more(pause_s, peak_deg=4.5, roll_deg=3.5):
    """Accelerometer samples: ten pitch tilts of `peak_deg` (2 s up, 1 s held, 2 s
    down, 1 s rest), then a roll of `roll_deg` to one side, kept, and after `pause_s`
    still there one more tilt like them."""
    pitch, roll, t = [(0.0, 0.0), (10.0, 0.0)], [(0.0, 0.0), (10.0, 0.0)], 10.0
    for _ in range(10):
        pitch += [(t + 2.0, peak_deg), (t + 3.0, peak_deg), (t + 5.0, 0.0), (t + 6.0, 0.0)]
        t += 6.0
    roll += [(t, 0.0), (t + 1.0, roll_deg)]
    t += 1.0 + pause_s
    pitch += [(t, 0.0), (t + 2.0, peak_deg), (t + 3.0, peak_deg), (t + 5.0, 0.0),
              (t + 15.0, 0.0)]
    roll.append((t + 15.0, roll_deg))
    t_s = np.arange(0.0, t + 15.0, 0.01)
    p = np.radians(np.interp(t_s, *zip(*pitch)))
    r = np.radians(np.interp(t_s, *zip(*roll)))
    acc_g = np.column_stack([np.sin(p) * np.cos(r), np.sin(r), np.cos(p) * np.cos(r)])
    acc_g += np.random.default_rng(0).normal(0.0, 0.003, acc_g.shape)
    return SampleBlock(t_s, acc_g, np.full_like(acc_g, np.nan))


@pytest.mark.parametrize("pause_s", [4.0, 4.25, 4.5, 4.75, 5.0])
def test_a_rep_rising_as_a_shift_of_rest_is_found_goes_on_from_the_new_rest(pause_s):
    """A small shift to one side between tilts, and the next tilt begun from there
    just before the shift rule fires (4-5 s after the shift, 6 s after it left rest):
    the tilt was under way, still rising but not yet twice the start threshold above
    the new rest, and was lost (the detector waited to come back near rest first)."""
    events, result = _run(_tilts_then_a_shift_and_one_more(pause_s), [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 11)]


@pytest.mark.parametrize("drift_deg, settled_s", [(2.7, 3.0), (3.0, 3.0), (2.7, 4.5)])
def test_quick_tilts_from_a_rest_still_settling_when_it_was_found_count_from_it(
        drift_deg, settled_s):
    """As simulated person 29021: rest was found while the person still settled, 3 deg
    off where they then lay still for 3-4.5 s, and from there 20 quick tilts of 6 deg
    with 0.4 s rests. The still settle was the first excursion; its tilts came back to
    under a third of their peak from the rest found only now and then, so tilts ran
    together in pairs (14 of 20, or none). Back from the first tilt, rest is where they
    settled, and the tilts count from it."""
    start_s = 7.0 + settled_s
    tilts, t = rep_keyframes(start_s, 20, drift_deg + 6.0, 0.6, 0.2, 0.6, 0.4,
                             rest_deg=drift_deg)
    frames = [(0.0, 0.0), (4.0, 0.0), (7.0, drift_deg), (start_s, drift_deg)] + tilts
    block = pitch_session(frames + [(t + 10.0, drift_deg)])
    events, result = _run(block, [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 20)]
    assert _run(block, list(range(613, len(block), 613)))[1] == result


def _held_bridges(count=5, hold_s=8.0, rest_s=4.0):
    """Keyframes of bridges of 28 deg, 1.2 s up, held `hold_s`, 1.2 s down, with
    their (start_s, end_s)."""
    frames, reps, t = [(0.0, 0.0), (10.0, 0.0)], [], 10.0
    for _ in range(count):
        frames += [(t + 1.2, 28.0), (t + 1.2 + hold_s, 28.0), (t + 2.4 + hold_s, 0.0),
                   (t + 2.4 + hold_s + rest_s, 0.0)]
        reps.append((t, t + 2.4 + hold_s))
        t += 2.4 + hold_s + rest_s
    frames.append((t + 20.0, 0.0))
    return frames, reps


@pytest.mark.parametrize("which, hidden, joined", [
    (0, (3.0, 7.0), True),     # the set's first bridge: no reps yet to compare with
    (2, (3.0, 7.0), True),     # a bridge in the middle of the set
    (4, (2.0, 6.5), True),     # the last, data back just before the lowering
    (2, (1.4, 9.0), False),    # three quarters hidden: counted from the rhythm
    (2, (2.6, 7.6), True),     # 48% hidden, from rest to rest (the rep's edges, at 15%
                               # and 30% of the peak, left out a tenth of it: 52% hidden)
    (2, (2.0, 8.4), False),    # 62% hidden
])
def test_a_rep_the_link_cut_in_its_hold_is_one_rep_when_both_parts_add_up_to_half(
        which, hidden, joined):
    """Simulated persons 14002 and 14014 over a poor link: the link dropped for 4-5 s
    in the hold of a long bridge and came back with the bridge still held. The part
    before the gap waited to see whether it went on; the part after, alone, was under
    half a bridge: neither counted. The two parts are one bridge, held through the
    gap, seen more than half. Persons 14013 and 18204: half is judged from rest to
    rest, as the labels are; the rep's edges leave out a little of each end."""
    frames, reps = _held_bridges()
    start_s = reps[which][0]
    block = pitch_session(frames)
    keep = (block.t_s < start_s + hidden[0]) | (block.t_s > start_s + hidden[1])
    block = block[np.flatnonzero(keep)]
    _, result = _run(block, [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("hip_bridge", 5)]
    rep = result["sets"][0]["reps"][which]
    assert rep.get("hidden", False) is not joined
    if joined:
        assert rep["start_s"] < start_s + hidden[0] and rep["end_s"] > start_s + hidden[1]
        assert abs(rep["hold_s"] - 8.0) < 1.0           # held through the gap
    assert _run(block, list(range(613, len(block), 613)))[1] == result


@pytest.mark.parametrize("peak_deg, off_deg, kept", [
    (17.0, 70.0, False),   # bridges; a roll to the side as they get up: not a bridge
    (17.0, 20.0, True),    # a bridge a little off the others' way is one
    (5.0, 70.0, True),     # 5 deg tilts: their way is blurred by noise, kept
])
def test_a_move_off_to_the_side_of_large_reps_is_not_one_of_them(peak_deg, off_deg, kept):
    """MEx person 21 (held out): seven bridges, then getting up moved the thigh
    sensor 10-19 deg three times, 60-100 deg off the bridges' way (which agree
    within 16 deg): counted as bridges 8-10. Small tilts stray that far from their
    set's way by noise alone (up to 80 deg measured), so for them only the other way
    is not a rep."""
    from sensorcoach.detect.sets import SetBuilder

    a = math.radians(off_deg)
    off_way = (0.6 * math.cos(a) - 0.8 * math.sin(a), 0.8 * math.cos(a) + 0.6 * math.sin(a), 0.0)
    builder, out = SetBuilder(DetectorSettings()), []
    for i in range(7):
        builder.on_rep(_rep_turning(8.0 * i, peak_deg, TILT_WAY), out)
    builder.on_rep(_rep_turning(58.0, peak_deg, off_way), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == [8 if kept else 7]


@pytest.fixture(scope="module", params=[25, 28], ids=["rocking sideways", "rocking head to tail"])
def calm_knee_hug(request, tmp_path_factory):
    """Eight rocking circles in one knee hug, cleanly recorded: samples and labels.
    Person 25 rocks mostly from side to side, person 28 mostly head to tail."""
    session = simulate(SimulationSettings(seed=request.param, plan=(("knee_to_chest", 8),),
                                          behaviour="calm", walking=False, radio="clean",
                                          disconnects=0, sensor_quality="good", gyro=True))
    path, _ = write_session(session, tmp_path_factory.mktemp("hug") / "k.jsonl.gz")
    return _samples(path), session.labels.sets[0]


@pytest.mark.parametrize("case, hidden_middles", [
    ("middle", 0),      # from a quarter into circle 4 to three quarters into circle 5:
                        # the two hidden counted from the pace either side
    ("release", 1),     # from 0.7 into circle 7 until after the release
    ("start", 1),       # from before the knees come up to 0.3 into circle 2
    ("first", 0),       # from 0.6 into circle 1 (no swing reversal yet) to 0.6 into 2
    ("early", 1),       # from 0.1 into circle 1 to 0.1 into circle 2 (nothing to pace
                        # it from before the gap)
    ("start, late", 1),  # from before the knees come up to 0.6 into circle 2: the
                         # circle under way when data came back, swinging, counts
    ("end, early", 0),   # from 0.35 into circle 8 until after the release: so does
                         # the one under way when the link dropped
    ("pull, late", 0),   # from just after the knees came up to 0.6 into circle 2: the
                         # first circle, hidden whole after the pull seen, counts too
    ("last, late", 0),   # from 0.45 into circle 7 to 0.55 into circle 8, the release
                         # seen: both middles hidden, both circles happened
    ("last, later", 0),  # ... to 0.65 into circle 8
])
def test_circles_of_a_knee_hug_a_link_gap_cut_count_if_half_seen(calm_knee_hug, case,
                                                                hidden_middles):
    """Simulated persons 14003, 14008, 14013 and 14020 over a poor link: circles a
    gap cut were counted as soon as a quarter of one was seen (one too many), or
    the one a gap cut at the end was lost (one too few). A circle counts when its
    middle was seen, whichever way the person rocks. Persons 12025, 15027, 18408 and
    18524: a gap came before the first swing reversal, so the hug did not go on across
    it and the first circle, mostly seen, was lost; going on across it, the circles
    must not be numbered from the start then (persons 11006 and 17022: one too many).
    Circles hidden between two stretches seen count by the pace either side, and the
    circle under way where a gap begins or ends the rocking seen counts if a quarter
    of it was seen swinging (persons 7005, 12013, 20204: one too few). With the knee
    pull seen before the gap, the whole circles that fit between it and the circle
    under way when data came back count (persons 14014, 18202, 19122: one too few).
    A gap a little longer than a circle that hid the middles of the last two (the
    release seen after it) hid two circles that happened: neither is dropped for
    the other (person 14007: one too few)."""
    block, hug = calm_knee_hug
    c = hug.reps

    def into(i, fraction):
        return c[i].start_s + fraction * (c[i].end_s - c[i].start_s)

    gap = {"middle": (into(3, 0.25), into(4, 0.75)),
           "release": (into(6, 0.7), hug.end_s + 3.0),
           "start": (hug.start_s - 2.0, into(1, 0.3)),
           "first": (into(0, 0.6), into(1, 0.6)),
           "early": (into(0, 0.1), into(1, 0.1)),
           "start, late": (hug.start_s - 2.0, into(1, 0.6)),
           "end, early": (into(7, 0.35), hug.end_s + 3.0),
           "pull, late": (hug.posture_start_s + 0.3, into(1, 0.6)),
           "last, late": (into(6, 0.45), into(7, 0.55)),
           "last, later": (into(6, 0.45), into(7, 0.65))}[case]
    assert gap[1] - gap[0] > DetectorSettings().max_gap_s
    keep = (block.t_s < gap[0]) | (block.t_s > gap[1])
    _, result = _run(block[np.flatnonzero(keep)], [])
    hugs = [s for s in result["sets"] if s["exercise"] == "knee_to_chest"]
    assert [len(s["reps"]) for s in hugs] == [len(c) - hidden_middles]


def test_the_rest_of_a_knee_hug_after_a_link_gap_is_not_a_bridge(tmp_path):
    """Simulated person 14001 over a poor link: the link dropped late in a knee hug
    that the live counter had not yet seen rock (hindsight finds three circles), and
    came back with the knees still hugged. The rest of the hug was taken for the
    first bridge of the next set: it is the same hug."""
    session = simulate(SimulationSettings(seed=14001, radio="poor", disconnects=3))
    path, _ = write_session(session, tmp_path / "s.jsonl.gz")
    result = analyze(path)
    hug = next(s for s in session.labels.sets if s.exercise == "knee_to_chest")
    bridges = [r for s in result["sets"] if s["exercise"] == "hip_bridge" for r in s["reps"]]
    assert bridges and not any(r["start_s"] < hug.end_s for r in bridges)


def test_a_hold_that_sags_as_the_hips_tire_is_held_until_they_lower():
    """Bridges held 6 s that sag 4 deg of 28 while held (MEx people's plateaus
    drift toward rest): the hold ends when the lowering starts, not when the sag
    leaves a band around the plateau (that timed them 4.7-4.8 s, and the live timer
    stopped at 4 s)."""
    frames, t = [(0.0, 0.0), (10.0, 0.0)], 10.0
    for _ in range(4):                          # sagging: not `rep_keyframes`' flat hold
        frames += [(t + 1.2, 28.0), (t + 7.2, 24.0), (t + 8.4, 0.0), (t + 12.0, 0.0)]
        t += 12.0
    frames.append((t + 20.0, 0.0))
    events, result = _run(pitch_session(frames), [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("hip_bridge", 4)]
    holds = [r["hold_s"] for r in result["sets"][0]["reps"]]
    assert all(abs(h - 6.0) <= 0.5 for h in holds), holds
    # The live timer (what cues "lower" at the plan's hold) goes on through the sag
    # too: it stopped at 4 s.
    live, shown = [], 0.0
    for e in events:
        if e["type"] == "hold_progress":
            shown = e["hold_s"]
        elif e["type"] == "rep_counted":
            live, shown = live + [shown], 0.0
    assert all(h >= 5.0 for h in live), live


@pytest.mark.parametrize("after_deg, sets", [
    (3.0, [11]),        # tilts like before: the large one was one of them
    (25.0, [6, 5]),     # bridges like it: it began a new set
])
def test_one_much_larger_rep_begins_a_new_set_only_if_the_next_are_like_it(after_deg, sets):
    """MEx persons 16 and 25 (held out): tilts of 2-3 deg, one of 6-9 deg, then more
    of 2-3 deg. The large one was taken for the start of another exercise, so one
    set of tilts was split in two (4 + 12, 3 + 11). The reps after it tell."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    peaks = [3.0] * 6 + [7.0 if after_deg < 7.0 else 25.0] + [after_deg] * 4
    for i, peak in enumerate(peaks):
        builder.on_rep(_rep_turning(6.0 * i, peak, TILT_WAY), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == sets
    # What was announced adds up to what was found.
    counts = [e for e in out if e["type"] in ("rep_counted", "set_recounted")]
    assert counts[-1]["count"] == sets[-1]


def test_a_burst_of_lost_packets_is_reported_as_a_gap_like_a_link_drop():
    """Simulated person 17020: seven packets in a row lost (4.6 s, no disconnect) in
    the last circle of a knee hug. The detector saw the hole, but the result listed
    only link drops as gaps, so the evaluation counted the hidden circle as seen."""
    from sensorcoach.decoders.stats import StreamStats

    frames, reps = _held_bridges()
    block = pitch_session(frames)
    hole = (reps[2][0] + 2.0, reps[2][0] + 6.6)
    keep = (block.t_s < hole[0]) | (block.t_s > hole[1])
    analyzer = SessionAnalyzer()
    analyzer.feed(block[np.flatnonzero(keep)])
    analyzer.finish()
    gaps = analyzer.result(stream=StreamStats())["stream"]["gaps"]
    assert len(gaps) == 1
    assert abs(gaps[0]["start_s"] - hole[0]) < 0.2 and abs(gaps[0]["end_s"] - hole[1]) < 0.2


@pytest.mark.parametrize("hole", [(24.5, 26.6), (24.3, 26.8), (24.6, 26.5), (24.0, 26.6)])
def test_a_hole_shorter_than_a_link_drop_that_hid_a_whole_quick_tilt_is_a_gap(hole):
    """Quick tilts (0.7 s up, 0.3 s held, 0.7 s down, 0.4 s rest), and a burst of
    lost packets of 2-2.6 s over the eighth, rest seen on both sides (as simulated
    person 14009). Holes under `max_gap_s` (3 s) were carried across, as if they
    could not hide a rep: this one hid a whole one, lost. In a set of reps quicker
    than that, a hole as long as one of them is a gap, and the set's rhythm counts
    what it hid."""
    tilts, t = rep_keyframes(10.0, 15, 8.0, 0.7, 0.3, 0.7, 0.4)
    block = pitch_session([(0.0, 0.0), (10.0, 0.0)] + tilts + [(t + 10.0, 0.0)])
    keep = (block.t_s < hole[0]) | (block.t_s >= hole[1])
    events, result = _run(block[np.flatnonzero(keep)], [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 15)]


@pytest.mark.parametrize("hole", [(38.2, 39.9), (38.0, 40.0), (38.3, 39.8)])
def test_a_hole_that_hid_the_rest_between_two_reps_is_a_gap(hole):
    """Tilts held 2 s (0.6 s up and down) with 1 s rests, and a burst of lost packets
    of 1.5-2 s from the way down of the seventh to the way up of the eighth (as
    simulated person 41110, 25 Hz). Shorter than a rep, the hole was carried across:
    the frames either side were both up, and the two tilts were one. In a rep, a
    hole longer than the set's rest between reps (and than a way down and up) is a
    gap: the two parts count as two."""
    tilts, t = rep_keyframes(10.0, 12, 8.0, 0.6, 2.0, 0.6, 1.0)
    block = pitch_session([(0.0, 0.0), (10.0, 0.0)] + tilts + [(t + 10.0, 0.0)])
    keep = (block.t_s < hole[0]) | (block.t_s >= hole[1])
    events, result = _run(block[np.flatnonzero(keep)], [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 12)]


@pytest.mark.parametrize("which", [0, 5])
@pytest.mark.parametrize("seen_s, gap_s", [(0.6, 5.5), (0.7, 5.5), (0.6, 6.5)])
def test_a_bridge_the_link_cut_on_its_way_up_counts_on_the_sets_beat(which, seen_s, gap_s):
    """Six bridges (1.5 s up, held 3 s, 1.5 s down, 3 s rest), the link lost 0.6-0.7 s
    into the first or the last one's lift for 5.5-6.5 s, back at rest after it (as
    simulated person 27122, both). Too little was seen, and too small, to be like the
    set's bridges: it was dropped. Still rising when the link dropped, begun on the
    set's beat (a period before the next two, or after the last), and the gap long
    enough for the rest of it: a bridge."""
    bridges, t = rep_keyframes(10.0, 6, 25.0, 1.5, 3.0, 1.5, 3.0)
    block = pitch_session([(0.0, 0.0), (10.0, 0.0)] + bridges + [(t + 20.0, 0.0)])
    cut_from = 10.0 + which * 9.0 + seen_s
    keep = (block.t_s < cut_from) | (block.t_s >= cut_from + gap_s)
    events, result = _run(block[np.flatnonzero(keep)], [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("hip_bridge", 6)]


def test_a_knee_hug_begun_before_a_link_gap_is_timed_from_the_knee_pull(calm_knee_hug):
    """Simulated persons 12025 and 15027: the knees came up, then the link dropped
    before the rocking began. The pull went to the set builder as a rep cut by the
    gap and was dropped when the hug came back; the hug was timed from the gap's end,
    9 s short."""
    block, hug = calm_knee_hug
    gap = (hug.posture_start_s + 1.0, hug.posture_start_s + 5.0)
    assert gap[1] - gap[0] > DetectorSettings().max_gap_s
    keep = (block.t_s < gap[0]) | (block.t_s > gap[1])
    _, result = _run(block[np.flatnonzero(keep)], [])
    hugs = [s for s in result["sets"] if s["exercise"] == "knee_to_chest"]
    assert len(hugs) == 1
    assert abs(hugs[0]["hold_s"] - (hug.posture_end_s - hug.posture_start_s)) < 1.5


def test_reps_that_take_turns_going_two_ways_are_one_per_pair():
    """Simulated person 16013 (brief rests, restless at the start): rest was taken at
    a point on the way between the two levels of a tilt, so every tilt showed as an
    excursion to its own level and one to rest, the other way: 29 tilts for 20. Of a
    run of reps taking turns, the larger side are the reps; the set's typical rep is
    theirs (the rest side had dragged it down until a tilt looked like a new set)."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    t = 0.0
    for _ in range(6):
        builder.on_rep(_rep_turning(t, 4.0, TILT_WAY), out)
        builder.on_rep(_rep_turning(t + 2.1, 2.0, OTHER_WAY), out)
        t += 4.2
    builder.on_rep(_rep_turning(t, 5.0, TILT_WAY), out)     # no longer a new set
    for _ in range(7):
        t += 3.5
        builder.on_rep(_rep_turning(t, 4.0, TILT_WAY), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == [14]


def _evaluated(tmp_path, **settings):
    """`sensorcoach evaluate`'s per-set rows for a simulated session."""
    from sensorcoach.evaluate import evaluate_file

    path, labels = write_session(simulate(SimulationSettings(**settings)),
                                 tmp_path / "s.jsonl.gz")
    return evaluate_file(labels, analyze(path))[0]


def _row(rows, exercise):
    return next(r for r in rows if r.exercise == exercise)


def test_a_rep_an_excursion_began_with_counts_when_it_turns_out_a_shift(tmp_path):
    """Simulated person 7003: resting 4 deg off the baseline (still settling), two
    tilts that came back only to that level; the shift rule re-based after 6 s and
    read the excursion again against the new rest, but its first frames were above
    the start threshold already, so the first tilt (12 deg) was not found."""
    tilts = _row(_evaluated(tmp_path, seed=7003), "pelvic_tilt")
    assert (tilts.found_reps, tilts.found_exercise) == (tilts.truth_reps, "pelvic_tilt")


@pytest.mark.parametrize("hidden_fraction, counted", [(0.4, 8), (0.7, 8), (0.95, 7)])
def test_the_first_rep_of_a_set_a_gap_cut_is_judged_by_the_next(calm_bridges, hidden_fraction,
                                                                counted):
    """Simulated persons 12017, 14011 and 10007: the link came back in the hold of a
    set's first bridge. Whether half of it was seen is judged against how long the
    set's reps last, and there were none yet, so it was never counted. The next rep
    tells: it counts, first and late, if more than half was seen, or, like it and
    seen coming down, however little was (as one in the middle of a set does). Only
    the last of its way down seen is no rep of its own."""
    block, reps = calm_bridges
    first = reps[0]
    gap = (first.start_s - 4.0, first.start_s + hidden_fraction * (first.end_s - first.start_s))
    assert _bridge_count_with_gap(block, *gap) == counted


def test_no_shift_of_rest_while_the_sensor_is_on_the_way_back(tmp_path):
    """Simulated person 10017 (accelerometer only, cheap board at the back): still
    settling when the first tilt came, so the excursion had begun 3 s before it. The
    6 s shift rule fired during the tilt's lowering (the smoothed speed that says
    "still" lags a quick move) and took a point on the way down for rest: the tilt
    was lost."""
    rows = _evaluated(tmp_path, seed=10017, gyro=False, sensor_quality="cheap", placement="back")
    tilts = _row(rows, "pelvic_tilt")
    assert (tilts.found_reps, tilts.found_exercise) == (tilts.truth_reps, "pelvic_tilt")


def _thigh_accelerometer(block: SampleBlock, seed: int) -> SampleBlock:
    """`block` as MEx's thigh accelerometer reads it: no gyroscope, a little noise,
    quantised to 1/64 g (a 1.3 deg tilt is 1-2 steps)."""
    rng = np.random.default_rng(seed)
    acc_g = np.round((block.acc_g + rng.normal(0.0, 0.006, block.acc_g.shape)) * 64) / 64
    return SampleBlock(block.t_s, acc_g, np.full_like(acc_g, np.nan))


def _small_tilts(count=8, tilt_deg=1.3, rest_s=4.5):
    frames, t = [(0.0, 0.0), (10.0, 0.0)], 10.0
    for _ in range(count):
        frames += [(t + 0.5, tilt_deg), (t + 1.3, tilt_deg), (t + 1.8, 0.0), (t + 1.8 + rest_s, 0.0)]
        t += 1.8 + rest_s
    return frames + [(t + 10.0, 0.0)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_tilts_smaller_than_the_start_threshold_count_after_a_quiet_rest(seed):
    """MEx person 21: eight tilts of ~1.3 deg, every ~6 s, under the 1.8 deg start
    threshold, from a rest that shows no breathing (a thigh sensor): none was found.
    They stand 4-6 times clear of how far the rest wanders, so they are reps."""
    block = _thigh_accelerometer(pitch_session(_small_tilts(), seed=seed), seed)
    _, result = _run(block, [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 8)]


def _breaths(per_min, peak_to_peak_deg, pause_s=0.0, duration_s=90.0):
    """Breathing: a sine, or (with `pause_s`) a rise, a fall and a pause each breath."""
    period = 60.0 / per_min
    if not pause_s:
        t = np.arange(0.0, duration_s, 0.1)
        return list(zip(t, 0.5 * peak_to_peak_deg * np.sin(2 * np.pi * t / period)))
    frames, t, moving = [(0.0, 0.0)], 0.0, period - pause_s
    while t < duration_s:
        frames += [(t + 0.45 * moving, peak_to_peak_deg), (t + moving, 0.0), (t + period, 0.0)]
        t += period
    return frames


@pytest.mark.parametrize("per_min, peak_to_peak_deg, pause_s", [
    (10, 1.2, 0.0), (15, 1.2, 0.0), (20, 1.2, 0.0),   # at a hip sensor, deep breathing
    (6, 1.5, 0.0), (12, 1.5, 0.0),
    (12, 1.0, 2.5), (10, 1.0, 3.0),                   # breaths that pause (quiet rests)
])
def test_breathing_is_not_counted_however_quiet_the_rest_between_breaths(
        per_min, peak_to_peak_deg, pause_s):
    """Guards the quiet-rest reps (`test_tilts_smaller_than_the_start_threshold_...`):
    breathing, up to the 1.2 deg peak to peak it reaches at the pelvis (and 1.0 deg
    with pauses as long as a rest between tilts), never stands clear of the rest."""
    frames = _breaths(per_min, peak_to_peak_deg, pause_s)
    for seed in (0, 1):
        hip = pitch_session(frames, seed=seed)
        for block in (hip, _thigh_accelerometer(hip, seed)):
            _, result = _run(block, [])
            assert result["sets"] == []


@pytest.mark.parametrize("peaks, quiet, sets", [
    ([2.5, 1.2, 2.8], [False, True, False], []),     # two fidgets and a quiet move
    ([1.3] * 5, [True] * 5, []),                     # five quiet moves: 2.5 reps' worth
    ([1.3] * 6, [True] * 6, [6]),                    # six: a set of small tilts
    ([2.5, 2.0, 2.8], [False, True, False], [3]),    # as large as the threshold: counts
])
def test_reps_found_only_after_a_quiet_rest_count_half_towards_a_set(peaks, quiet, sets):
    """Simulated persons 10025, 17003 and 17030 (restless): two fidgets before a set,
    and a third smaller one found after a quiet rest, made a false set of three."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for i, (peak, small) in enumerate(zip(peaks, quiet)):
        start = 5.0 + 5.0 * i
        builder.on_rep(RepCandidate(start, start + 1.5, peak, start + 0.5, start + 1.0,
                                    start + 1.6, quiet=small), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == sets


@pytest.mark.parametrize("between, sets", [
    ([OTHER_WAY, OTHER_WAY], [7]),       # moving the other way all along: one set
    ([], [3, 4]),                        # resting as long: two sets
])
def test_moves_the_other_way_as_large_as_the_reps_are_no_pause_in_the_set(between, sets):
    """Held-out MEx person 18: three tilts, then 15.6 s of moves the
    other way (settling to a new rest and back), then four more: the pause rule
    (15 s between reps) split them, though the person never paused."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    starts = [5.0, 11.0, 17.0]
    for start in starts:
        builder.on_rep(_rep_turning(start, 6.0, TILT_WAY), out)
    for i, way in enumerate(between):
        builder.on_rep(_rep_turning(21.0 + 6.0 * i, 6.0, way), out)
    for i in range(4):
        builder.on_rep(_rep_turning(34.7 + 6.0 * i, 6.0, TILT_WAY), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == sets


@pytest.mark.parametrize("peaks, sets", [
    # bridges, then tilts 11 s later, the first just over half a bridge: two sets
    ([39.2, 32.0, 33.1, 27.3, 26.6, 16.5, 15.6, 15.7, 15.6, 11.9, 14.9, 11.1, 10.5, 11.1, 10.8],
     [("hip_bridge", 5), ("pelvic_tilt", 10)]),
    # tilts that tire from 12 to 5 deg: one exercise, one set
    ([12.0, 11.5, 12.5, 11.0, 10.0, 8.0, 6.5, 5.5, 5.0, 5.2, 4.9],
     [("pelvic_tilt", 11)]),
])
def test_a_set_that_changes_exercise_is_two_sets(peaks, sets):
    """Simulated person 18124 (accelerometer only): five bridges of 27-39 deg, then
    tilts of 10-16 deg 11 s later, inside the 15 s pause rule. Each tilt was over 45%
    of the set's recent reps, so one set of 15 took them all, as pelvic tilts."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out, t = SetBuilder(DetectorSettings()), [], 5.0
    for i, peak in enumerate(peaks):
        if i == 5 and sets[0][0] == "hip_bridge":
            t += 8.0                     # a pause of 11 s between the two exercises
        builder.on_rep(RepCandidate(t, t + 2.0, peak, t + 0.8, t + 1.2, t + 2.1), out)
        t += 3.0
    builder.close(out)
    assert [(s["exercise"], len(s["reps"])) for s in builder.sets] == sets


@pytest.mark.parametrize("before, counted", [
    (2, [9]),       # two bridges, a pause of 16 s, then seven: one set of nine
    (1, [7]),       # one move before the pause may be a try or a fidget: not counted
])
def test_two_reps_a_longer_pause_and_then_the_set_are_its_start(before, counted):
    """Simulated person 18225 (restless): two bridges, a pause of 16 s (over the 15 s
    that ends a set), then seven more. The two were too few for a set and were lost;
    as reps after a set a longer pause rejoins them to it, so do reps before one."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out, t = SetBuilder(DetectorSettings()), [], 5.0
    for i in range(before + 7):
        if i == before:
            t += 16.4 - 4.5
        builder.on_rep(RepCandidate(t, t + 8.5, 25.0 + (i % 3), t + 1.5, t + 7.0,
                                    t + 8.6), out)
        t += 8.5 + 4.5
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == counted


@pytest.mark.parametrize("seed, settings", [
    (18201, dict(behaviour="restless")),
    (16001, dict(gyro=False, mount="random", walking=True)),
])
def test_a_rep_under_way_when_the_rest_shifts_goes_on(tmp_path, seed, settings):
    """Simulated persons 18201 (still settling after lying down when the first tilt
    came) and 16001 (a shift of position just before a tilt): the 6 s small-shift
    rule fired at the top of a tilt, re-based to the lowest dip before it, and the
    tilt, under way against the new rest, was lost (16001: with it the set, split in
    two by the longer pause)."""
    tilts = _row(_evaluated(tmp_path, seed=seed, **settings), "pelvic_tilt")
    assert (tilts.found_reps, tilts.found_exercise) == (tilts.truth_reps, "pelvic_tilt")


@pytest.mark.parametrize("seed", [11006, 17022])
def test_circles_after_a_gap_that_hid_the_first_are_not_numbered_from_the_start(tmp_path,
                                                                                 seed):
    """Simulated persons 11006 and 17022: a gap hid most of the first circle (and
    17022's second), with the knee pull seen before it. Numbered from the start, the
    circles after the gap were placed half a circle off: one too many. (The circles
    hidden after the knee pull count as whole circles fitting in the gap: 11006 all,
    17022 one of its two.)"""
    hug = _row(_evaluated(tmp_path, seed=seed), "knee_to_chest")
    assert hug.found_exercise == "knee_to_chest"
    assert hug.truth_reps - hug.in_gaps < hug.found_reps <= hug.truth_reps


def test_circles_a_gap_hid_before_the_release_count_as_whole_circles_that_fit(tmp_path):
    """Simulated person 15006: the link dropped 0.7 s into the fifth of six circles
    and came back 5.7 s later, as the rocking ended, before the release: the last two
    circles were lost. The rocking went on through the gap: the whole circles that fit in it count
    (the time between the last circle and the release is not known: whole ones only)."""
    hug = _row(_evaluated(tmp_path, seed=15006), "knee_to_chest")
    assert (hug.found_reps, hug.in_gaps) == (hug.truth_reps, 2)


def test_tilts_from_a_shift_that_overshot_count_from_where_it_settled(tmp_path):
    """Simulated person 33115 (restless, poor radio, accelerometer only): after 14
    tilts a shift of 2.6 deg that overshot to 3.5, still for 4 s, then tilts of 6 deg
    from there whose rests stayed just above the return threshold (0.3 of their peak
    from the rest before): nothing came back, and the excursion ran on over the shift
    and two tilts, the set split (14 + 5 of 20). What rose before the still rest was
    no rep above it (under a rep's size): the excursion began by settling there, and
    its tilt, back there, re-bases it."""
    tilts = _row(_evaluated(tmp_path, seed=33115, behaviour="restless", radio="poor",
                            gyro=False), "pelvic_tilt")
    assert (tilts.found_reps, tilts.found_exercise) == (tilts.truth_reps, "pelvic_tilt")


def test_the_shift_rule_waits_by_the_sets_reps_only_once_it_has_two(tmp_path):
    """Simulated person 35130 (restless, link drops, any mount): the set's first rep
    read 7.1 s long (its rest still settling), and with it alone as the set's typical
    rep the small-shift rule waited 10.7 s: a restless shift after it was found only
    at the top of the next tilts, and every tilt after was read against a rest at
    their tops (18 of 20, each rep a rest)."""
    tilts = _row(_evaluated(tmp_path, seed=35130, behaviour="restless", disconnects=2,
                            mount="random"), "pelvic_tilt")
    assert (tilts.found_reps, tilts.found_exercise) == (tilts.truth_reps, "pelvic_tilt")


def test_a_first_bridge_a_gap_cut_after_a_fidget_is_judged_by_the_next(tmp_path):
    """Simulated person 33028: a fidget (8 deg, 1.2 s) before the bridges, then a
    link gap over the first bridge's lift (seen from its hold on, 44%). The fidget
    stood for the open set: the cut bridge, unlike it, was dropped, not left for the
    next rep to judge as a set's first (7 of 8)."""
    bridges = _row(_evaluated(tmp_path, seed=33028), "hip_bridge")
    assert (bridges.found_reps, bridges.found_exercise) == (bridges.truth_reps, "hip_bridge")


def test_a_bridge_a_gap_cut_in_its_hold_after_fidgets_is_one_rep(tmp_path):
    """Simulated person 20025 (every hard condition): two tiny fidgets, then a 3.7 s
    link gap in the first bridge's hold. Judged by the next rep, as above, the two
    parts were two reps, since the fidgets' holds (none) said the joined one was held
    too long: a set's holds only measure reps like its own."""
    bridges = _row(_evaluated(tmp_path, seed=20025, gyro=False, mount="random",
                              behaviour="restless", radio="poor", sensor_quality="cheap",
                              walking=True), "hip_bridge")
    assert (bridges.found_reps, bridges.found_exercise) == (bridges.truth_reps, "hip_bridge")


def test_the_ends_of_two_reps_a_gap_cut_are_not_one_rep_held_through_it(tmp_path):
    """Simulated person 18518 (25 Hz, accelerometer only): a 5 s gap from the hold of
    one tilt into the next. The first's start and the second's end were joined as one
    tilt held 7.6 s (the set's reps hold 2.5 s), not half seen: the second, more than
    half seen, was lost."""
    tilts = _row(_evaluated(tmp_path, seed=18518, odr_hz=25, gyro=False), "pelvic_tilt")
    assert (tilts.found_reps, tilts.found_exercise) == (tilts.truth_reps, "pelvic_tilt")


@pytest.mark.parametrize("before, peak_deg, up_s, held_s", [
    ([(20.0, 1.5)], 6.0, 1.0, 2.0),                 # a tiny move after a quiet rest
    ([(14.0, 2.0), (20.0, 2.0)], 25.0, 2.0, 4.0),   # two fidgets before the bridges
], ids=["tilts", "bridges"])
def test_each_rep_is_told_the_count_it_has_in_the_result(before, peak_deg, up_s, held_s):
    """Moves before the set, too small to be its reps, were counted out loud "1" (and
    "2"), the set's reps from "2" or "3", and then dropped from the result: a patient
    counting to 20 stopped at 19 (7 of the 26 committed recordings). Each rep is now
    told as hindsight would count it if the set ended there."""
    frames = [(0.0, 0.0)]
    for t, deg in before:
        frames += [(t, 0.0), (t + 0.5, deg), (t + 1.0, deg), (t + 1.5, 0.0)]
    reps, t = rep_keyframes(30.0, 6, peak_deg, up_s, held_s, 1.0, 3.0)
    block = pitch_session(frames + [(30.0, 0.0)] + reps + [(t + 10.0, 0.0)])
    events, result = _run(block, list(range(0, len(block), 10)))
    assert [len(s["reps"]) for s in result["sets"]] == [6]
    found = result["sets"][0]
    told = _first_told(events)
    assert [told.get(r["start_s"]) for r in found["reps"]] == [
        (k, found["exercise"]) for k in range(1, 7)]


def test_a_first_rep_a_gap_cut_is_told_with_the_rep_after_it(tmp_path):
    """Simulated person 11012: the link drops for 5.4 s during the first bridge. That
    rep counts once the second shows how long one lasts; the second was told "1" and
    the count then corrected without a word, so the patient heard "1, 3". It is told
    "2", and the set starts with it."""
    path = tmp_path / "s.jsonl.gz"
    write_session(simulate(SimulationSettings(seed=11012)), path)
    block = open_source(path).read_all()
    events, result = _run(block, list(range(0, len(block), 20)))
    bridges = next(s for s in result["sets"] if s["exercise"] == "hip_bridge")
    told = [e for e in events if e["type"] in ("set_started", "rep_counted", "set_recounted")
            and e.get("exercise") == "hip_bridge"]
    assert [(e["type"], e.get("count")) for e in told[:4]] == [
        ("set_started", None), ("rep_counted", 2), ("rep_counted", 3), ("rep_counted", 4)]
    assert told[1]["rep"]["start_s"] == bridges["reps"][1]["start_s"]
    assert told[0]["t_s"] == pytest.approx(bridges["reps"][0]["start_s"], abs=0.01)


def test_tilts_after_bridges_are_counted_as_tilts_once_the_set_splits(tmp_path):
    """Simulated person 25007: five bridges, then tilts 13 deg at the hip (under half
    a bridge, but kept in the set as its typical rep came down). At the end the set
    splits where the sensor stops rising like a bridge; live, the tilts were counted
    on as bridges 6 to 11 and then as tilts 12 to 25. They are told as the tilts they
    are once three of them split the set, and go on so (the split itself comes and
    goes as each rep's rise is read), the last told as the set's count."""
    path = tmp_path / "s.jsonl.gz"
    write_session(simulate(SimulationSettings(seed=25007)), path)
    block = open_source(path).read_all()
    events, result = _run(block, list(range(0, len(block), 20)))
    tilts = next(s for s in result["sets"] if s["exercise"] == "pelvic_tilt")
    first_told = _first_told(events)
    told = [first_told.get(r["start_s"]) for r in tilts["reps"]]
    assert all(exercise == "pelvic_tilt" for _, exercise in told[3:]), told
    assert told[-1] == (len(told), "pelvic_tilt"), told


def test_a_hold_lies_within_its_rep():
    """Tilts that rise slowly (3 s) and drop quickly (0.4 s): the way up, slower than
    a fraction of the way down, is told as held (as when a link gap hid it), and the
    hold was taken from the first frame kept before the rep, the rest: held 5.4 s in
    a rep of 3.9 (seeds 7011, front 18304)."""
    tilts, t = rep_keyframes(10.0, 5, 4.0, 3.0, 1.0, 0.4, 3.0)
    result = _run(pitch_session([(0.0, 0.0), (10.0, 0.0)] + tilts + [(t + 8.0, 0.0)]), [])[1]
    reps = [r for s in result["sets"] for r in s["reps"]]
    assert len(reps) == 5
    assert all(0.0 < r["hold_s"] <= r["end_s"] - r["start_s"] for r in reps), reps


def test_a_knee_hug_counted_live_that_ends_as_none_is_taken_back():
    """Circles counted live, then the excursion ended without a knee hug (read again
    about a rest it settled in, or no circles with hindsight): the live count stayed,
    no set ended, and the next hug was announced from its third circle on."""
    from sensorcoach.detect.sets import SetBuilder

    def circles(builder, since_s, counts, out):
        for k in counts:
            builder.on_rocking_rep({"count": k, "t_s": since_s + 5.0 * k, "posture_since_s": since_s,
                                    "detected_at_s": since_s + 5.0 * k}, out)
            builder.on_time(since_s + 5.0 * k, since_s, out, hugging=True)

    builder, out = SetBuilder(DetectorSettings()), []
    circles(builder, 10.0, (2, 3), out)
    builder.on_time(30.0, None, out, hugging=False)
    assert out[-1] == {"type": "set_discarded", "t_s": 30.0, "reps": 3,
                       "exercise": "knee_to_chest"}
    out.clear()
    circles(builder, 60.0, (2,), out)
    assert [(e["type"], e.get("count")) for e in out] == [
        ("set_started", None), ("rep_counted", 1), ("rep_counted", 2)]


def test_reps_before_a_knee_hug_are_not_the_start_of_the_set_after_it():
    """The rule on reps before a longer pause (`test_two_reps_a_longer_pause_...`)
    took two bridge-sized moves before a knee hug as the start of the bridges after
    it: another set came between, so they are not."""
    from sensorcoach.detect.excursions import RepCandidate, RockingCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for t in (5.0, 18.0):
        builder.on_rep(RepCandidate(t, t + 8.5, 25.0, t + 1.5, t + 7.0, t + 8.6), out)
    hug = RockingCandidate(30.0, 40.0, 30.5, 39.5, 30.0,
                           [(31.0 + 3 * k, 34.0 + 3 * k, 34.1 + 3 * k) for k in range(3)])
    builder.on_rocking(hug, out)
    for i in range(5):
        t = 44.0 + 13.0 * i
        builder.on_rep(RepCandidate(t, t + 8.5, 25.0, t + 1.5, t + 7.0, t + 8.6), out)
    builder.close(out)
    assert [(s["exercise"], len(s["reps"])) for s in builder.sets] == [
        ("knee_to_chest", 3), ("hip_bridge", 5)]


@pytest.mark.parametrize("peaks, sets", [
    # a fidget, the first bridge, a fidget, then the bridges (person 18221)
    ([7.0, 28.4, 8.2, 33.8, 30.5, 31.0, 29.5], [5]),
    # settling moves of 2 deg, the first tilt, one more, then the tilts (person 17018)
    ([2.1, 2.1, 7.2, 2.2, 4.9, 4.1, 4.6, 5.0, 5.6], [6]),
])
def test_the_first_rep_of_a_larger_set_past_a_fidget_starts_it(peaks, sets):
    """Simulated persons 18221 and 17018: a much larger rep starts a new set with the
    reps just before it like it, but only the run of them right before it. A fidget
    after the set's first rep left that rep behind with the smaller moves: a false
    set of three and one tilt lost (17018), one bridge lost (18221)."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for i, peak in enumerate(peaks):
        t = 5.0 + 6.0 * i
        builder.on_rep(RepCandidate(t, t + 3.0, peak, t + 1.0, t + 2.0, t + 3.1), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == sets


@pytest.mark.parametrize("last_s, counted", [
    (1.0, 6),       # a twitch 13 s after the set, over in 1 s: not a rep
    (2.3, 7),       # a rep as long as the others after a long pause: the last rep
])
def test_a_twitch_apart_from_the_set_is_not_its_last_rep(last_s, counted):
    """Simulated persons 9009 and 16003: a move 13-14 s after a set of tilts, within
    the 15 s that keep a set going, over in half the time the tilts take: it was
    counted as the set's last tilt."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for i in range(6):
        t = 5.0 + 4.0 * i
        builder.on_rep(RepCandidate(t, t + 2.3, 7.0, t + 0.9, t + 1.4, t + 2.4), out)
    t = 5.0 + 4.0 * 5 + 2.3 + 13.5
    builder.on_rep(RepCandidate(t, t + last_s, 7.0, t + 0.3, t + 0.4, t + last_s + 0.1), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == [counted]


def test_a_knee_hug_after_a_shift_is_not_read_as_a_held_rep(tmp_path):
    """Simulated person 19101 (restless): a shift of position before a knee hug, then
    after the hug settled back at the rest before the shift. Read against that rest
    with hindsight (reps held longer than the shift rule waits), the whole hug was a
    rep, and it and the bridges after it made a set of bridges."""
    rows = _evaluated(tmp_path, seed=19101, behaviour="restless")
    assert [(r.exercise, r.found_exercise, r.found_reps == r.truth_reps) for r in rows
            if r.exercise != "pelvic_tilt"] == [("knee_to_chest", "knee_to_chest", True),
                                                ("hip_bridge", "hip_bridge", True)]


def test_a_knee_hug_begun_from_a_restless_settle_keeps_its_live_circles():
    """Simulated person 24007: lay still 5 deg off the rest found, then pulled the knees
    up and rocked 8 circles, never pausing, then held still at the top before letting
    go. Still there, the rest moved to the settle (`_settled_in_dip`) and the hug was
    read again from it, but its rocking began anew: the first circle ran backwards
    (from the release to the first swing) and every circle was said to be found at
    the end, not when it was announced live."""
    frames = [(0.0, 0.0), (10.0, 0.0), (11.0, 5.0), (14.0, 5.0), (16.0, 25.0),
              (58.5, 25.0), (60.5, 5.0), (75.0, 5.0)]
    block = rocking_session(frames, rock_from_s=16.0, circles=8, period_s=5.0, swing_deg=4.0)
    events, result = _run(block, list(range(0, len(block), 10)))
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("knee_to_chest", 8)]
    circles = result["sets"][0]["reps"]
    assert all(c["start_s"] < c["end_s"] for c in circles), circles
    live = [e["detected_at_s"] for e in events
            if e["type"] == "rep_counted" and e["exercise"] == "knee_to_chest"]
    assert len(live) >= 6
    assert [c["detected_at_s"] for c in circles[:len(live)]] == [round(t, 3) for t in live]


@pytest.mark.parametrize("sideways, fade_s", [(True, 0.0), (False, 0.0), (True, 4.0)],
                         ids=["circling", "head to tail", "dying down"])
def test_a_knee_hugs_live_count_reaches_its_circles_before_the_release(sideways, fade_s):
    """Eight circles of 5 s, then 2.5 s held before letting go. The live counter begins
    once settled in the posture and missed the first swings: each count came 3-4 s
    after its circle and the eighth only with hindsight at the release, so a patient
    told "7" would rock once more. Now the count said is the one hindsight would give
    if the hug ended there: every circle is told while rocking, within its own
    circle (not before the one before it ended). The swings may die down over the last
    circle, too small for the live counter: hindsight is read every half second."""
    frames = [(0.0, 0.0), (10.0, 0.0), (12.0, 25.0), (54.5, 25.0), (56.5, 0.0), (70.0, 0.0)]
    block = rocking_session(frames, rock_from_s=12.0, circles=8, period_s=5.0, swing_deg=4.0,
                            sideways=sideways, fade_s=fade_s)
    events, result = _run(block, list(range(0, len(block), 10)))
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("knee_to_chest", 8)]
    told = {e["count"]: e["detected_at_s"] for e in events if e["type"] == "rep_counted"}
    assert sorted(told) == list(range(1, 9))
    assert told[8] <= 52.0 + 0.5                     # the eighth circle ends at 52 s
    assert all(told[k] > 12.0 + 5.0 * (k - 1) for k in range(3, 9)), told


def test_a_knee_hugs_live_count_has_the_circles_a_link_gap_hid():
    """Eight circles of 5 s rocking head to tail, the link lost for 8 s from the
    middle of the third. The live counter sees only the swings after the gap: it was
    a circle or two behind until the release, where the result's count came (link
    stress: 48% of hugs reached their count live). The circles the gap hid are told
    when the rocking is seen going on after it, by the pace either side, as the
    result counts them; never more than it."""
    frames = [(0.0, 0.0), (10.0, 0.0), (12.0, 25.0), (54.5, 25.0), (56.5, 0.0), (70.0, 0.0)]
    block = rocking_session(frames, rock_from_s=12.0, circles=8, period_s=5.0, swing_deg=4.0,
                            sideways=False)
    seen = (block.t_s < 24.5) | (block.t_s >= 32.5)
    block = SampleBlock(block.t_s[seen], block.acc_g[seen], block.gyro_dps[seen])
    events, result = _run(block, list(range(0, len(block), 10)))
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("knee_to_chest", 8)]
    told = {}
    for e in events:
        if e["type"] == "rep_counted" and e["exercise"] == "knee_to_chest":
            told.setdefault(e["count"], e["detected_at_s"])
    assert max(told) <= 8
    # The third circle, half seen before the gap, and the fourth, hidden, are told
    # as soon as the rocking is seen going on; the seventh within the eighth.
    assert told[4] <= 32.5 + 5.0
    assert told[7] <= 47.0 + 2.5


def test_a_short_knee_hug_a_gap_hid_the_middle_of_counts_at_its_pace_seen(tmp_path):
    """Simulated person 37213 (a short plan): three circles of ~3 s, the link lost for
    5 s from the end of the first. No whole circle was seen (two reversals before
    the gap, none after), so the hug had no pace and nothing was counted: no set.
    Half circles seen give the pace when whole ones are too few."""
    from sensorcoach.evaluate import evaluate_dir

    plan = (("hip_bridge", 3), ("pelvic_tilt", 5), ("knee_to_chest", 3))
    write_session(simulate(SimulationSettings(seed=37213, plan=plan)), tmp_path / "s.jsonl.gz")
    hug = next(r for r in evaluate_dir(tmp_path)["sets"] if r["exercise"] == "knee_to_chest")
    assert hug["in_gaps"] == 2 and hug["found_exercise"] == "knee_to_chest"
    assert hug["found"] == hug["truth"] == 3


@pytest.mark.parametrize("sideways", [True, False], ids=["circling", "head to tail"])
def test_a_knee_hug_left_by_sitting_up_counts(sideways):
    """Eight circles hugging the knees, then straight up to sitting (80 deg) without
    lowering the legs first. Beyond `posture_change_deg` what is in progress is
    dropped: the hug, whose circles had been counted out loud, was not in the
    result. It ends where they left it."""
    frames = [(0.0, 0.0), (10.0, 0.0), (12.0, 25.0), (54.5, 25.0), (57.0, 80.0), (70.0, 80.0)]
    block = rocking_session(frames, rock_from_s=12.0, circles=8, period_s=5.0, swing_deg=4.0,
                            sideways=sideways)
    result = _run(block, list(range(0, len(block), 10)))[1]
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("knee_to_chest", 8)]
    hug = result["sets"][0]
    assert 52.0 <= hug["end_s"] <= 55.5, hug["end_s"]
    assert _run(block, [])[1] == result


def test_a_knee_hug_circling_longer_than_max_excursion_counts_every_circle():
    """30 circles of 5 s (150 s in the posture): past `max_excursion_s` (120 s) the
    excursion was dropped as too long, with every circle counted out loud."""
    frames = [(0.0, 0.0), (10.0, 0.0), (12.0, 25.0), (164.5, 25.0), (166.5, 0.0), (180.0, 0.0)]
    block = rocking_session(frames, rock_from_s=12.0, circles=30, period_s=5.0, swing_deg=4.0)
    result = _run(block, [])[1]
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("knee_to_chest", 30)]


def test_the_first_circle_of_a_knee_hug_begins_before_it_ends():
    """Seeds 7020: rest moved to a settle before the hug at the top of its first swing,
    before the live counter had seen rocking (`_settled_in_dip`); the counter began
    anew after the swings that hindsight counts from. The first circle was placed from
    where the new counter began, after its own end."""
    frames = [(0.0, 0.0), (10.0, 0.0), (11.0, 5.0), (14.0, 5.0), (16.0, 25.0),
              (58.5, 25.0), (60.5, 5.0), (75.0, 5.0)]
    block = rocking_session(frames, rock_from_s=16.0, circles=8, period_s=5.0, swing_deg=4.0,
                            sideways=False)
    result = _run(block, [])[1]
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("knee_to_chest", 8)]
    circles = result["sets"][0]["reps"]
    assert all(c["start_s"] < c["end_s"] for c in circles), circles


@pytest.mark.parametrize("rest_deg, tilt_deg", [
    (3.5, 8.5),      # the first rest was taken while still settling (MEx person 20)
    (5.0, 13.0),     # a restless shift of 5 deg, then tilts of 8 deg about it
])
def test_tilts_about_a_rest_off_the_one_found_count_once_it_is_rested_in(rest_deg, tilt_deg):
    """After the first tilt the person comes back, not to the rest found before it, but
    to one `rest_deg` off (too far for the tilt to end), and rests there, still, 4.5 s
    between tilts held 3 s. Tilt-sized or not, the excursion never ended and all the
    tilts were one rep, or rocking. Once they have rested there and tilted as far
    again, that is rest: each tilt is a rep."""
    tilts, t = rep_keyframes(10.0, 6, tilt_deg, 1.0, 3.0, 1.0, 4.5, rest_deg=rest_deg)
    frames = [(0.0, 0.0), (10.0, 0.0)] + tilts + [(t + 10.0, rest_deg)]
    block = pitch_session(frames)
    _, result = _run(block, [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 6)]
    assert _run(block, list(range(0, len(block), 613)))[1] == result


def test_tilts_from_a_shift_held_still_count_from_it(tmp_path):
    """Simulated person 14016 (poor radio): the first rest was found while they still
    settled, then they lay still 3 deg off it for 5 s and began tilts of 7 deg from
    there, resting under a second between them. The excursion began by settling
    there: that was rest. Its first two tilts were one rep from the rest before."""
    tilts = _row(_evaluated(tmp_path, seed=14016, radio="poor", disconnects=3), "pelvic_tilt")
    assert (tilts.found_reps, tilts.found_exercise) == (tilts.truth_reps, "pelvic_tilt")


def test_a_tilt_from_a_shift_that_a_gap_cut_is_judged_from_the_shift():
    """Tilts of 8 deg, a restless shift of 4 deg held still 4 s, then a tilt from it
    that the link cut 0.8 s into its way up (as simulated person 19312): little of it
    was seen, so it counts from the set's rhythm only. Judged from the rest before the
    shift, the 4 s held there were its way up: most of it seen."""
    tilts, t = rep_keyframes(10.0, 4, 8.0, 1.0, 2.0, 1.0, 2.0)
    frames = [(0.0, 0.0), (10.0, 0.0)] + tilts + [(t + 0.5, 4.0), (t + 4.5, 4.0)]
    t += 4.5
    gap_from_s = t + 0.8
    tilts, t = rep_keyframes(t, 5, 12.0, 1.0, 2.0, 1.0, 2.0, rest_deg=4.0)
    frames += tilts + [(t + 10.0, 4.0)]
    block = pitch_session(frames)
    seen = (block.t_s < gap_from_s) | (block.t_s >= gap_from_s + 5.0)
    _, result = _run(block[seen], [])
    reps = [r for s in result["sets"] for r in s["reps"]]
    assert len(reps) == 9 and sum(1 for r in reps if r.get("hidden")) == 1
    assert not any(r["start_s"] < gap_from_s < r["end_s"] + 5.0
                   for r in reps if not r.get("hidden"))


@pytest.mark.parametrize("back_at_s, rest_end_s, counted", [
    (12.0, 16.5, 6),    # the two would make one bridge of 16 s, the set's last 7 s: two
    (8.0, 10.0, 5),     # ... of 9.5 s: one, held through the gap
])
def test_the_first_bridge_a_gap_cut_waits_for_the_next_to_tell_one_from_two(
        back_at_s, rest_end_s, counted):
    """All-hard simulated person 20012: the link dropped in the hold of a set's first
    bridge and came back in the hold of the second. With no rep yet to tell how long
    the set's last, the two parts were taken for one bridge held through the gap; the
    next bridge tells."""
    from sensorcoach.detect.sets import SetBuilder

    def bridge(start_s, end_s, unseen_s=0.0, cut_open=False):
        rep = _rep_turning(start_s, 22.0, TILT_WAY)
        rep.end_s, rep.unseen_s, rep.cut_open = end_s, unseen_s, cut_open
        rep.hold_start_s, rep.hold_end_s = start_s + 1.2, end_s - 1.2
        rep.detected_at_s = end_s + 0.1
        return rep

    builder, out = SetBuilder(DetectorSettings()), []
    gap_from_s = 5.5
    cut = bridge(0.5, gap_from_s, back_at_s - gap_from_s, cut_open=True)
    cut.hold_end_s = gap_from_s                         # still held as the gap began
    builder.on_rep(cut, out)
    builder.on_gap(back_at_s, back_at_s - gap_from_s)
    rest = bridge(back_at_s, rest_end_s, back_at_s - gap_from_s)
    rest.hold_start_s = back_at_s                       # still held as data came back
    builder.on_rep(rest, out)
    for i in range(4):                                  # 7 s bridges, 2 s between
        start_s = rest_end_s + 2.0 + 9.0 * i
        builder.on_rep(bridge(start_s, start_s + 7.0), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == [counted]


@pytest.mark.parametrize("before, sets", [
    ([1.8, 2.6, 2.4], [8]),             # settling moves after a knee hug: not a set
    ([1.8, 2.6, 2.4, 2.2], [4, 8]),     # more than a set's fewest: a set of small tilts
    ([4.0, 4.4, 4.2], [3, 8]),          # not much smaller than the tilts after them
])
def test_a_few_much_smaller_moves_just_before_a_set_are_not_a_set(before, sets):
    """Front-mounted, restless simulated person 21130: after a knee hug, three moves of
    2-2.6 deg (settling), then 4 s later tilts of 7-11 deg. The much larger tilts
    began a set of their own, and the three made a set too."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    peaks = before + [10.9, 9.3, 8.4, 7.4, 7.8, 7.0, 7.8, 7.0]
    start = 2.0
    for i, peak in enumerate(peaks):
        start += 6.0 if i == len(before) else 3.0
        builder.on_rep(RepCandidate(start, start + 2.0, peak, start + 0.8, start + 1.2,
                                    start + 2.1), out)
    builder.close(out)
    assert [len(s["reps"]) for s in builder.sets] == sets


@pytest.mark.parametrize("shaken", [False, True])
def test_a_rep_before_lying_down_is_not_the_start_of_the_set_after(shaken):
    """25 Hz simulated person 16002: a tilt-like move while still standing, then lying
    down (shaking the sensor on the way, `shaken`), then tilts 14 s after that move:
    it was counted as the set's first tilt. Another posture came between."""
    tilts, t = rep_keyframes(12.0, 6, 8.0, 1.0, 1.0, 1.0, 2.0)
    frames = ([(0.0, 80.0), (2.0, 80.0), (3.0, 88.0), (4.0, 80.0), (5.0, 80.0), (7.0, 0.0),
               (12.0, 0.0)] + tilts + [(t + 10.0, 0.0)])
    block = pitch_session(frames)
    if shaken:
        shake = (block.t_s >= 4.5) & (block.t_s < 7.0)
        block.acc_g[shake] += np.random.default_rng(1).normal(0.0, 0.4, (shake.sum(), 3))
    _, result = _run(block, [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 6)]
    assert result["sets"][0]["start_s"] > 12.0


@pytest.mark.parametrize("tilt_rises_cm, sets", [
    ([-0.4] * 7, [("hip_bridge", 6), ("pelvic_tilt", 7)]),
    # one "tilt" raised the sensor like a bridge: the runs do not separate, one set
    # (a bridge set by the median rise)
    ([-0.4, -0.4, 4.0, -0.4, -0.4, -0.4, -0.4], [("hip_bridge", 13)]),
])
def test_tilts_soon_after_bridges_of_under_twice_their_size_are_their_own_set(
        tilt_rises_cm, sets):
    """Simulated person 22023: six bridges of ~29 deg that raised the hip sensor 7.5-10
    cm, then 13 s later seven tilts of 12-17 deg that did not raise it. Too near in
    size (2.1 times) for the rule on sets that change exercise, they were one set of
    13 pelvic tilts. How high the sensor went tells them apart."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    reps = [(29.0, 8.0, 9.0)] * 6 + [(13.7, rise, 4.6) for rise in tilt_rises_cm]
    start = 0.0
    for i, (peak, rise, duration) in enumerate(reps):
        start += 13.0 if i == 6 else 12.0
        rep = RepCandidate(start, start + duration, peak, start + 1.0, start + duration - 1.0,
                           start + duration + 0.1)
        rep.rise_cm = rise
        builder.on_rep(rep, out)
    builder.close(out)
    assert [(s["exercise"], len(s["reps"])) for s in builder.sets] == sets


def _sets_of(reps_peak_rise_s, pause_after=None):
    """SetBuilder's sets from reps given as (peak_deg, rise_cm, duration_s), one every
    12 s (13 s where `pause_after` says: after that many)."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    start = 0.0
    for i, (peak, rise, duration) in enumerate(reps_peak_rise_s):
        start += 13.0 if pause_after and i in pause_after else 12.0
        rep = RepCandidate(start, start + duration, peak, start + 1.0, start + duration - 1.0,
                           start + duration + 0.1)
        rep.rise_cm = rise
        builder.on_rep(rep, out)
    builder.close(out)
    return [(s["exercise"], len(s["reps"])) for s in builder.sets]


#: Simulated restless person 24013's tilts: 12.8-21.2 deg (median 17.1), none raising
#: the hip sensor.
LARGE_TILTS = [(13.9, -2.3, 5.0), (17.9, -0.3, 4.0), (16.3, -1.2, 4.0), (20.6, -1.2, 4.0),
               (19.2, -0.4, 4.0), (19.7, -0.4, 4.0), (21.2, -0.8, 4.0), (14.8, -0.4, 4.0),
               (12.8, -0.2, 4.0), (15.2, -0.6, 4.0)]


def test_bridges_large_tilts_and_bridges_read_as_one_set_are_three():
    """Simulated restless person 24013: six bridges of ~30 deg raising the hip sensor
    3-6 cm, 13 s later ten tilts of 17 deg (typical) raising it not at all, 14 s later
    six bridges again: one set of 22 bridges. The turns are too near to split by size
    and the rise changed twice (the rule took one change only), and the tilts' typical
    turn just passed the 17 deg that makes a bridge, though none of them rose."""
    bridges = [(30.0, 4.5, 10.0)] * 6
    assert _sets_of(bridges + LARGE_TILTS + bridges, pause_after={6, 16}) == [
        ("hip_bridge", 6), ("pelvic_tilt", 10), ("hip_bridge", 6)]


@pytest.mark.parametrize("reps, sets", [
    # tilts of 17 deg typical of which one rose by 1 cm: bridges (no sure sign)
    ([(p, 1.0 if i == 4 else r, d) for i, (p, r, d) in enumerate(LARGE_TILTS)],
     [("hip_bridge", 10)]),
    # bridges of 23 deg that did not rise (a thigh sensor's scattered reading) are bridges
    ([(23.0, -0.5, 8.0)] * 6, [("hip_bridge", 6)]),
    # simulated 18111 (no gyroscope): 4 of 20 tilts of 11 deg in the middle read as
    # raised 3-5 cm after the rest drifted: one set of tilts, not tilts, bridges, tilts
    ([(11.0, -0.4, 2.5)] * 10 + [(11.0, 4.5, 4.5)] * 4 + [(11.0, -0.4, 2.5)] * 6,
     [("pelvic_tilt", 20)]),
])
def test_only_a_clear_rise_change_or_no_rise_at_all_tells_tilts_from_bridges(reps, sets):
    assert _sets_of(reps) == sets


def test_a_last_tilt_from_a_shift_counts_when_clear_of_noise_if_not_of_twice_the_threshold():
    """Simulated person 13030: tilts of 8 deg (the start threshold 35% of them, 2.9 deg),
    then a restless shift of 4 deg held still, and one more tilt of 4.8 deg from it.
    Asked to rise twice the start threshold (5.8 deg) above that rest, it was lost.
    Twice the noise floor (3.6 deg) and a rep by the set's measure is enough."""
    tilts, t = rep_keyframes(10.0, 6, 8.0, 1.0, 1.5, 1.0, 2.0)
    frames = [(0.0, 0.0), (10.0, 0.0)] + tilts + [(t + 0.5, 4.0), (t + 4.5, 4.0)]
    last, t = rep_keyframes(t + 4.5, 1, 8.8, 1.0, 2.0, 1.0, 12.0, rest_deg=4.0)
    frames += last + [(t + 5.0, 4.0)]
    _, result = _run(pitch_session(frames), [])
    assert [(s["exercise"], len(s["reps"])) for s in result["sets"]] == [("pelvic_tilt", 7)]


def test_a_set_of_bridges_tilts_and_bridges_is_three_sets():
    """`_split_by_exercise` splits again each part it split off: bridges of 28 deg,
    tilts of 10, bridges again (reps read into one set, as after link gaps)."""
    from sensorcoach.detect.excursions import RepCandidate
    from sensorcoach.detect.exercise import split_by_exercise

    peaks = [28.0] * 4 + [10.0] * 10 + [28.0] * 4
    reps = [RepCandidate(5.0 * i, 5.0 * i + 4.0, p, 5.0 * i + 1.0, 5.0 * i + 3.0, 5.0 * i + 4.1)
            for i, p in enumerate(peaks)]
    assert [len(part) for part in split_by_exercise(reps, DetectorSettings())] == [4, 10, 4]


@pytest.mark.parametrize("moves, tilts", [
    (((70.0, 1.9), (76.0, 8.5)), 10),   # 3 s before the first bridge, 23 s after the tilts
    (((52.0, 1.9), (58.0, 8.5)), 11),   # 5 s after the last tilt: the end of it (the
                                        # 1.9 deg one a twitch, under 45% of its tilts)
    (((62.5, 6.0), (76.0, 6.4)), 11),   # one nearer the tilts (their end), one 4 s
                                        # before the bridges (not a rep: 24009)
])
def test_moves_on_the_way_into_bridges_are_not_the_end_of_the_tilts_before(moves, tilts):
    """Long-plan simulated person 24003: two tilt-like moves 18-26 s after a set of
    tilts and 3 s before a set of bridges were added to the tilts as their end,
    after a longer pause. Nearer the bridges and much smaller than them, they are
    neither; a move nearer the tilts is still their end."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for i in range(10):                                  # tilts of 9 deg every 5 s
        builder.on_rep(_rep_turning(5.0 * i, 9.0, TILT_WAY), out)
    for at_s, peak in moves:
        builder.on_rep(_rep_turning(at_s, peak, TILT_WAY), out)
    for i in range(6):                                   # bridges of 30 deg every 10 s
        builder.on_rep(_rep_turning(moves[-1][0] + 5.8 + 10.0 * i, 30.0, TILT_WAY), out)
    builder.close(out)
    assert [(s["exercise"], len(s["reps"])) for s in builder.sets] == [
        ("pelvic_tilt", tilts), ("hip_bridge", 6)]


@pytest.mark.parametrize("starts_s, gap, hidden", [
    # tilts every 5 s; a 6 s gap hid the one at 25 s entirely
    ([0, 5, 10, 15, 20, 30, 35, 40], (21.5, 27.5), [25.0]),
    # ... two, in a 10 s gap
    ([0, 5, 10, 15, 20, 35, 40, 45], (21.5, 32.0), [25.0, 30.0]),
    # early in a set: one pair seen before the gap is rhythm enough
    ([0, 5, 15], (6.5, 12.5), [10.0]),
    # one hidden, then 6.5 s resting in view before the next: that pause is no time
    # for reps (by the rhythm alone, two)
    ([0, 5, 10, 15, 20, 34, 39, 44], (21.5, 27.5), [25.0]),
    # a 10 s pause in view, no gap: nothing hidden
    ([0, 5, 10, 15, 20, 30, 35, 40], None, []),
    # a 2 s gap over the rest between two tilts: nothing hidden
    ([0, 5, 10, 15, 20, 25, 30, 35], (22.5, 24.5), []),
    # a 0.7 s gap inside a 10 s pause: too short to have hidden 40% of a 2 s tilt
    ([0, 5, 10, 15, 20, 30, 35, 40], (24.5, 25.2), []),
])
def test_reps_a_link_gap_hid_count_by_the_sets_rhythm(starts_s, gap, hidden):
    """The person did the reps the link did not carry: a physiotherapist watching would
    count them. Between two reps of a set, a gap hides as many as the set's rhythm
    puts there, if it was long enough to hide them; a pause in view hides none. The
    count told after the gap includes them."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for start_s in starts_s:
        if gap is not None and start_s > gap[1] and not any(
                e.get("gap_done") for e in out):
            builder.on_gap(gap[1], gap[1] - gap[0])
            out.append({"type": "marker", "gap_done": True})
        rep = _rep_turning(float(start_s), 8.0, TILT_WAY)
        builder.on_rep(rep, out)
    builder.close(out)
    reps = builder.sets[0]["reps"]
    assert len(builder.sets) == 1 and len(reps) == len(starts_s) + len(hidden)
    assert [r["start_s"] for r in reps if r.get("hidden")] == pytest.approx(hidden, abs=1.0)
    told = [e["count"] for e in out if e["type"] == "rep_counted"]
    assert told == sorted(set(told)) and told[-1] == len(reps)


def test_a_rep_under_way_when_data_came_back_began_before_the_gap_ended():
    """Link-stress simulated person 14017: tilts every 6.5 s, a 3.8 s gap, and a rep
    already under way when data came back (after a rest a little longer than usual).
    Its start is not where data came back: it began a rep's length before its end, and
    from there the rhythm puts no rep in the gap (from where data came back, one)."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for start_s in (0, 5, 10, 15, 20):
        builder.on_rep(_rep_turning(float(start_s), 8.0, TILT_WAY), out)
    builder.on_gap(27.8, 6.3)
    under_way = _rep_turning(27.0, 8.0, TILT_WAY)          # began at 27 s: 0.8 s unseen
    under_way.start_s, under_way.unseen_s = 27.8, 6.3
    builder.on_rep(under_way, out)
    for start_s in (33.5, 38.5, 43.5):
        builder.on_rep(_rep_turning(start_s, 8.0, TILT_WAY), out)
    builder.close(out)
    reps = builder.sets[0]["reps"]
    assert len(builder.sets) == 1 and len(reps) == 9
    assert not any(r.get("hidden") for r in reps)


@pytest.mark.parametrize("seed", [9011, 21004])
def test_tilts_a_gap_cut_count_when_like_the_sets_however_little_was_seen(tmp_path, seed):
    """Simulated persons 9011 and 21004: a tilt under way when data came back, only its
    way back to rest seen, was not counted (under half seen), nor did the rhythm put
    it in the gap: one too few. Like the set's tilts and over, it counts."""
    tilts = _row(_evaluated(tmp_path, seed=seed), "pelvic_tilt")
    assert tilts.in_gaps >= 1
    assert (tilts.found_reps, tilts.found_exercise) == (tilts.truth_reps, "pelvic_tilt")


@pytest.mark.parametrize("cut", ["start", "end"])
def test_a_rep_like_the_sets_that_a_gap_cut_counts_however_little_was_seen(cut):
    """Simulated persons 9011, 10019, 21004, 22114 and 25127 (among 13): a tilt or
    bridge a link gap cut, seen only for its way back to rest (or only for its way up,
    back at rest after the gap), was not counted, under half of it seen. Like the
    set's reps and over, the person did it: it counts (across the gap, as the reps a
    gap hid: its hold is not known), and the rhythm puts no other rep beside it."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for start_s in (0, 5, 10, 15, 20):
        builder.on_rep(_rep_turning(float(start_s), 8.0, TILT_WAY), out)
    part = _rep_turning(25.0, 8.0, TILT_WAY)              # 25-27 s, 0.6 s of it seen
    if cut == "start":                                     # data back at 26.4 s
        builder.on_gap(26.4, 4.0)
        part.start_s, part.unseen_s = 26.4, 4.0
        builder.on_rep(part, out)
    else:                                                  # link lost at 25.6 s
        builder.on_gap(29.6, 4.0)                          # told first, as data return
        part.end_s, part.unseen_s = 25.6, 4.0
        builder.on_rep(part, out)
    for start_s in (30, 35, 40):
        builder.on_rep(_rep_turning(float(start_s), 8.0, TILT_WAY), out)
    builder.close(out)
    reps = builder.sets[0]["reps"]
    assert len(builder.sets) == 1 and len(reps) == 9
    assert [r.get("hidden", False) for r in reps] == [False] * 5 + [True] + [False] * 3


def test_a_set_recounted_after_one_large_rep_keeps_the_reps_a_gap_hid():
    """Tilts every 5 s, a link gap hiding the one at 25 s, then one much larger tilt:
    the reps after it show it was one large rep of the set, and the set is counted out
    loud again. That count has the hidden tilt in it, as every other count told does
    (it left it out: the last tilt was told "10", then the set recounted to 9)."""
    from sensorcoach.detect.sets import SetBuilder

    builder, out = SetBuilder(DetectorSettings()), []
    for start_s in (0, 5, 10, 15, 20, 30, 35, 40, 45):
        if start_s == 30:
            builder.on_gap(27.5, 6.0)
        builder.on_rep(_rep_turning(float(start_s), 20.0 if start_s == 35 else 8.0, TILT_WAY), out)
    recounts = [e["count"] for e in out if e["type"] == "set_recounted"]
    told = [e["count"] for e in out if e["type"] == "rep_counted"]
    builder.close(out)
    assert len(builder.sets[0]["reps"]) == 10
    assert recounts and recounts[-1] == told[-1] == 10



def test_breathing_about_where_a_knee_hug_left_the_pelvis_is_no_rep(tmp_path):
    """Simulated person 27124: after a knee hug the pelvis lay 1.3 deg off the rest
    it had before, and breathing about it (0.6 deg either way, 19 a minute) crossed
    the start threshold three times: a set of three tilts. Rest is found anew there."""
    session = simulate(SimulationSettings(seed=27124, behaviour="restless", disconnects=2))
    path, _ = write_session(session, tmp_path / "s.jsonl.gz")
    assert [s["exercise"] for s in analyze(path)["sets"]] == [
        "pelvic_tilt", "knee_to_chest", "hip_bridge"]


@pytest.mark.parametrize("seed, conditions", [
    # the first bridge's lift seen, then the link dropped until it was down again: it
    # happened, like the bridges after it (and is no lone twitch for how little of it
    # was seen before the pause the gap made)
    (27106, dict(behaviour="restless", disconnects=2)),
    # ... and the lowering's last bit seen as data came back, a move of its own
    (27121, dict(behaviour="restless", disconnects=2)),
    # ... and the lowering seen after the gap: one bridge through it, both ends seen
    (14004, dict(radio="poor", disconnects=3)),
])
def test_a_sets_first_bridge_a_link_gap_cut_counts_when_seen_going_up(tmp_path, seed,
                                                                       conditions):
    rows = _evaluated(tmp_path, seed=seed, **conditions)
    bridges = _row(rows, "hip_bridge")
    assert (bridges.found_reps, bridges.found_exercise) == (bridges.truth_reps, "hip_bridge")


def _first_told_counts(path, exercise) -> list[int]:
    """The counts told live (in 0.2 s chunks) for `exercise`, in order."""
    analyzer, events = SessionAnalyzer(), []
    for block in open_source(path).blocks():
        for i in range(0, len(block), 20):
            events += analyzer.feed(block[i:i + 20])
    events += analyzer.finish()
    return [e["count"] for e in events if e["type"] == "rep_counted"
            and e["exercise"] == exercise]


def test_a_move_off_a_knee_hug_a_gap_cut_is_not_told_as_the_first_bridge():
    """Recording 26: leaving the knee hug, a move 74 deg off the bridges' way, then a
    link gap, then the bridges (within 4 deg of each other): it is no bridge, and
    the first bridge is told "1"."""
    assert _first_told_counts(Path("recordings/sim_26_random_f.jsonl.gz"), "hip_bridge")[:3] == [
        1, 2, 3]


def test_the_rhythm_that_counts_reps_in_a_gap_is_timed_from_reps_seen_whole(tmp_path):
    """Simulated person 10030: the first bridge was under way when data came back, so
    from its seen start to the next bridge's was 6.4 s, not the ~11 s period; with
    that rhythm the gap after the second bridge "hid" one, and the third was told 4."""
    session = simulate(SimulationSettings(seed=10030, gyro=False, sensor_quality="cheap",
                                          placement="back"))
    path, _ = write_session(session, tmp_path / "s.jsonl.gz")
    told = _first_told_counts(path, "hip_bridge")
    assert told[:2] == [2, 3]       # the first, mostly hidden, is counted with the second


def test_no_more_reps_hide_in_a_gap_than_fit_in_it_whole(tmp_path):
    """Simulated person 20101 paused 10 s between two bridges, a link gap of 5.1 s in
    the pause; the set's rhythm put one bridge there, but none of theirs (8.2 s
    between its edges) fits in so short a gap, let alone with a rest either side."""
    rows = _evaluated(tmp_path, seed=20101, odr_hz=50, placement="back")
    bridges = _row(rows, "hip_bridge")
    assert (bridges.found_reps, bridges.found_exercise) == (bridges.truth_reps, "hip_bridge")


def test_a_rep_from_a_rest_a_little_off_the_baseline_starts_where_it_left_that_rest():
    """As simulated person 47208 did: a small shift (2 deg, too small to re-baseline)
    in a pause, then tilts with short rests about it. The rest never came under the
    start edge of the reps (15% of 8 deg), so each rep was taken to start where the one
    before ended: as long as a rep and its rest, which put a hidden rep too many in a
    link gap after. A rep starts where it left the rest it rose from."""
    frames = [(0.0, 0.0), (10.0, 0.0)]
    before, t = rep_keyframes(10.0, 3, 8.0, 1.0, 1.0, 1.0, 1.5)
    frames += before + [(t + 4.0, 0.0), (t + 5.0, 2.0), (t + 8.0, 2.0)]
    first_s = t + 8.0
    after, t = rep_keyframes(first_s, 6, 8.0, 1.0, 1.0, 1.0, 1.2, rest_deg=2.0)
    frames += after + [(t + 5.0, 2.0)]
    result = _run(pitch_session(frames), [])[1]
    reps = [r for s in result["sets"] for r in s["reps"]]
    assert len(reps) == 9
    # Each rep's keyframes: top, top held, down, end of rest.
    left_rest_s = [first_s] + [after[i][0] for i in range(3, len(after) - 4, 4)]
    assert len(left_rest_s) == 6
    for rep, left_s in zip(reps[3:], left_rest_s):
        # The start edge (15% of the way up) is 0.15 s after it left rest.
        assert rep["start_s"] == pytest.approx(left_s + 0.15, abs=0.3)
