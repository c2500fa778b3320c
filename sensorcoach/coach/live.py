"""A coaching session as it happens: state from the analyzer's events, display, cues.

`CoachState.update(events, t_s)` turns the streaming pipeline's events into what the
person needs: the current exercise, count against target, the hold timer, the rest
countdown, progress through the plan; and it says what to cue ("ten", "hold",
"lower", "set done"). `Cues` plays a tone per rep and speaks (espeak-ng where installed); `render`
draws the terminal display with rich.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import wave
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rich.console import Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from .match import Matcher
from .plan import Plan
from .report import NAMES


#: The rep sound: a short, soft 880 Hz tone (easy to hear, not startling).
TONE_HZ, TONE_S, TONE_RATE = 880.0, 0.08, 22050


def tone_wav() -> Path:
    """A WAV file with the rep tone: one file shared by every session (it never
    changes), written to a private name and renamed so a player never reads half."""
    path = Path(tempfile.gettempdir()) / f"sensorcoach-tone-{int(TONE_HZ)}hz.wav"
    if not path.exists():
        t = np.arange(int(TONE_S * TONE_RATE)) / TONE_RATE
        fade = np.minimum(1.0, np.minimum(t, TONE_S - t) / 0.01)
        wave_ = (0.4 * 32767 * fade * np.sin(2 * np.pi * TONE_HZ * t)).astype("<i2")
        partial = path.with_name(f"{path.stem}.{os.getpid()}.part")
        with wave.open(str(partial), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(TONE_RATE)
            w.writeframes(wave_.tobytes())
        os.replace(partial, path)
    return path


class Cues:
    """Sound for someone lying on the floor who cannot see the screen: a short tone per
    rep, and words ("ten", "hold", "lower", "set done") where a speech program exists.
    Falls back to the terminal bell when no sound player is installed."""

    def __init__(self, sound: bool = True, speech: bool = True, stream=None):
        self.sound = sound
        self.speaker = (shutil.which("espeak-ng") or shutil.which("espeak")) if speech else None
        self.player = next((shutil.which(p) for p in ("paplay", "aplay", "afplay")
                            if shutil.which(p)), None) if sound else None
        self.stream = stream or sys.stdout
        self.said: list[str] = []
        self.beeps = 0

    def _run(self, *command: str) -> None:
        subprocess.Popen(list(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def beep(self) -> None:
        if not self.sound:
            return
        self.beeps += 1
        if self.player:
            self._run(self.player, *(["-q"] if self.player.endswith("aplay") else []),
                      str(tone_wav()))
        else:
            self.stream.write("\a")
            self.stream.flush()

    def say(self, words: str) -> None:
        self.said.append(words)
        if self.speaker:
            self._run(self.speaker, "-s", "150", words)

    def rep(self, count: int) -> None:
        self.beep()
        self.say(str(count))


@dataclass
class CoachState:
    plan: Plan
    matcher: Matcher = field(init=False)
    exercise: str | None = None
    count: int = 0
    hold_s: float = 0.0
    rest_until_s: float | None = None
    now_s: float = 0.0
    link: str = "connecting"
    battery_percent: int | None = None
    last_event: str = ""
    sets_seen: int = 0
    set_started_s: float | None = None

    def __post_init__(self):
        self.matcher = Matcher(self.plan)

    @property
    def current(self):
        return self.matcher.target_for(self.exercise) if self.exercise else None

    def _newer_set_shown(self, ended_s: float) -> bool:
        """Is the set on the display one that began after a set that ended at `ended_s`
        (it split off that set, told from its first rep, before that set was ended or
        discarded with hindsight)?"""
        return self.set_started_s is not None and self.set_started_s >= ended_s

    def _back_to_waiting(self) -> None:
        """No set on the display: the one shown ended or was not a set."""
        self.exercise, self.count, self.hold_s = None, 0, 0.0
        self.set_started_s = None

    @staticmethod
    def _tell_count(count: int, target, rep, say) -> None:
        """Say `count` (`rep`: the tone and the number), and "set done" when, with the
        reps counted before, it makes the planned `target`'s reps."""
        rep(count)
        if target and count + target.counted == target.planned.reps:
            say("set done")

    def update(self, events: list[dict], now_s: float, cues: Cues | None = None) -> None:
        self.now_s = now_s
        say = cues.say if cues else (lambda _w: None)
        rep = cues.rep if cues else (lambda _n: None)
        for e in events:
            kind = e["type"]
            if kind == "set_started":
                self.exercise, self.count, self.hold_s = e["exercise"], 0, 0.0
                self.rest_until_s = None
                self.set_started_s = e["t_s"]
                self.last_event = f"{NAMES[e['exercise']]} started"
            elif kind == "rep_counted":
                if e["exercise"] != self.exercise:
                    self.exercise, self.count = e["exercise"], 0
                self.count = e["count"]
                self.hold_s = 0.0
                self._tell_count(self.count, self.current, rep, say)
            elif kind == "hold_progress":
                target = self.current
                goal = target.planned.hold_s if target else None
                if self.hold_s == 0.0:
                    say("hold")
                if goal is not None and self.hold_s < goal <= e["hold_s"]:
                    say("lower")
                self.hold_s = e["hold_s"]
            elif kind == "set_ended":
                done = e["set"]
                target = self.matcher.target_for(done["exercise"])
                final = len(done["reps"])
                if (done["exercise"] == self.exercise and final > self.count
                        and not self._newer_set_shown(done["end_s"])):
                    # Counted with hindsight at the end (a knee hug's last circle is
                    # told from the release): the person hears the count they did.
                    self._tell_count(final, target, rep, say)
                rest = target.planned.rest_s if target else 0.0
                self.matcher.add_set(self.sets_seen, done)
                self.sets_seen += 1
                self.rest_until_s = e["t_s"] + rest if rest else None
                if not self._newer_set_shown(done["end_s"]):
                    self._back_to_waiting()
                self.last_event = f"{NAMES[done['exercise']]}: {len(done['reps'])} reps"
            elif kind == "set_recounted":
                # The count corrected: reps taken back (the "rest" was a held bridge,
                # detect/lift.py; or they began a new set, detect/sets.py).
                self.count = e["count"]
                if e.get("exercise"):
                    # ... or a set taken for a new one goes on (one large rep).
                    self.exercise = e["exercise"]
                self.last_event = f"recounted: {e['count']}"
            elif kind == "set_discarded":
                # The reps counted out loud were not a set after all: back to waiting,
                # unless the set shown is another (the set after it, or of another
                # exercise: the knee hug counted live ended as none while tilts go on).
                if (self.exercise == e.get("exercise", self.exercise)
                        and not self._newer_set_shown(e["t_s"])):
                    self._back_to_waiting()
                self.last_event = f"not a set: {e['reps']} moves"
            elif kind == "set_extended":
                # More reps of a set already ended (after a pause or a link gap).
                target = self.matcher.target_for(e["set"]["exercise"])
                for r in e["added_reps"]:
                    self.matcher.add_rep(target, r)
                if target is not None:
                    target.posture_s += e.get("added_posture_s", 0.0)
            elif kind == "data_gap":
                self.last_event = f"no data for {e['duration_s']:.1f} s (link gap)"


def render(state: CoachState) -> Panel:
    current = state.current
    lines = []
    if state.exercise:
        target = current.planned.reps - current.counted if current else None
        title = Text(NAMES[state.exercise], style="bold")
        count = Text(f"{state.count}" + (f" / {target}" if target else ""), style="bold cyan")
        lines.append(Group(title, count))
        goal = current.planned.hold_s if current else None
        if goal:
            lines.append(Group(Text(f"hold {state.hold_s:.1f} / {goal:g} s"),
                               ProgressBar(total=goal, completed=min(state.hold_s, goal), width=40)))
        posture_goal = current.planned.posture_s if current else None
        if posture_goal and state.set_started_s is not None:
            # Time in the knee hug so far (this set), against the plan's target.
            held = current.posture_s + max(0.0, state.now_s - state.set_started_s)
            lines.append(Group(Text(f"in the posture {held:.0f} / {posture_goal:g} s"),
                               ProgressBar(total=posture_goal, completed=min(held, posture_goal),
                                           width=40)))
    elif state.rest_until_s is not None and state.rest_until_s > state.now_s:
        lines.append(Text(f"rest {state.rest_until_s - state.now_s:.0f} s", style="bold green"))
    else:
        lines.append(Text("waiting for the next exercise", style="dim"))
    table = Table(box=None, show_header=True, header_style="dim")
    for name in ("#", "exercise", "done", "target", "status"):
        table.add_column(name)
    for p in state.matcher.progress:
        live = state.count if state.exercise == p.planned.exercise and p is current else 0
        table.add_row(str(p.index + 1), NAMES[p.planned.exercise], str(p.counted + live),
                      str(p.planned.reps), p.status if p.detected else "")
    link = f"sensor: {state.link}" + (f", battery {state.battery_percent}%"
                                       if state.battery_percent is not None else "")
    footer = Text(f"{link}   t = {state.now_s:.0f} s   {state.last_event}", style="dim")
    return Panel(Group(*lines, Text(""), table, Text(""), footer), title=state.plan.name)
