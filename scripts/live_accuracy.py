"""What a person hears live, against the result and the labels: one line per set.

    python scripts/live_accuracy.py [--cache DIR] [--only NAME ...] [--chunk N] [--mex DIR]

Each session of a set (the sets of `scripts/accuracy.py`, built into the same cache)
is fed to the analyzer `--chunk` samples at a time (default 20, 0.2 s at 100 Hz: a
few BLE notifications), and its events drive the live coach with silent cues, as
`sensorcoach live` does. Printed per set:

- told right: of the reps of every tilt and bridge set in the result (but those a
  link gap hid), the share first told live with the count and exercise they have
  there;
- last said: of those sets, the share whose last number said for their exercise,
  when the set ended, is their count in the result;
- hugs reached: of the labelled knee hugs, the share whose live count had reached the
  labelled circles by 1 s after the last circle ended (a patient told one short
  rocks once more);
- hugs over: of the knee hugs in the result, the share told a higher count live
  than the result has (a patient told "8" who did 7 stops one short);
- circle latency: median time from a labelled circle's end to its count being told.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from accuracy import add_set_arguments, build, chosen_sets  # noqa: E402  (same sets)

#: A labelled knee hug counts as reached if its last circle was told by this long
#: after the circle ended, s: the time to hear the number and stop.
REACHED_WITHIN_S = 1.0


def replay(path: Path, chunk: int) -> dict:
    """One session through the analyzer and the live coach: the tallies above."""
    from sensorcoach.coach.live import CoachState, Cues
    from sensorcoach.coach.plan import load_plan
    from sensorcoach.detect import SessionAnalyzer
    from sensorcoach.formats import read_labels
    from sensorcoach.source import open_source

    shutil.which = lambda name: None            # silent: no player, no speech program
    analyzer, state, cues = SessionAnalyzer(), CoachState(load_plan()), Cues(sound=False)
    events, last_said, hug_over = [], [], []
    said_in_hug = [0]
    said = {}                                   # exercise -> the last number said for it
    say_count = cues.rep
    cues.rep = lambda n: (said.__setitem__(state.exercise, n), say_count(n))

    def coach(batch, now_s):
        for event in batch:
            state.update([event], now_s, cues)
            events.append(event)
            if event["type"] == "rep_counted" and event["exercise"] == "knee_to_chest":
                said_in_hug[0] = max(said_in_hug[0], event["count"])
            if event["type"] == "set_ended" and event["set"]["exercise"] == "knee_to_chest":
                hug_over.append(said_in_hug[0] > len(event["set"]["reps"]))
                said_in_hug[0] = 0
            elif event["type"] == "set_ended":
                exercise = event["set"]["exercise"]
                last_said.append(said.pop(exercise, None) == len(event["set"]["reps"]))

    now_s = 0.0
    for block in open_source(path).blocks():
        for i in range(0, len(block), chunk):
            part = block[i:i + chunk]
            now_s = float(part.t_s[-1]) if len(part) else now_s
            coach(analyzer.feed(part), now_s)
    coach(analyzer.finish(), now_s)

    first_told = {}
    for e in events:
        if e["type"] == "rep_counted" and "rep" in e:
            first_told.setdefault(round(e["rep"]["start_s"], 3), (e["count"], e["exercise"]))
    # A rep a link gap hid is not told itself: the count told after the gap has it.
    told = [first_told.get(round(r["start_s"], 3)) == (k, s["exercise"])
            for s in analyzer.result()["sets"] if s["exercise"] != "knee_to_chest"
            for k, r in enumerate(s["reps"], start=1) if not r.get("hidden")]

    reached, latency = [], []
    labels_path = path.with_name(path.name.split(".")[0] + ".labels.json")
    circles_told = [(e["count"], e["detected_at_s"]) for e in events
                    if e["type"] == "rep_counted" and e["exercise"] == "knee_to_chest"]
    if labels_path.exists():
        for hug in read_labels(labels_path).sets:
            if hug.exercise != "knee_to_chest" or not hug.reps:
                continue
            ends = [r.end_s for r in hug.reps]
            mine = [(n, t) for n, t in circles_told if hug.start_s - 5.0 <= t <= hug.end_s + 10.0]
            reached.append(max([n for n, t in mine if t <= ends[-1] + REACHED_WITHIN_S] or [0])
                           >= len(ends))
            latency += [t - ends[n - 1] for n, t in mine if n <= len(ends)]
    return {"told": told, "last_said": last_said, "reached": reached, "latency": latency,
            "hug_over": hug_over}


def share(flags: list[bool]) -> str:
    return "-" if not flags else f"{100 * sum(flags) / len(flags):.1f}%"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_set_arguments(parser)
    parser.add_argument("--chunk", type=int, default=20, help="samples per feed (default 20)")
    args = parser.parse_args()
    if args.chunk < 1:
        print("error: --chunk: must be at least 1", file=sys.stderr)
        return 2
    chosen = chosen_sets(args)
    if chosen is None:
        return 2
    print(f"{'data':<36} {'reps':>5} {'told right':>10} {'sets':>4} {'last said':>9} "
          f"{'hugs':>4} {'reached':>8} {'hugs':>4} {'over':>6} {'circle latency':>14}")
    with ProcessPoolExecutor(max_workers=2) as pool:
        for name in chosen:
            directory = ROOT / "recordings" if name == "recordings" else build(
                name, args.cache, args.mex)
            paths = sorted(p for p in directory.iterdir()
                           if p.name.endswith((".jsonl.gz", ".jsonl", ".csv")))
            told, last_said, reached, latency, over = [], [], [], [], []
            for tally in pool.map(replay, paths, [args.chunk] * len(paths)):
                told += tally["told"]
                last_said += tally["last_said"]
                reached += tally["reached"]
                latency += tally["latency"]
                over += tally["hug_over"]
            latency.sort()
            median = f"{latency[len(latency) // 2]:+.2f} s" if latency else "-"
            print(f"{name:<36} {len(told):>5} {share(told):>10} {len(last_said):>4} "
                  f"{share(last_said):>9} {len(reached):>4} {share(reached):>8} "
                  f"{len(over):>4} {share(over):>6} {median:>14}",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
