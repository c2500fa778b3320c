"""Command-line edges of the live path: scan, record, virtual-sensor, decode.

asyncio lives here and in ble.py / virtual/; the core stays synchronous.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path

from .errors import SensorCoachError


def _print(text: str) -> None:
    print(text, flush=True)


def cmd_scan(args) -> int:
    from . import ble
    sensors = asyncio.run(ble.scan(args.timeout))
    if args.json:
        print(json.dumps([s.as_dict() for s in sensors]))
        return 0
    if not sensors:
        _print(f"no supported sensor seen in {args.timeout:g} s (switched on, in range?)")
        return 1
    _print(f"{'name':<20} {'address':<18} {'rssi':>5}  profile (matched by)")
    for s in sensors:
        rssi = "-" if s.rssi is None else f"{s.rssi}"
        _print(f"{s.name:<20} {s.address:<18} {rssi:>5}  {s.profile.id} ({s.matched_by})")
    return 0


async def _record(args) -> int:
    from . import ble
    from .formats import RecordingWriter
    from .source import NotificationStream
    from .formats.recording import Event

    out = Path(args.out)
    if not (out.name.endswith(".jsonl") or out.name.endswith(".jsonl.gz")):
        raise SensorCoachError(f"{out}: the recording must end in .jsonl or .jsonl.gz")
    sensor = await ble.find(args.device, args.scan_timeout)
    state: dict = {"writer": None, "stream": None}

    def on_notification(t_s: float, payload: bytes) -> None:
        state["writer"].write_notification(t_s, payload)
        state["stream"].feed([t_s], [payload])

    def on_event(t_s: float, name: str) -> None:
        state["writer"].write_event(t_s, name)
        state["stream"].feed_event(Event(t_s, name))
        _print(f"{t_s:8.1f} s  {name}")

    live = ble.LiveSensor(sensor, on_notification=on_notification, on_event=on_event)
    await live.start()
    header = live.recording_header(mount=args.mount, battery_percent=live.battery_percent,
                                   mtu=live.mtu)
    state["writer"] = RecordingWriter(out, header)
    state["stream"] = NotificationStream(sensor.profile, live.config)
    _print(f"recording {sensor.name} ({sensor.address}) to {out}: {live.config}, MTU {live.mtu}, "
           f"battery {live.battery_percent}%; Ctrl-C ends it")

    #: Progress is printed this often, s (someone watching a recording start).
    progress_every_s = 10.0

    async def flusher():
        next_report = progress_every_s
        while True:
            await asyncio.sleep(0.5)
            state["writer"].flush_if_due()       # at least once a second, even in silence
            if live.now() >= next_report:
                next_report += progress_every_s
                stats = state["stream"].stats
                _print(f"{live.now():8.1f} s  {stats.samples} samples, {stats.lost} lost, "
                       f"{stats.corrupt} corrupt")

    task = asyncio.get_running_loop().create_task(flusher())
    try:
        await live.run(args.duration)
    finally:
        task.cancel()
        await live.stop()
        state["writer"].close()
        stats = state["stream"].stats
        _print(f"recorded {live.now():.1f} s to {out}: {stats.samples} samples, {stats.packets} "
               f"packets, {stats.lost} lost, {stats.corrupt} corrupt, {stats.disconnects} "
               f"disconnect(s)")
    return 0


def cmd_record(args) -> int:
    try:
        return asyncio.run(_record(args))
    except KeyboardInterrupt:
        # Everything received is on disk: the writer was closed on the way out.
        return 0


def _virtual_samples(args):
    from .source import open_source
    if args.replay:
        source = open_source(args.replay)
        samples = source.read_all()
        return samples, float(source.config["odr_hz"])
    from .simulate import SimulationSettings, simulate
    from .decoders import make_decoder
    session = simulate(SimulationSettings(seed=args.seed, disconnects=0, radio="clean",
                                          walking=False))
    decoder = make_decoder("scimu-v1", session.header["config"])
    samples = decoder.decode(session.transmission.payloads, session.transmission.t_host_s)
    return samples, float(session.header["config"]["odr_hz"])


async def _serve(args, address: str) -> None:
    from .virtual import FakeBluez, VirtualScimuSensor
    from .virtual.vendors import VirtualPolarH10, VirtualWitMotion
    samples, rate = _virtual_samples(args)
    bluez = FakeBluez()
    await bluez.start(address)
    if args.profile == "scimu-v1":
        sensor = VirtualScimuSensor(samples, rate, corrupt_every=args.corrupt_every)
    else:
        sensor = {"polar-h10": VirtualPolarH10,
                  "witmotion-bwt901ble": VirtualWitMotion}[args.profile](samples, rate)
    await sensor.attach(bluez)
    _print(f"virtual sensor {sensor.name} ({sensor.address}) streaming "
           f"{args.replay or f'a simulated session (seed {args.seed})'}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), args.drop_every or None)
        except asyncio.TimeoutError:
            _print("dropping the link for 3 s")
            await sensor.drop_link(3.0)
    await bluez.stop()


def cmd_virtual_sensor(args) -> int:
    from .virtual.bus import PrivateBus
    with PrivateBus() as bus:
        _print(f"export DBUS_SYSTEM_BUS_ADDRESS='{bus.address}'")
        _print("then, in that shell: sensorcoach scan / record / analyze work as with hardware")
        asyncio.run(_serve(args, bus.address))
    return 0


def cmd_decode(args) -> int:
    from .decoders import make_decoder
    from .errors import DecodeError
    from .profiles import load_profile
    profile = load_profile(args.profile)
    config = dict(profile.config)
    for key in ("odr_hz", "acc_range_g", "gyro_range_dps"):
        if getattr(args, key) is not None:
            config[key] = getattr(args, key)
    payloads = []
    for i, text in enumerate(args.hex):
        try:
            payloads.append(bytes.fromhex(text))
        except ValueError:
            raise DecodeError(f"{text[:40]!r} is not hex", index=i + 1) from None
    decoder = make_decoder(profile, config)

    def vec(values):
        return [round(float(x), 6) for x in values]

    if hasattr(decoder, "frames"):
        # Separate ACC and GYRO streams (Polar PMD): one row per sample of each.
        from .decoders.polar_pmd import ACC
        for kind, times, values in decoder.frames(payloads):
            key = "acc_g" if kind == ACC else "gyro_dps"
            for t, v in zip(times, values):
                print(json.dumps({"t_s": round(float(t), 6), key: vec(v)}))
    else:
        block = decoder.decode(payloads, [0.0] * len(payloads))
        for t, acc, gyro in zip(block.t_s, block.acc_g, block.gyro_dps):
            row = {"t_s": round(float(t), 6), "acc_g": vec(acc)}
            if not any(x != x for x in gyro):
                row["gyro_dps"] = vec(gyro)
            print(json.dumps(row))
    if decoder.stats.corrupt:
        print(f"{decoder.stats.corrupt} notification(s) corrupt and skipped (they do not "
              f"follow the {profile.id} format)", file=sys.stderr)
    return 0


def add_parsers(sub) -> None:
    p = sub.add_parser("scan", help="nearby supported sensors")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to scan (default 5)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("record", help="record a sensor's stream to a file")
    p.add_argument("--out", required=True, help="NAME.jsonl or NAME.jsonl.gz")
    p.add_argument("--device", help="address of the sensor (default: the strongest one seen)")
    p.add_argument("--duration", type=float, help="seconds (default: until Ctrl-C)")
    p.add_argument("--mount", default=None, help="where the sensor is worn, e.g. right_hip")
    p.add_argument("--scan-timeout", type=float, default=5.0)
    p.set_defaults(func=cmd_record)

    p = sub.add_parser("virtual-sensor", help="a software scimu-v1 sensor on a private D-Bus bus")
    p.add_argument("--replay", help="recording or sample CSV to stream (default: simulated)")
    p.add_argument("--seed", type=int, default=1, help="simulated session's seed")
    p.add_argument("--drop-every", type=float, default=0.0, help="drop the link every S seconds")
    p.add_argument("--corrupt-every", type=int, default=0, help="send every Nth notification corrupt")
    p.add_argument("--profile", default="scimu-v1",
                   choices=["scimu-v1", "polar-h10", "witmotion-bwt901ble"],
                   help="which sensor to be (default: the reference scimu-v1)")
    p.set_defaults(func=cmd_virtual_sensor)

    p = sub.add_parser("decode", help="decode hand-given notifications (hex), one JSON per sample")
    p.add_argument("profile", metavar="PROFILE")
    p.add_argument("hex", nargs="+", metavar="HEX")
    p.add_argument("--odr-hz", type=int)
    p.add_argument("--acc-range-g", type=int)
    p.add_argument("--gyro-range-dps", type=int)
    p.set_defaults(func=cmd_decode)


__all__ = ["add_parsers"]
