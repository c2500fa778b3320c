"""Decode throughput on a one-hour 100 Hz scimu-v1 recording (a benchmark, not a test).

    python benchmarks/bench_decode.py [--minutes 60] [--odr-hz 100] [--spp 6]

Prints samples per second for (1) decoding notifications already in memory, in one
batch and in live-sized batches, and (2) replaying the recording file from disk
(read, parse JSON lines, unhex, decode). Target: decoding at least 2 million samples
per second on one core.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sensorcoach.decoders.scimu import ScimuDecoder, encode_packet  # noqa: E402
from sensorcoach.formats import RecordingWriter, make_header  # noqa: E402
from sensorcoach.source import open_source  # noqa: E402


def build(minutes: float, odr_hz: int, spp: int):
    rng = np.random.default_rng(0)
    n_packets = int(minutes * 60 * odr_hz / spp)
    acc = rng.integers(-4096, 4096, (n_packets, spp, 3))
    gyro = rng.integers(-2000, 2000, (n_packets, spp, 3))
    period_us = 1e6 / odr_hz
    packets = [encode_packet(i, int(i * spp * period_us) % 2**32, acc[i], gyro[i])
               for i in range(n_packets)]
    times = np.arange(n_packets) * spp / odr_hz + 0.02
    return times, packets


def best_of(repeats: int, fn) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--odr-hz", type=int, default=100)
    parser.add_argument("--spp", type=int, default=6)
    args = parser.parse_args()
    config = {"odr_hz": args.odr_hz, "acc_range_g": 8, "gyro_range_dps": 1000,
              "samples_per_packet": args.spp}
    times, packets = build(args.minutes, args.odr_hz, args.spp)
    samples = len(packets) * args.spp
    print(f"{args.minutes:g} min at {args.odr_hz} Hz, {args.spp} samples/packet: "
          f"{len(packets)} notifications, {samples} samples")

    def one_batch():
        ScimuDecoder(config).decode(packets, times)

    def live_batches(size):
        def run():
            d = ScimuDecoder(config)
            for i in range(0, len(packets), size):
                d.decode(packets[i:i + size], times[i:i + size])
        return run

    for label, fn in [("decode, one batch", one_batch),
                      ("decode, batches of 4096", live_batches(4096)),
                      ("decode, batches of 64", live_batches(64))]:
        seconds = best_of(3, fn)
        print(f"  {label:<28} {seconds * 1e3:8.1f} ms  {samples / seconds / 1e6:6.2f} M samples/s")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hour.jsonl.gz"
        with RecordingWriter(path, make_header("scimu-v1", config)) as writer:
            writer.write_notifications(times, packets)
        size_mb = path.stat().st_size / 1e6

        def replay():
            block = open_source(path).read_all()
            assert len(block) == samples

        seconds = best_of(3, replay)
        print(f"  {'replay file (' + format(size_mb, '.1f') + ' MB gz)':<28} {seconds * 1e3:8.1f} ms  "
              f"{samples / seconds / 1e6:6.2f} M samples/s")
    print("target: decode >= 2.00 M samples/s on one core")


if __name__ == "__main__":
    main()
