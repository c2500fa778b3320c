"""Running a coaching session from a replay or a live sensor, then reporting it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from pathlib import Path

from rich.console import Console
from rich.live import Live

from ..detect import SessionAnalyzer
from ..source import Pacer, RecordingSource, open_source
from . import history
from .live import CoachState, Cues, render
from .match import match
from .plan import Plan
from .report import NAMES, write_outputs

#: The display refreshes this often, s; detection runs on what arrived since.
REFRESH_S = 0.1


def _finish(result: dict, trace, plan: Plan, out_dir: Path, stem: str, source_name: str,
            started_at: str | None, console: Console, record_history: bool) -> dict:
    """Match, write the result and report, keep the history, print a summary."""
    matched = match(plan, result)
    result_path, report_path = write_outputs(out_dir, stem, result, matched, plan, trace,
                                             source_name, started_at)
    if record_history:
        history.record(result, matched, plan.name, source_name, str(report_path))
    console.print(f"\n[bold]{plan.name}[/bold]: {100 * matched.adherence:.0f}% of the planned reps")
    for p in matched.progress:
        extra = ""
        if p.attempts:
            extra = f", {len(p.attempts)} bridge(s) held too short"
        console.print(f"  {NAMES[p.planned.exercise]:<14} {p.counted:3d} / {p.planned.reps:<3d} "
                      f"{p.status}{extra}")
    for i in matched.extra:
        s = result["sets"][i]
        console.print(f"  extra: {NAMES[s['exercise']]} ({len(s['reps'])} reps)")
    console.print(f"result: {result_path}\nreport: {report_path}")
    return {"result": result, "match": matched, "result_path": result_path,
            "report_path": report_path}


def run_replay(path: str, plan: Plan, *, fast: bool = False, speed: float = 1.0,
               out_dir: Path, console: Console | None = None, cues: Cues | None = None,
               record_history: bool = True) -> dict:
    """A recorded session through the live display (real time, or as fast as it goes)."""
    console = console or Console()
    source = open_source(path)
    if isinstance(source, RecordingSource) and not fast:
        source = RecordingSource(path, pacer=Pacer(speed))
    analyzer = SessionAnalyzer()
    analyzer.trace = []
    state = CoachState(plan)
    state.link = "replay"
    with Live(render(state), console=console, refresh_per_second=10,
              transient=False, auto_refresh=not fast) as live:
        for block in source.blocks():
            events = analyzer.feed(block)
            state.update(events, float(block.t_s[-1]), cues)
            live.update(render(state))
        state.update(analyzer.finish(), analyzer.last_t_s or 0.0, cues)
        live.update(render(state))
    header = getattr(source, "header", None)
    started_at = header.raw.get("started_at") if header is not None else None
    return _finish(analyzer.result(stream=source.stats, gaps=source.gaps), analyzer.trace, plan,
                   out_dir, Path(path).name.split(".")[0], str(path), started_at, console,
                   record_history)


async def run_live(plan: Plan, *, device: str | None, out_dir: Path, duration_s: float | None,
                   console: Console | None = None, cues: Cues | None = None,
                   record_history: bool = True) -> dict:
    """From a sensor: everything that arrives is recorded (crash-safe) as it comes."""
    from .. import ble
    from ..formats import RecordingWriter
    from ..formats.recording import Event
    from ..source import NotificationStream
    console = console or Console()
    sensor = await ble.find(device)
    pending: list = []
    state = CoachState(plan)
    live = ble.LiveSensor(sensor, on_notification=lambda t, p: pending.append((t, p)),
                          on_event=lambda t, name: pending.append((t, name)))
    await live.start()
    state.link, state.battery_percent = "connected", live.battery_percent
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    out_dir.mkdir(parents=True, exist_ok=True)
    recording = out_dir / f"session-{stamp}.jsonl.gz"
    writer_header = live.recording_header()
    writer = RecordingWriter(recording, writer_header)
    stream = NotificationStream(sensor.profile, live.config)
    analyzer = SessionAnalyzer()
    analyzer.trace = []

    stopping = asyncio.Event()

    async def pump():
        with Live(render(state), console=console, refresh_per_second=10) as display:
            while not stopping.is_set():
                try:
                    await asyncio.wait_for(stopping.wait(), REFRESH_S)
                except asyncio.TimeoutError:
                    pass
                batch = pending[:]
                pending.clear()
                times, payloads = [], []
                for t, item in batch:
                    if isinstance(item, bytes):
                        writer.write_notification(t, item)
                        times.append(t)
                        payloads.append(item)
                        continue
                    writer.write_event(t, item)
                    if payloads:
                        state.update(analyzer.feed(stream.feed(times, payloads)), state.now_s, cues)
                        times, payloads = [], []
                    stream.feed_event(Event(t, item))
                    state.link = "connected" if item == "connected" else "reconnecting..."
                if payloads:
                    block = stream.feed(times, payloads)
                    state.update(analyzer.feed(block), float(block.t_s[-1]) if len(block)
                                 else state.now_s, cues)
                writer.flush_if_due()
                display.update(render(state))
            # The session is over: the set still open ends now, on screen and aloud.
            state.update(analyzer.finish(), state.now_s, cues)
            display.update(render(state))

    task = asyncio.get_running_loop().create_task(pump())
    try:
        await live.run(duration_s)
    finally:
        await live.stop()
        await asyncio.sleep(2 * REFRESH_S)          # let the last notifications through
        stopping.set()
        try:
            await task                              # the display closes before the summary
        finally:
            writer.close()
    console.print(f"recording: {recording}")
    return _finish(analyzer.result(stream=stream.stats, gaps=stream.gaps), analyzer.trace, plan,
                   out_dir, recording.name.split(".")[0], str(recording),
                   writer_header["started_at"], console, record_history)


def default_out_dir() -> Path:
    return history.data_dir() / "sessions"


__all__ = ["run_live", "run_replay", "default_out_dir"]
