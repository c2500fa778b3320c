"""Analysis speed and streaming memory on a one-hour 100 Hz session (a benchmark, not a test).

    python benchmarks/bench_analyze.py [--recording PATH]

1. Time, as whole processes with interpreter start and imports (best of 3):
   `sensorcoach analyze PATH --json` against the floor script
   (floor_read_decode_filter.py: read, decode with numpy, one scipy filter pass).
   Target: analyze takes at most 2.5 times the floor.
2. Memory of streaming analysis fed in 1 s chunks: traced Python memory after 15, 30,
   45 and 60 minutes. Target: it does not grow with session length.

Without --recording it simulates a one-hour session once (cached in the temp folder).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LEAFLET = (("pelvic_tilt", 20), ("knee_to_chest", 6), ("hip_bridge", 8))


def one_hour_recording() -> Path:
    path = Path(tempfile.gettempdir()) / "sensorcoach-bench-hour.jsonl.gz"
    if not path.exists():
        from sensorcoach.simulate import SimulationSettings, simulate, write_session
        print("simulating a one-hour session (once; cached at", path, ") ...", flush=True)
        session = simulate(SimulationSettings(seed=99, plan=LEAFLET * 14, odr_hz=100, gyro=True,
                                              mtu=247, radio="typical", disconnects=0,
                                              walking=False))
        write_session(session, path)
    return path


def best_time(cmd: list[str], repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - start)
    return best


def streaming_memory(path: Path) -> list[tuple[float, float]]:
    from sensorcoach.detect import SessionAnalyzer
    from sensorcoach.source import open_source
    samples = open_source(path).read_all()
    rate = 100
    analyzer = SessionAnalyzer()
    marks = []
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for start in range(0, len(samples), rate):
        analyzer.feed(samples[start:start + rate])
        minute = (start + rate) / rate / 60
        if minute >= 15 * (len(marks) + 1):
            reps = sum(len(x["reps"]) for x in analyzer.sets.sets)
            marks.append((minute, (tracemalloc.get_traced_memory()[0] - base) / 1e6, reps))
    analyzer.finish()
    tracemalloc.stop()
    return marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recording", type=Path)
    args = parser.parse_args()
    path = args.recording or one_hour_recording()
    python = sys.executable
    floor = best_time([python, str(ROOT / "benchmarks" / "floor_read_decode_filter.py"), str(path)])
    full = best_time([python, "-m", "sensorcoach", "analyze", str(path), "--json"])
    from sensorcoach.info import describe
    info = describe(path)
    print(f"recording: {path} ({path.stat().st_size / 1e6:.1f} MB, {info['duration_s'] / 60:.1f} "
          f"min at {info['odr_hz']} Hz, {info['samples']} samples)")
    print(f"floor (read + numpy decode + one scipy filter): {floor:6.2f} s")
    print(f"sensorcoach analyze --json:                     {full:6.2f} s")
    print(f"ratio: {full / floor:.2f} (target <= 2.5)")
    print("streaming memory, fed in 1 s chunks (traced Python memory held by the analyzer);")
    print("what grows is the result itself, the reps found so far (~0.3 kB each):")
    for minute, mb, reps in streaming_memory(path):
        print(f"  after {minute:4.0f} min: {mb:7.2f} MB, {reps:4d} reps in the result")


if __name__ == "__main__":
    main()
