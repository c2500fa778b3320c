"""BLE path speed (a benchmark, not a test): throughput and live CPU.

    python benchmarks/bench_ble.py [--seconds 20]

1. Throughput: a virtual sensor in another process floods notifications through the
   fake BlueZ and a private dbus-daemon; this process receives them with bleak's
   BlueZ backend and decodes them. Prints notifications per second received.
   Target: at least 2000 per second.
2. Live CPU: the virtual sensor streams at 200 Hz, one sample per notification (the
   worst case, MTU 23); this process receives, decodes and runs the whole detection
   pipeline on every notification. Prints this process's CPU time as a share of one
   core. Target: under 5%.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SERVER = r'''
import asyncio, sys, time
sys.path.insert(0, {root!r})
from sensorcoach.virtual import FakeBluez, VirtualScimuSensor
from sensorcoach.source import open_source
from sensorcoach.decoders.scimu import encode_packet
import numpy as np

async def main(address, mode, seconds):
    bluez = FakeBluez(); await bluez.start(address)
    source = open_source({recording!r}); samples = source.read_all()
    sensor = VirtualScimuSensor(samples, float(source.config["odr_hz"]),
                                mtu=23 if mode == "live" else 247)
    await sensor.attach(bluez)
    print("ready", flush=True)
    if mode == "flood":
        while not sensor.notifying:
            await asyncio.sleep(0.05)
        payload = encode_packet(0, 0, np.zeros((1, 3), int), np.zeros((1, 3), int))
        uuid = sensor.gatt()[0]["characteristics"][0]["uuid"]
        start = time.monotonic(); sent = 0
        while time.monotonic() - start < seconds:
            # 3000 per second, in bursts of 30 every 10 ms (as a fast link delivers them).
            due = int((time.monotonic() - start) * 3000)
            while sent < due:
                bluez.notify(sensor.path, uuid, payload)
                sent += 1
            await asyncio.sleep(0.01)
    await asyncio.sleep(seconds + 30)

asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
'''


#: Live processing takes what arrived every this many seconds: the detector works in
#: 0.1 s frames anyway, and numpy's per-call cost is paid once per batch.
BATCH_S = 0.1


async def receive(seconds: float, config: dict, analyse: bool) -> tuple[int, float, float]:
    from sensorcoach import ble
    from sensorcoach.detect import SessionAnalyzer
    from sensorcoach.source import NotificationStream
    sensor = await ble.find(None, 2.0)
    pending: list[tuple[float, bytes]] = []
    count = 0

    def on_notification(t, payload):
        nonlocal count
        count += 1
        pending.append((t, payload))

    live = ble.LiveSensor(sensor, on_notification=on_notification, config=config)
    await live.start()
    stream = NotificationStream("scimu-v1", live.config)
    analyzer = SessionAnalyzer()

    async def process():
        while True:
            await asyncio.sleep(BATCH_S)
            if pending and analyse:
                batch = pending[:]
                pending.clear()
                analyzer.feed(stream.feed([t for t, _ in batch], [p for _, p in batch]))
            else:
                pending.clear()

    worker = asyncio.get_running_loop().create_task(process())
    await asyncio.sleep(1.0)                      # settle: connection, first packets
    count0, cpu0, wall0 = count, time.process_time(), time.monotonic()
    await asyncio.sleep(seconds)
    received, cpu, wall = count - count0, time.process_time() - cpu0, time.monotonic() - wall0
    worker.cancel()
    await live.stop()
    return received, cpu, wall


def run(mode: str, seconds: float, config: dict, analyse: bool):
    from sensorcoach.virtual.bus import PrivateBus, use_bus
    with PrivateBus() as bus:
        use_bus(bus.address)
        code = SERVER.format(root=str(ROOT), recording=str(ROOT / "recordings" /
                                                           "sim_09_200hz_mtu23.jsonl.gz"))
        server = subprocess.Popen([sys.executable, "-c", code, bus.address, mode, str(seconds + 2)],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert server.stdout.readline().strip() == "ready"
            return asyncio.run(receive(seconds, config, analyse))
        finally:
            server.kill()
            server.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    received, cpu, wall = run("flood", args.seconds / 2, {"odr_hz": 200, "samples_per_packet": 1},
                              analyse=False)
    print(f"throughput: {received} notifications in {wall:.1f} s = {received / wall:.0f}/s "
          f"received and decoded (target >= 2000/s); receiver CPU {100 * cpu / wall:.0f}% of a core")
    config = {"odr_hz": 200, "samples_per_packet": 1}
    received, cpu_rx, wall_rx = run("live", args.seconds, config, analyse=False)
    received, cpu, wall = run("live", args.seconds, config, analyse=True)
    print(f"live at 200 Hz, 1 sample per notification: {received / wall:.0f} notifications/s; "
          f"this process uses {100 * cpu / wall:.1f}% of one core (target < 5%), of which "
          f"bleak's receiving alone is {100 * cpu_rx / wall_rx:.1f}% and decoding + detection "
          f"in {BATCH_S:g} s batches the rest")
    received, cpu, wall = run("normal", args.seconds, {"odr_hz": 200}, analyse=True)
    print(f"live at 200 Hz, samples per packet fitted to MTU 247 (the default): "
          f"{received / wall:.1f} notifications/s; this process uses {100 * cpu / wall:.1f}% "
          f"of one core (target < 5%)")

if __name__ == "__main__":
    main()
