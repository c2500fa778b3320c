"""Regenerate recordings/: the simulated sessions and the copied MEx sessions.

    python scripts/make_recordings.py [--mex ../shared/data/mex]

Deterministic: the same code writes the same bytes. Also writes recordings/README.md.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sensorcoach.formats import LabelRep, LabelSet, Labels, read_labels, write_labels  # noqa: E402
from sensorcoach.simulate import SimulationSettings, simulate, write_session  # noqa: E402

OUT = ROOT / "recordings"
LEAFLET = (("pelvic_tilt", 20), ("knee_to_chest", 6), ("hip_bridge", 8))
BASE = dict(sensor_quality="good", radio="typical", disconnects=0, walking=False,
            behaviour="calm", mount="clip", gyro=True, odr_hz=100, mtu=247)

#: name -> (what it covers, settings). Seeds differ so every session is another person.
SESSIONS = {
    "sim_01_standard": ("the leaflet's routine, right hip, 100 Hz, good sensor",
                        dict(BASE, placement="right_hip", plan=LEAFLET)),
    "sim_02_left_hip": ("left hip", dict(BASE, placement="left_hip", plan=LEAFLET)),
    "sim_03_front": ("sensor on the front of the pelvis", dict(BASE, placement="front")),
    "sim_04_back": ("sensor over the sacrum", dict(BASE, placement="back")),
    "sim_05_random_mount": ("any mount orientation", dict(BASE, mount="random",
                                                          placement="right_hip")),
    "sim_06_random_mount_acc_only": ("any orientation, accelerometer only",
                                     dict(BASE, mount="random", gyro=False, placement="left_hip")),
    "sim_07_25hz_acc_only": ("25 Hz, accelerometer only", dict(BASE, odr_hz=25, gyro=False,
                                                               placement="right_hip")),
    "sim_08_50hz": ("50 Hz", dict(BASE, odr_hz=50, placement="left_hip")),
    "sim_09_200hz_mtu23": ("200 Hz, minimum MTU: one sample per notification",
                           dict(BASE, odr_hz=200, mtu=23, placement="right_hip",
                                plan=(("pelvic_tilt", 12), ("hip_bridge", 5)))),
    "sim_10_cheap_sensor": ("cheap board: bias, scale error, 10-12 effective bits, RC clock drift",
                            dict(BASE, sensor_quality="cheap", placement="right_hip")),
    "sim_11_poor_radio": ("bursty packet loss and corrupt notifications",
                          dict(BASE, radio="poor", placement="left_hip")),
    "sim_12_disconnect": ("one link drop mid-session", dict(BASE, disconnects=1,
                                                            placement="right_hip")),
    "sim_13_two_drops_poor_radio": ("two drops and poor radio",
                                    dict(BASE, disconnects=2, radio="poor", placement="front")),
    "sim_14_restless": ("fidgets, partial reps, pauses, shifting position",
                        dict(BASE, behaviour="restless", placement="right_hip")),
    "sim_15_restless_walking": ("restless, walks on and off the mat",
                                dict(BASE, behaviour="restless", walking=True, placement="left_hip")),
    "sim_16_walking": ("walks to the mat, lies down, gets up and walks away",
                       dict(BASE, walking=True, placement="right_hip", plan=LEAFLET)),
    "sim_17_clock_wrap": ("sensor clock wraps past 2^32 us during the session",
                          dict(BASE, clock_start_us=2**32 - 60_000_000, placement="right_hip")),
    "sim_18_other_order": ("sets in another order",
                           dict(BASE, placement="left_hip",
                                plan=(("hip_bridge", 6), ("knee_to_chest", 5),
                                      ("pelvic_tilt", 15)))),
    "sim_19_skipped_set": ("knee-to-chest skipped",
                           dict(BASE, placement="right_hip",
                                plan=(("pelvic_tilt", 20), ("hip_bridge", 8)))),
    "sim_20_extra_set": ("an extra pelvic tilt set at the end",
                         dict(BASE, placement="back",
                              plan=LEAFLET + (("pelvic_tilt", 10),))),
    "sim_21_random_a": ("every condition drawn from the seed", dict()),
    "sim_22_random_b": ("every condition drawn from the seed", dict()),
    "sim_23_random_c": ("every condition drawn from the seed", dict()),
    "sim_24_random_d": ("every condition drawn from the seed", dict()),
    "sim_25_random_e": ("every condition drawn from the seed", dict()),
    "sim_26_random_f": ("every condition drawn from the seed", dict()),
}

MEX = {
    "s01_bridging": "hip_bridge", "s03_bridging": "hip_bridge", "s08_bridging": "hip_bridge",
    "s13_bridging": "hip_bridge",
    "s01_pelvic_tilt": "pelvic_tilt", "s03_pelvic_tilt": "pelvic_tilt",
    "s07_pelvic_tilt": "pelvic_tilt", "s12_pelvic_tilt": "pelvic_tilt",
}
MEX_ATTRIBUTION = ("MEx multi-modal exercise data set (Wijekoon, Wiratunga and Cooper, 2019), "
                   "thigh accelerometer; open access on IEEE DataPort and the UCI Machine "
                   "Learning Repository; CC BY 4.0")


def make_simulated() -> list[tuple[str, str, dict]]:
    rows = []
    for index, (name, (what, overrides)) in enumerate(SESSIONS.items(), start=1):
        session = simulate(SimulationSettings(seed=1000 + index, **overrides))
        write_session(session, OUT / f"{name}.jsonl.gz")
        rows.append((name, what, session))
    return rows


def mex_labels(entry: dict, exercise: str) -> Labels:
    holds = entry.get("hold", [])
    reps = []
    for start, end in entry["reps"]:
        inside = [h for h in holds if h[0] >= start - 1e-6 and h[1] <= end + 1e-6]
        hold = inside[0] if inside else (None, None)
        reps.append(LabelRep(start, end, hold[0], hold[1]))
    sets = (LabelSet(exercise, reps[0].start_s, reps[-1].end_s, tuple(reps)),) if reps else ()
    return Labels(sets, extra={"source": MEX_ATTRIBUTION, "sensor": "thigh, accelerometer only",
                               "confidence": entry["confidence"], "note": entry["note"]})


def copy_mex(mex_dir: Path) -> list[tuple[str, dict]]:
    labels = json.loads((mex_dir / "labels.json").read_text())["recordings"]
    rows = []
    for name, exercise in MEX.items():
        shutil.copyfile(mex_dir / f"{name}.csv", OUT / f"mex_{name}.csv")
        write_labels(OUT / f"mex_{name}.labels.json", mex_labels(labels[name], exercise))
        rows.append((name, labels[name]))
    return rows


README_HEAD = """# recordings/

Labelled sessions for tests, evaluation (`sensorcoach evaluate recordings/`) and the
demo. Every recording `NAME.jsonl.gz` (or `NAME.csv`) has its ground truth beside it in
`NAME.labels.json`. Formats: see the project README ("File formats").

Regenerate everything with `python scripts/make_recordings.py` (deterministic: the
same code writes the same bytes). Do not edit the files by hand.

## Simulated sessions (`sim_*`)

Written by `sensorcoach simulate` (scimu-v1 notifications exactly as a host would
receive them, plus labels). Each is a different simulated person (seed 1000 + number);
the ranges every person and condition is drawn from are documented in
`sensorcoach/simulate/` (person.py, imu.py, radio.py, routine.py). Labels follow the
rep definitions of the formats spec, section 5, and lie on the sample timeline.

| file | covers | rate | gyro | placement, mount | sensor | radio | drops | walking | behaviour | sets (reps) | length |
|---|---|---|---|---|---|---|---|---|---|---|---|
"""

README_MEX = """
## Real sessions (`mex_*`)

Copied unchanged from the MEx data set: {attribution}. Keep this attribution
wherever these files or data derived from them go. One person doing one exercise on a
mat; sensor on the **thigh** (not the hip), accelerometer only, 100 Hz nominal,
quantised to 1/64 g. Labels are hand labels made by eye from the signals (converted
from the data set's companion `labels.json`): reps with start and end, the held
part as `hold_start_s`/`hold_end_s`, plus the labeller's confidence and note. In
MEx pelvic tilt the person usually *holds* the tilt for several seconds and rests
briefly, so a rep there is "tilt, hold, release".

| file | exercise | reps | labeller's confidence |
|---|---|---|---|
"""


def write_readme(sim_rows, mex_rows) -> None:
    lines = [README_HEAD]
    for name, what, session in sim_rows:
        s = session.settings
        sets = ", ".join(f"{ls.exercise} ({len(ls.reps)})" for ls in session.labels.sets)
        length = session.truth["t_s"][-1]
        lines.append(
            f"| `{name}.jsonl.gz` | {what} | {s.odr_hz} Hz | {'yes' if s.gyro else 'no'} | "
            f"{s.placement}, {s.mount} | {s.sensor_quality} | {s.radio} | {s.disconnects} | "
            f"{'yes' if s.walking else 'no'} | {s.behaviour} | {sets} | {length:.0f} s |\n")
    lines.append(README_MEX.format(attribution=MEX_ATTRIBUTION))
    for name, entry in mex_rows:
        exercise = MEX[name]
        lines.append(f"| `mex_{name}.csv` | {exercise} | {len(entry['reps'])} | "
                     f"{entry['confidence']} |\n")
    (OUT / "README.md").write_text("".join(lines))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mex", type=Path, default=ROOT.parent / "shared" / "data" / "mex")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    sim_rows = make_simulated()
    mex_rows = copy_mex(args.mex)
    write_readme(sim_rows, mex_rows)
    for path in sorted(OUT.glob("*.labels.json")):
        read_labels(path)      # everything written reads back
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(sim_rows)} simulated and {len(mex_rows)} real sessions, "
          f"{total / 1e6:.1f} MB in {OUT}")


if __name__ == "__main__":
    main()
