"""Small builders shared by the tests."""

import numpy as np

from sensorcoach.decoders.scimu import encode_packet
from sensorcoach.formats import RecordingWriter, make_header

CONFIG = {"odr_hz": 100, "acc_range_g": 8, "gyro_range_dps": 1000, "samples_per_packet": 4}


def synthetic_packets(count=50, spp=4, seed=0, gyro=True):
    rng = np.random.default_rng(seed)
    packets = []
    for i in range(count):
        acc = rng.integers(-8000, 8000, (spp, 3))
        packets.append(encode_packet(i, 1_000_000 + i * spp * 10_000, acc,
                                     rng.integers(-8000, 8000, (spp, 3)) if gyro else None))
    times = 0.2 + np.arange(count) * spp * 0.01 + 0.005
    return times, packets


def write_recording(path, times, packets, events=(), config=CONFIG, flush_interval_s=1.0):
    header = make_header("scimu-v1", config, device={"name": "SensorCoach-0001",
                                                     "address": "C0:FF:EE:00:00:01"})
    items = [(t, 0, p) for t, p in zip(times, packets)] + [(t, 1, e) for t, e in events]
    with RecordingWriter(path, header, flush_interval_s=flush_interval_s) as w:
        for t, kind, x in sorted(items, key=lambda i: (i[0], i[1])):
            if kind == 0:
                w.write_notification(t, x)
            else:
                w.write_event(t, x)
    return header
