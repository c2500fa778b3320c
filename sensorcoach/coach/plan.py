"""Prescriptions: plan files (TOML) a physiotherapist writes; validated with clear errors.

    [plan]
    name = "..."

    [[set]]                      # in order
    exercise = "hip_bridge"      # pelvic_tilt | knee_to_chest | hip_bridge
    reps = 8                     # rep target (circles for knee_to_chest)
    hold_s = 5                   # hip_bridge: a bridge held shorter is an attempt
    posture_s = 30               # knee_to_chest: time to spend in the posture
    rest_s = 30                  # rest after the set (countdown)
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ..errors import FormatError
from ..formats.labels import EXERCISES

DEFAULT_PLAN = Path(__file__).resolve().parent.parent.parent / "plans" / "leaflet.toml"
KEYS = {"exercise", "reps", "hold_s", "posture_s", "rest_s"}


@dataclass(frozen=True)
class PlannedSet:
    exercise: str
    reps: int
    hold_s: float | None = None
    posture_s: float | None = None
    rest_s: float = 0.0


@dataclass(frozen=True)
class Plan:
    name: str
    sets: tuple[PlannedSet, ...]
    path: str | None = None


def _line_of(text: str, index: int, key: str | None = None) -> int | None:
    """Line of the `index`-th [[set]] (or a key inside it), for error messages."""
    lines = text.splitlines()
    starts = [i for i, l in enumerate(lines) if re.match(r"\s*\[\[set\]\]", l)]
    if index >= len(starts):
        return None
    end = starts[index + 1] if index + 1 < len(starts) else len(lines)
    if key:
        for i in range(starts[index], end):
            if re.match(rf"\s*{re.escape(key)}\s*=", lines[i]):
                return i + 1
    return starts[index] + 1


def load_plan(path: str | Path | None = None) -> Plan:
    path = Path(path) if path else DEFAULT_PLAN
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatError(path, "plan file not found") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+)", str(exc))
        raise FormatError(path, f"not valid TOML ({str(exc).split(' (at')[0]})",
                          line=int(where.group(1)) if where else None) from None
    sets_raw = data.get("set")
    if not isinstance(sets_raw, list) or not sets_raw:
        raise FormatError(path, "a plan needs at least one [[set]]", field="set")
    sets = []
    for i, raw in enumerate(sets_raw):
        where = f"set[{i + 1}]"

        def fail(message, key=None):
            raise FormatError(path, message, line=_line_of(text, i, key),
                              field=f"{where}.{key}" if key else where)

        unknown = set(raw) - KEYS
        if unknown:
            fail(f"unknown key(s) {', '.join(sorted(unknown))} (known: {', '.join(sorted(KEYS))})",
                 sorted(unknown)[0])
        exercise = raw.get("exercise")
        if exercise not in EXERCISES:
            fail(f"exercise must be one of {', '.join(EXERCISES)}, got {exercise!r}", "exercise")
        reps = raw.get("reps")
        if not isinstance(reps, int) or isinstance(reps, bool) or not 1 <= reps <= 200:
            fail(f"reps must be a whole number from 1 to 200, got {reps!r}", "reps")
        numbers = {}
        for key in ("hold_s", "posture_s", "rest_s"):
            value = raw.get(key)
            if value is None:
                continue
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 600:
                fail(f"{key} must be a number of seconds from 0 to 600, got {value!r}", key)
            numbers[key] = float(value)
        if "hold_s" in numbers and exercise != "hip_bridge":
            fail("hold_s is for hip_bridge sets", "hold_s")
        if "posture_s" in numbers and exercise != "knee_to_chest":
            fail("posture_s is for knee_to_chest sets", "posture_s")
        sets.append(PlannedSet(exercise, reps, numbers.get("hold_s"), numbers.get("posture_s"),
                               numbers.get("rest_s", 0.0)))
    name = (data.get("plan") or {}).get("name") or path.stem
    return Plan(str(name), tuple(sets), str(path))
