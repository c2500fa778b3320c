"""Ground-truth labels `NAME.labels.json` beside a recording or sample CSV."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import FormatError

FORMAT_NAME = "sensorcoach-labels"
FORMAT_VERSION = 1
EXERCISES = ("pelvic_tilt", "knee_to_chest", "hip_bridge")


@dataclass(frozen=True)
class LabelRep:
    start_s: float
    end_s: float
    hold_start_s: float | None = None
    hold_end_s: float | None = None

    @property
    def hold_s(self) -> float | None:
        if self.hold_start_s is None or self.hold_end_s is None:
            return None
        return self.hold_end_s - self.hold_start_s


@dataclass(frozen=True)
class LabelSet:
    exercise: str
    start_s: float
    end_s: float
    reps: tuple[LabelRep, ...]
    posture_start_s: float | None = None
    posture_end_s: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Labels:
    sets: tuple[LabelSet, ...]
    extra: dict[str, Any] = field(default_factory=dict)


def labels_path_for(path: str | Path) -> Path:
    """`NAME.labels.json` for `NAME.jsonl`, `NAME.jsonl.gz` or `NAME.csv`."""
    path = Path(path)
    name = path.name
    for suffix in (".jsonl.gz", ".jsonl", ".csv"):
        if name.lower().endswith(suffix):
            return path.with_name(name[: -len(suffix)] + ".labels.json")
    return path.with_name(name + ".labels.json")


def _number(obj: dict, key: str, where: str, path: Path, *, optional: bool = False):
    value = obj.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value):
        raise FormatError(path, f"must be a number, got {value!r}", field=f"{where}.{key}")
    return float(value)


def read_labels(path: str | Path) -> Labels:
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FormatError(path, "file not found") from None
    except json.JSONDecodeError as exc:
        raise FormatError(path, f"not JSON ({exc.msg})", line=exc.lineno) from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise FormatError(path, f"not a labels file (expected format {FORMAT_NAME!r})",
                          field="format")
    if raw.get("version") != FORMAT_VERSION:
        raise FormatError(path, f"unsupported version {raw.get('version')!r}", field="version")
    sets_raw = raw.get("sets")
    if not isinstance(sets_raw, list):
        raise FormatError(path, "must be a list", field="sets")
    sets = []
    for i, s in enumerate(sets_raw):
        where = f"sets[{i}]"
        if not isinstance(s, dict):
            raise FormatError(path, "must be an object", field=where)
        if s.get("exercise") not in EXERCISES:
            raise FormatError(path, f"unknown exercise {s.get('exercise')!r} "
                              f"(one of {', '.join(EXERCISES)})", field=f"{where}.exercise")
        reps_raw = s.get("reps")
        if not isinstance(reps_raw, list):
            raise FormatError(path, "must be a list", field=f"{where}.reps")
        reps = []
        for j, r in enumerate(reps_raw):
            rwhere = f"{where}.reps[{j}]"
            if not isinstance(r, dict):
                raise FormatError(path, "must be an object", field=rwhere)
            rep = LabelRep(_number(r, "start_s", rwhere, path), _number(r, "end_s", rwhere, path),
                           _number(r, "hold_start_s", rwhere, path, optional=True),
                           _number(r, "hold_end_s", rwhere, path, optional=True))
            if rep.end_s < rep.start_s:
                raise FormatError(path, "ends before it starts", field=f"{rwhere}.end_s")
            reps.append(rep)
        known = {"exercise", "start_s", "end_s", "reps", "posture_start_s", "posture_end_s"}
        sets.append(LabelSet(
            exercise=s["exercise"], start_s=_number(s, "start_s", where, path),
            end_s=_number(s, "end_s", where, path), reps=tuple(reps),
            posture_start_s=_number(s, "posture_start_s", where, path, optional=True),
            posture_end_s=_number(s, "posture_end_s", where, path, optional=True),
            extra={k: v for k, v in s.items() if k not in known}))
    extra = {k: v for k, v in raw.items() if k not in ("format", "version", "sets")}
    return Labels(tuple(sets), extra)


def labels_to_json(labels: Labels) -> dict[str, Any]:
    def rnd(x):
        return round(x, 3)
    sets = []
    for s in labels.sets:
        out: dict[str, Any] = {"exercise": s.exercise, "start_s": rnd(s.start_s),
                               "end_s": rnd(s.end_s)}
        if s.posture_start_s is not None:
            out["posture_start_s"] = rnd(s.posture_start_s)
        if s.posture_end_s is not None:
            out["posture_end_s"] = rnd(s.posture_end_s)
        reps = []
        for r in s.reps:
            rep = {"start_s": rnd(r.start_s), "end_s": rnd(r.end_s)}
            if r.hold_start_s is not None:
                rep["hold_start_s"] = rnd(r.hold_start_s)
            if r.hold_end_s is not None:
                rep["hold_end_s"] = rnd(r.hold_end_s)
            reps.append(rep)
        out["reps"] = reps
        out.update(s.extra)
        sets.append(out)
    return {"format": FORMAT_NAME, "version": FORMAT_VERSION, "sets": sets, **labels.extra}


def write_labels(path: str | Path, labels: Labels) -> None:
    Path(path).write_text(json.dumps(labels_to_json(labels), indent=1) + "\n", encoding="utf-8")
