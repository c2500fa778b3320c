"""The floor for bench_analyze.py: the least any analysis of a recording must do.

    python benchmarks/floor_read_decode_filter.py RECORDING.jsonl[.gz]

Reads the recording, decodes every scimu-v1 sample with numpy and runs one scipy
filter pass over the acceleration. Nothing else: no checks, no detection.
"""

import gzip
import json
import sys

import numpy as np
from scipy.signal import butter, sosfilt


def main(path: str) -> None:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        header = json.loads(f.readline())
        payloads = [bytes.fromhex(json.loads(line)["h"]) for line in f if '"h"' in line]
    config = header["config"]
    spp = config["samples_per_packet"]
    dtype = np.dtype([("type", "u1"), ("n", "u1"), ("seq", "<u2"), ("t0", "<u4"),
                      ("s", "<i2", (spp, 6))])
    packets = np.frombuffer(b"".join(p for p in payloads if len(p) == dtype.itemsize), dtype)
    acc_g = packets["s"][:, :, :3].reshape(-1, 3) * (config["acc_range_g"] / 32768.0)
    sos = butter(2, 2.0, fs=config["odr_hz"], output="sos")
    filtered = sosfilt(sos, acc_g, axis=0)
    print(len(acc_g), float(filtered[-1, 0]))


if __name__ == "__main__":
    main(sys.argv[1])
