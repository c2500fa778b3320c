"""The `sensorcoach` command line. User mistakes end in one clear line, never a traceback."""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

from .errors import SensorCoachError


_python_show_warning = warnings.showwarning


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Our own warnings (a file cut off mid-line) in one plain line; anything else, from
    a library, the way Python shows it."""
    from .formats import TruncatedFileWarning
    if issubclass(category, TruncatedFileWarning):
        print(f"warning: {message}", file=sys.stderr)
    else:
        _python_show_warning(message, category, filename, lineno, file, line)


def cmd_info(args) -> int:
    from .info import describe, format_info
    for i, path in enumerate(args.paths):
        info = describe(path)
        if args.json:
            print(json.dumps(info))
        else:
            if i:
                print()
            print(format_info(info))
    return 0


def cmd_analyze(args) -> int:
    from .detect import analyze
    result = analyze(args.path)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{args.path}: {result['duration_s']:.1f} s, {len(result['sets'])} set(s)")
    for s in result["sets"]:
        extra = ""
        if s["exercise"] == "knee_to_chest":
            extra = f", {s['hold_s']:.1f} s in the posture"
        elif s["exercise"] == "hip_bridge" and s["reps"]:
            holds = [r["hold_s"] for r in s["reps"]]
            extra = f", holds {min(holds):.1f}-{max(holds):.1f} s"
        print(f"  {s['exercise']:<14} {s['start_s']:7.1f}-{s['end_s']:7.1f} s  "
              f"{len(s['reps']):3d} reps{extra}")
    stream = result.get("stream", {})
    if stream.get("packets"):
        print(f"  stream: {stream['packets']} packets, {stream['lost']} lost, "
              f"{stream['corrupt']} corrupt")
    return 0


def cmd_evaluate(args) -> int:
    from .evaluate import evaluate_dir, format_report
    report = evaluate_dir(args.dir)
    print(json.dumps(report) if args.json else format_report(report))
    return 0


def cmd_plan(args) -> int:
    from .coach.plan import load_plan
    plan = load_plan(args.path)
    print(f"{plan.name} ({plan.path})")
    for i, s in enumerate(plan.sets, start=1):
        extra = []
        if s.hold_s is not None:
            extra.append(f"hold {s.hold_s:g} s")
        if s.posture_s is not None:
            extra.append(f"{s.posture_s:g} s in the posture")
        if s.rest_s:
            extra.append(f"then rest {s.rest_s:g} s")
        print(f"  {i}. {s.exercise:<14} {s.reps:3d} reps" + (f"  ({', '.join(extra)})" if extra else ""))
    return 0


def _coach_args(args):
    from pathlib import Path
    from .coach.live import Cues
    from .coach.plan import load_plan
    from .coach.session import default_out_dir
    plan = load_plan(args.plan)
    cues = Cues(sound=not args.no_sound, speech=not (args.no_sound or args.no_speech))
    out_dir = Path(args.out) if args.out else default_out_dir()
    return plan, cues, out_dir


def cmd_live(args) -> int:
    import asyncio
    from .coach.session import run_live, run_replay
    plan, cues, out_dir = _coach_args(args)
    if args.replay:
        run_replay(args.replay, plan, fast=args.fast, out_dir=out_dir, cues=cues)
        return 0
    try:
        asyncio.run(run_live(plan, device=args.device, out_dir=out_dir, duration_s=args.duration,
                             cues=cues))
    except KeyboardInterrupt:
        pass            # the recording is closed and on disk
    return 0


def cmd_demo(args) -> int:
    from .coach.session import run_replay
    from .profiles import DEFAULT_PROFILE_DIR
    args.plan = args.plan or None
    plan, cues, out_dir = _coach_args(args)
    bundled = DEFAULT_PROFILE_DIR.parent / "recordings" / "sim_01_standard.jsonl.gz"
    print(f"demo: a simulated session ({bundled.name}) through the live display"
          + (" as fast as possible" if args.fast else " in real time (about 4 minutes; --fast to skip)"))
    if args.ble:
        return _demo_over_ble(bundled, plan, out_dir, cues)
    run_replay(str(bundled), plan, fast=args.fast, out_dir=out_dir, cues=cues)
    return 0


def _demo_over_ble(recording, plan, out_dir, cues) -> int:
    """The same session served by the virtual sensor over a private D-Bus bus and fake
    BlueZ, received with bleak: the whole BLE path, no hardware."""
    import asyncio
    from .coach.session import run_live
    from .source import open_source
    from .virtual import FakeBluez, PrivateBus, VirtualScimuSensor
    from .virtual.bus import use_bus
    source = open_source(recording)
    samples = source.read_all()
    with PrivateBus() as bus:
        use_bus(bus.address)

        async def main():
            bluez = FakeBluez()
            await bluez.start(bus.address)
            sensor = VirtualScimuSensor(samples, float(source.config["odr_hz"]),
                                        loop_samples=False)
            await sensor.attach(bluez)
            try:
                await run_live(plan, device=sensor.address, out_dir=out_dir,
                               duration_s=float(samples.t_s[-1]) + 3.0, cues=cues)
            finally:
                await bluez.stop()
        asyncio.run(main())
    return 0


def cmd_history(args) -> int:
    from .coach import history
    rows = history.days(args.days)
    print(json.dumps(rows) if args.json else history.format_days(rows))
    return 0


def cmd_simulate(args) -> int:
    from .simulate.session import SimulationSettings, simulate, write_session
    plan = None
    if args.plan:
        plan = []
        for item in args.plan.split(","):
            name, _, reps = item.partition(":")
            if name not in ("pelvic_tilt", "knee_to_chest", "hip_bridge") or not reps.isdigit():
                raise SensorCoachError(f"--plan: {item!r} is not EXERCISE:REPS "
                                       f"(pelvic_tilt, knee_to_chest, hip_bridge)")
            plan.append((name, int(reps)))
        plan = tuple(plan)
    out = Path(args.out)
    if not (out.name.endswith(".jsonl") or out.name.endswith(".jsonl.gz")):
        raise SensorCoachError(f"{out}: the output must end in .jsonl or .jsonl.gz")
    settings = SimulationSettings(
        seed=args.seed, odr_hz=args.odr_hz, gyro=None if args.gyro is None else args.gyro == "yes",
        placement=args.placement, mount=args.mount, plan=plan,
        walking=None if args.walking is None else args.walking == "yes",
        behaviour=args.behaviour, sensor_quality=args.sensor, radio=args.radio,
        disconnects=args.disconnects, mtu=args.mtu, clock_start_us=args.clock_start_us,
        people=args.people)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)     # a new folder for the sessions
    except OSError as e:
        raise SensorCoachError(f"{out.parent}: cannot create the folder: {e.strerror}") from None
    session = simulate(settings)
    rec, labels = write_session(session, out)
    s = session.settings
    reps = sum(len(x.reps) for x in session.labels.sets)
    print(f"wrote {rec} and {labels}: {len(session.labels.sets)} sets, {reps} reps, "
          f"{s.odr_hz} Hz, {'accel+gyro' if s.gyro else 'accel only'}, {s.placement} "
          f"({s.mount} mount), radio {s.radio}, {s.disconnects} disconnect(s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sensorcoach", description=(
        "Counts home-physiotherapy exercise reps from a hip-worn IMU."))
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("info", help="what is in a recording or sample CSV")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--json", action="store_true", help="one JSON object per file")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("analyze", help="find the sets and reps of a recording or sample CSV")
    p.add_argument("path", metavar="PATH")
    p.add_argument("--json", action="store_true", help="the result object (formats: analysis result)")
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("evaluate", help="analysis against every NAME.labels.json in DIR")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_evaluate)

    from .livecli import add_parsers
    add_parsers(sub)

    def coach_options(p):
        p.add_argument("--plan", help="plan file (default: the leaflet's routine)")
        p.add_argument("--fast", action="store_true", help="replay as fast as possible")
        p.add_argument("--no-sound", action="store_true", help="no beeps and no speech")
        p.add_argument("--no-speech", action="store_true", help="beeps only")
        p.add_argument("--out", help="folder for the result and report (default: data folder)")

    p = sub.add_parser("live", help="a coaching session: live display, cues, report")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--device", help="sensor address (default: the strongest one seen)")
    source.add_argument("--replay", help="a recording or CSV instead of a sensor")
    p.add_argument("--duration", type=float, help="seconds (default: until Ctrl-C)")
    coach_options(p)
    p.set_defaults(func=cmd_live)

    p = sub.add_parser("demo", help="try it without a sensor: a bundled session, live")
    coach_options(p)
    p.add_argument("--ble", action="store_true",
                   help="through a virtual sensor and a fake BlueZ (Linux, needs dbus-daemon)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("history", help="sessions, adherence and trends over days")
    p.add_argument("--days", type=int, default=30)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_history)

    p = sub.add_parser("plan", help="check and show a plan file (default: the leaflet's)")
    p.add_argument("path", nargs="?", metavar="PLAN")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("simulate", help="write a labelled simulated session")
    p.add_argument("out", metavar="OUT", help="NAME.jsonl or NAME.jsonl.gz (labels go beside it)")
    p.add_argument("--seed", type=int, default=0, help="everything not given is drawn from it")
    p.add_argument("--odr-hz", type=int, choices=[25, 50, 100, 200])
    p.add_argument("--gyro", choices=["yes", "no"])
    p.add_argument("--placement", choices=["right_hip", "left_hip", "front", "back"])
    p.add_argument("--mount", choices=["clip", "random"])
    p.add_argument("--plan", help="e.g. pelvic_tilt:20,knee_to_chest:6,hip_bridge:8")
    p.add_argument("--walking", choices=["yes", "no"], help="walk on and off the mat")
    p.add_argument("--behaviour", choices=["calm", "restless"])
    p.add_argument("--sensor", choices=["ideal", "good", "cheap"])
    p.add_argument("--radio", choices=["clean", "typical", "poor"])
    p.add_argument("--disconnects", type=int)
    p.add_argument("--mtu", type=int, choices=[23, 185, 247])
    p.add_argument("--clock-start-us", type=int)
    p.add_argument("--people", choices=["leaflet", "wide"], default="leaflet",
                   help="wide: exercise numbers beyond the documented ranges (to probe)")
    p.set_defaults(func=cmd_simulate)
    return parser


def main(argv: list[str] | None = None) -> int:
    warnings.showwarning = _show_warning
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SensorCoachError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
