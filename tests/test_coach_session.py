"""The coaching session: display and cues, report, history, and a session killed mid-way."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pytest
from rich.console import Console

from sensorcoach.cli import main
from sensorcoach.coach import history
from sensorcoach.coach.live import Cues
from sensorcoach.coach.match import match
from sensorcoach.coach.plan import load_plan
from sensorcoach.coach.session import run_replay
from sensorcoach.source import open_source

from helpers import pitch_session, rep_keyframes, write_sample_csv

RECORDING = Path(__file__).resolve().parent.parent / "recordings" / "sim_01_standard.jsonl.gz"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("SENSORCOACH_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


class Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.stack = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in ("meta", "br", "line", "rect", "polyline"):
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag in ("line", "rect", "polyline"):
            return
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}>"
        self.stack.pop()


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    os.environ["SENSORCOACH_DATA_DIR"] = str(out / "data")
    console = Console(record=True, width=100, force_terminal=False)
    cues = Cues(sound=False, speech=False)
    done = run_replay(str(RECORDING), load_plan(), fast=True, out_dir=out, console=console,
                      cues=cues)
    del os.environ["SENSORCOACH_DATA_DIR"]
    return done, console.export_text(), cues, out


def test_live_display_shows_exercise_counts_and_plan(session):
    _, screen, _, _ = session
    assert "Low back pain: home routine" in screen
    assert "Pelvic tilt" in screen and "Hip bridge" in screen
    assert "20    20      complete" in screen or "20   20" in screen
    assert "result:" in screen and "report:" in screen


def test_cues_count_reps_and_say_when_a_set_is_done(session):
    _, _, cues, _ = session
    said = cues.said
    numbers = [w for w in said if w.isdigit()]
    assert numbers[:20] == [str(i) for i in range(1, 21)]      # the pelvic tilts
    assert "set done" in said and "hold" in said
    assert cues.beeps == 0                 # sound switched off: no tones


def test_rep_tone_is_a_short_wav():
    import wave
    from sensorcoach.coach.live import tone_wav
    with wave.open(str(tone_wav())) as w:
        assert w.getframerate() == 22050 and 0.05 < w.getnframes() / 22050 < 0.2


def test_cues_beep_once_per_rep_when_sound_is_on(monkeypatch):
    import io
    from sensorcoach.coach.live import CoachState
    monkeypatch.setattr("shutil.which", lambda name: None)     # no player, no speech
    out = io.StringIO()
    cues = Cues(sound=True, speech=True, stream=out)
    state = CoachState(load_plan())
    state.update([{"type": "set_started", "exercise": "pelvic_tilt", "t_s": 0.0,
                   "detected_at_s": 0.0}]
                 + [{"type": "rep_counted", "exercise": "pelvic_tilt", "count": i,
                     "detected_at_s": float(i), "rep": {"start_s": i, "end_s": i + 1}}
                    for i in (1, 2, 3)], 3.0, cues)
    assert cues.beeps == 3 and out.getvalue() == "\a" * 3 and state.count == 3


def test_result_json_has_targets_and_status(session):
    done, _, _, _ = session
    result = json.loads(done["result_path"].read_text())
    assert result["format"] == "sensorcoach-result"
    assert result["plan"]["name"] == "Low back pain: home routine"
    statuses = [s["status"] for s in result["plan"]["sets"]]
    assert statuses[0] == "complete"
    tilt = result["sets"][0]
    assert tilt["target_reps"] == 20 and tilt["status"] == "complete"
    bridge = next(s for s in result["sets"] if s["exercise"] == "hip_bridge")
    assert bridge["hold_target_s"] == 5.0


def test_report_is_a_valid_page_with_both_plots(session):
    done, _, _, _ = session
    page = done["report_path"].read_text()
    parser = Tags()
    parser.feed(page)
    assert parser.stack == []
    assert parser.tags.count("svg") == 2 and "polyline" in parser.tags and "table" in parser.tags
    assert "<script" not in page and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    assert "adherence" in page


def test_bridges_held_short_are_attempts_with_shortfall(tmp_path):
    plan_path = tmp_path / "plan.toml"
    plan_path.write_text('[[set]]\nexercise = "hip_bridge"\nreps = 8\nhold_s = 60\n')
    result = {"sets": [{"exercise": "hip_bridge", "start_s": 0, "end_s": 9,
                        "reps": [{"start_s": 0, "end_s": 9, "hold_s": 5.0}]}]}
    m = match(load_plan(plan_path), result)
    assert m.progress[0].attempts[0]["short_by_s"] == 55.0


def test_history_survives_restarts_and_shows_trends(data_dir, capsys):
    plan = load_plan()
    day = datetime.now(timezone.utc) - timedelta(days=3)
    for i, reps in enumerate((10, 20)):
        result = {"duration_s": 100.0, "sets": [
            {"exercise": "pelvic_tilt", "start_s": 0, "end_s": 50,
             "reps": [{"start_s": j, "end_s": j + 1} for j in range(reps)]}]}
        history.record(result, match(plan, result), plan.name, "test", None,
                       started_at=day + timedelta(days=i))
    # A new process would open the same file: read it back through the command.
    assert main(["history", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["pelvic_tilt"] for r in rows] == [10, 20]
    assert main(["history"]) == 0
    assert "trend: adherence up" in capsys.readouterr().out
    assert (data_dir / "history.sqlite3").exists()


def test_demo_fast_writes_the_report_and_says_where(data_dir, tmp_path, capsys):
    assert main(["demo", "--fast", "--no-sound", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "report:" in out and (tmp_path / "o" / "sim_01_standard.report.html").exists()


@pytest.mark.skipif(shutil.which("dbus-daemon") is None and not os.environ.get("CI"),
                    reason="dbus-daemon not installed")
@contextmanager
def virtual_sensor(replay: Path, tmp_path: Path):
    """A virtual sensor streaming `replay` on its own fake BlueZ; yields the
    environment a `sensorcoach` process needs to reach it."""
    env = dict(os.environ, SENSORCOACH_DATA_DIR=str(tmp_path / "data"))
    server = subprocess.Popen([sys.executable, "-m", "sensorcoach", "virtual-sensor", "--replay",
                               str(replay)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        first = server.stdout.readline()
        env["DBUS_SYSTEM_BUS_ADDRESS"] = first.split("=", 1)[1].strip().strip("'")
        yield env
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=20)


def test_a_live_session_killed_mid_way_loses_nothing_recorded(tmp_path):
    with virtual_sensor(RECORDING, tmp_path) as env:
        out = tmp_path / "sessions"
        coach = subprocess.Popen([sys.executable, "-m", "sensorcoach", "live", "--no-sound",
                                  "--out", str(out)], env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not list(out.glob("session-*.jsonl.gz")):
            time.sleep(0.2)
        time.sleep(4.0)
        coach.kill()                               # no chance to clean up
        coach.wait(timeout=10)
        [recording] = list(out.glob("session-*.jsonl.gz"))
        source = open_source(recording)
        block = source.read_all()
        # Flushed at least once a second: at most the last second is missing.
        assert block.t_s[-1] > 2.0 and len(block) > 200


def test_a_live_session_shows_the_set_that_was_still_open_when_it_ended(tmp_path):
    """Three bridges, and the session ends 5 s after the last: only the analysis's
    finish() closes that set. Its end is shown on the live display, as it is heard,
    before the summary (the display used to close first)."""
    frames = [(0.0, 0.0), (5.0, 0.0)]
    t = 5.0
    for _ in range(3):
        frames += [(t + 1.0, 25.0), (t + 4.0, 25.0), (t + 5.0, 0.0), (t + 7.0, 0.0)]
        t += 7.0
    frames.append((t + 3.0, 0.0))
    csv = tmp_path / "three_bridges.csv"
    write_sample_csv(csv, pitch_session(frames))
    with virtual_sensor(csv, tmp_path) as env:
        coach = subprocess.run([sys.executable, "-m", "sensorcoach", "live", "--no-sound",
                                "--duration", str(t + 5.0), "--out", str(tmp_path / "out")],
                               env=env, capture_output=True, text=True, timeout=120)
        assert coach.returncode == 0, coach.stderr
        display = coach.stdout.split("recording: ", 1)[0]
        assert "Hip bridge: 3 reps" in display, display


@pytest.mark.skipif(shutil.which("chromium") is None and not os.environ.get("CI"),
                    reason="chromium not installed (.ci/run installs it)")
def test_report_opens_in_a_browser_without_errors(session, tmp_path):
    done, _, _, _ = session
    run = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr",
         "--v=0", "--dump-dom", done["report_path"].as_uri()],
        capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.count("<svg") == 2 and "Hip bridge" in run.stdout
    # Nothing on the page's console (no script errors, no failed loads).
    assert "CONSOLE" not in run.stderr, run.stderr[-2000:]


def test_display_shows_the_knee_hug_timer_against_its_target():
    from sensorcoach.coach.live import CoachState, render
    state = CoachState(load_plan())
    state.update([{"type": "set_started", "exercise": "knee_to_chest", "t_s": 100.0,
                   "detected_at_s": 100.0}], 112.0)
    console = Console(record=True, width=100, force_terminal=False)
    console.print(render(state))
    screen = console.export_text()
    assert "Knee-to-chest" in screen and "in the posture 12 / 30 s" in screen


@pytest.mark.parametrize("discarded, shown", [
    ({"type": "set_discarded", "t_s": 14.0, "reps": 2}, None),
    ({"type": "set_discarded", "t_s": 14.0, "reps": 3, "exercise": "knee_to_chest"},
     "pelvic_tilt"),
])
def test_display_goes_back_to_waiting_when_the_reps_counted_were_not_a_set(discarded, shown):
    """Two tilts counted out loud, then the set builder finds them too few to be a
    set: the display kept showing "Pelvic tilt 2" until the next set began. A knee
    hug taken back (named) leaves the tilts being counted alone."""
    from sensorcoach.coach.live import CoachState, render
    state = CoachState(load_plan())
    state.update([{"type": "set_started", "exercise": "pelvic_tilt", "t_s": 5.0,
                   "detected_at_s": 8.0}]
                 + [{"type": "rep_counted", "exercise": "pelvic_tilt", "count": i,
                     "detected_at_s": 4.0 + 4.0 * i} for i in (1, 2)], 13.0)
    state.update([discarded], 14.0)
    assert state.exercise == shown
    console = Console(record=True, width=100, force_terminal=False)
    console.print(render(state))
    assert ("waiting for the next exercise" in console.export_text()) == (shown is None)


def test_a_knee_hug_counted_to_the_end_with_hindsight_is_told_its_last_circle(monkeypatch):
    """The last circle of a knee hug is told from the release, so the live count often
    stops one short (7 of the plan's 8) and the person would rock once more: the
    set's end says the count it found, and that the set is done."""
    from sensorcoach.coach.live import CoachState
    monkeypatch.setattr("shutil.which", lambda name: None)
    cues = Cues(sound=False, speech=True)
    state = CoachState(load_plan())
    circles = [{"start_s": 10.0 + 5 * k, "end_s": 15.0 + 5 * k} for k in range(8)]
    state.update([{"type": "set_started", "exercise": "knee_to_chest", "t_s": 10.0,
                   "detected_at_s": 20.0}]
                 + [{"type": "rep_counted", "exercise": "knee_to_chest", "count": i,
                     "detected_at_s": 15.0 + 5 * i} for i in range(1, 8)], 50.0, cues)
    ended = {"exercise": "knee_to_chest", "start_s": 10.0, "end_s": 51.0, "hold_s": 40.0,
             "reps": circles}
    state.update([{"type": "set_ended", "t_s": 51.0, "set": ended}], 51.0, cues)
    assert cues.said[-2:] == ["8", "set done"]
    state.update([{"type": "set_ended", "t_s": 51.0, "set": dict(ended, exercise="pelvic_tilt")}],
                 52.0, cues)
    assert cues.said[-2:] == ["8", "set done"]          # no set was being counted


def _spoken(block):
    """Numbers said coaching through `block` fed in 10-sample chunks, and the result."""
    from sensorcoach.coach.live import CoachState
    from sensorcoach.detect import SessionAnalyzer
    analyzer, state, cues = SessionAnalyzer(), CoachState(load_plan()), Cues(sound=False)
    for i in range(0, len(block), 10):
        part = block[i:i + 10]
        state.update(analyzer.feed(part), float(part.t_s[-1]), cues)
    state.update(analyzer.finish(), float(block.t_s[-1]), cues)
    return [w for w in cues.said if w.isdigit()], analyzer.result(), state


@pytest.mark.parametrize("tilts, said", [
    (2, ["1", "2", "1", "2", "3", "4", "5", "6"]),         # too few tilts to be a set
    (5, ["1", "2", "3", "4", "5", "1", "2", "3", "4", "5", "6"]),
])
def test_bridges_after_tilts_are_counted_from_one_once(monkeypatch, tilts, said):
    """Tilts, then six bridges 2 s later. The bridges were counted on as tilts ("6, 7,
    8") until enough of them showed a new set, then told again from "1" while the
    person held the fourth; after two tilts (too few to be a set) "1" and "2" were
    said twice. Each bridge is now told once, as its set's count, from the first."""
    monkeypatch.setattr("shutil.which", lambda name: None)
    small, t = rep_keyframes(10.0, tilts, 8.0, 1.0, 1.5, 1.0, 3.0)
    bridges, end = rep_keyframes(t + 2.0, 6, 25.0, 2.0, 4.0, 1.5, 4.0)
    spoken, result, _ = _spoken(pitch_session([(0.0, 0.0), (10.0, 0.0)] + small
                                              + [(t + 2.0, 0.0)] + bridges + [(end + 10.0, 0.0)]))
    assert spoken == said
    assert [(x["exercise"], len(x["reps"])) for x in result["sets"]][-1] == ("hip_bridge", 6)


def test_one_large_tilt_in_a_set_counts_on(monkeypatch):
    """Eight tilts of 6 deg, one of 15 (much larger: a new set may begin with it), four
    more of 6: one set of 13. Counted on while the reps after it tell, as it is a
    tilt too (a bridge-sized move is told as a new set meanwhile, as bridges after
    tilts are)."""
    monkeypatch.setattr("shutil.which", lambda name: None)
    frames, t = [(0.0, 0.0), (10.0, 0.0)], 10.0
    for count, deg in ((8, 6.0), (1, 15.0), (4, 6.0)):
        more, t = rep_keyframes(t, count, deg, 1.0, 1.5, 1.0, 3.0)
        frames += more
    spoken, result, state = _spoken(pitch_session(frames + [(t + 10.0, 0.0)]))
    assert [(x["exercise"], len(x["reps"])) for x in result["sets"]] == [("pelvic_tilt", 13)]
    assert spoken == [str(k) for k in range(1, 14)]


def test_the_report_says_which_reps_were_counted_across_a_link_gap():
    """A physiotherapist reading the report sees how many reps came from the set's
    rhythm, not from the sensor, and their holds are not drawn as measured."""
    from sensorcoach.coach.report import render_html

    reps = [{"start_s": 10.0 * i, "end_s": 10.0 * i + 8.0, "hold_s": 5.5} for i in range(4)]
    reps[2]["hidden"] = True
    result = {"duration_s": 60.0, "sets": [{"exercise": "hip_bridge", "start_s": 0.0,
                                            "end_s": 38.0, "reps": reps}]}
    plan = load_plan()
    page = render_html(result, match(plan, result), plan, [(0.0, 0.0), (60.0, 0.0)], "test")
    assert "(1 across link gaps)" in page
    assert page.count("counted across a link gap</title>") == 1
    assert page.count("<title>hold 5.5 s</title>") == 3
