"""Plans (files and their errors) and matching detected sets to them."""

import pytest

from sensorcoach.cli import main
from sensorcoach.coach.match import match
from sensorcoach.coach.plan import DEFAULT_PLAN, load_plan
from sensorcoach.errors import FormatError


def _set(exercise, reps, holds=None, start=0.0, posture=None):
    out = {"exercise": exercise, "start_s": start, "end_s": start + 10,
           "reps": [{"start_s": start + i, "end_s": start + i + 1,
                     **({"hold_s": holds[i]} if holds else {})} for i in range(reps)]}
    if posture is not None:
        out["hold_s"] = posture
    return out


def test_the_leaflet_plan_is_the_default():
    plan = load_plan()
    assert [(s.exercise, s.reps) for s in plan.sets] == [
        ("pelvic_tilt", 20), ("knee_to_chest", 8), ("hip_bridge", 8)]
    assert plan.sets[2].hold_s == 5 and plan.sets[1].posture_s == 30
    assert plan.path == str(DEFAULT_PLAN)


@pytest.mark.parametrize("text, line, field, message", [
    ("[[set]]\nexercise = \"situps\"\nreps = 3\n", 2, "set[1].exercise", "must be one of"),
    ("[[set]]\nexercise = \"hip_bridge\"\nreps = 0\n", 3, "set[1].reps", "whole number"),
    ("[[set]]\nexercise = \"hip_bridge\"\nreps = 3\n[[set]]\nexercise = \"pelvic_tilt\"\n"
     "reps = 5\nhold_s = 4\n", 7, "set[2].hold_s", "for hip_bridge"),
    ("[[set]]\nexercise = \"hip_bridge\"\nreps = 3\nhold = 4\n", 4, "set[1].hold", "unknown key"),
    ("[[set]]\nexercise = \"hip_bridge\"\nreps = 3\nrest_s = \"long\"\n", 4, "set[1].rest_s",
     "seconds"),
    ("[plan]\nname = \"x\"\n", None, "set", "at least one"),
    ("[[set]\nexercise = 1\n", 1, None, "not valid TOML"),
])
def test_plan_errors_name_line_and_key(tmp_path, text, line, field, message):
    path = tmp_path / "plan.toml"
    path.write_text(text)
    with pytest.raises(FormatError) as err:
        load_plan(path)
    assert (err.value.line, err.value.field) == (line, field)
    assert message in str(err.value) and "plan.toml" in str(err.value)


def test_everything_as_planned():
    plan = load_plan()
    result = {"sets": [_set("pelvic_tilt", 20), _set("knee_to_chest", 8, posture=35.0),
                       _set("hip_bridge", 8, holds=[5.5] * 8)]}
    m = match(plan, result)
    assert [p.status for p in m.progress] == ["complete"] * 3
    assert m.adherence == 1.0 and m.in_plan_order and m.extra == []
    assert m.progress[1].posture_s == 35.0


def test_short_holds_are_attempts_that_say_how_short():
    plan = load_plan()
    m = match(plan, {"sets": [_set("hip_bridge", 4, holds=[5.2, 3.1, 6.0, 4.5])]})
    bridge = m.progress[2]
    assert bridge.counted == 2 and bridge.status == "incomplete"
    assert [a["short_by_s"] for a in bridge.attempts] == [1.9, 0.5]
    assert [p.status for p in m.progress[:2]] == ["skipped", "skipped"]


def test_extra_sets_other_order_and_split_sets():
    plan = load_plan()
    result = {"sets": [_set("hip_bridge", 8, holds=[6] * 8), _set("pelvic_tilt", 12),
                       _set("pelvic_tilt", 8), _set("pelvic_tilt", 5),
                       _set("knee_to_chest", 8, posture=30)]}
    m = match(plan, result)
    tilt = m.progress[0]
    assert tilt.counted == 20 and tilt.detected == [1, 2] and tilt.complete
    assert m.extra == [3]                 # the tilt set after the target was met
    assert not m.in_plan_order
    assert m.as_dict()["adherence"] == 1.0


def test_plan_check_command(tmp_path, capsys):
    assert main(["plan", str(DEFAULT_PLAN)]) == 0
    assert "hip_bridge" in capsys.readouterr().out
    bad = tmp_path / "p.toml"
    bad.write_text("[[set]]\nexercise = \"hip_bridge\"\nreps = -1\n")
    assert main(["plan", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "p.toml, line 3, field 'set[1].reps'" in err and "Traceback" not in err
