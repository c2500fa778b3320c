"""Detected sets and reps against the plan.

Each detected set goes, in time order, to the first planned set of the same exercise
that is not complete yet (so a set split by a pause, or done out of order, still
counts); what finds no planned set is an extra set, a planned set nothing went to
was skipped. A bridge held shorter than the plan's hold is an attempt: it does not
count towards the target, and the report says by how much it fell short. A set is
complete when its target is met.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .plan import Plan, PlannedSet


@dataclass
class SetProgress:
    planned: PlannedSet
    index: int                                   # position in the plan, from 0
    counted: int = 0                             # reps that count towards the target
    attempts: list[dict] = field(default_factory=list)   # bridges held too short
    posture_s: float = 0.0
    detected: list[int] = field(default_factory=list)    # indices into result["sets"]

    def holds_s(self, result: dict) -> list[float]:
        """Hold times of every rep seen of the detected sets that went to this planned
        set (a rep a link gap hid has only the set's typical hold)."""
        return [r["hold_s"] for i in self.detected for r in result["sets"][i]["reps"]
                if r.get("hold_s") is not None and not r.get("hidden")]

    @property
    def complete(self) -> bool:
        return self.counted >= self.planned.reps

    @property
    def status(self) -> str:
        if self.complete:
            return "complete"
        return "incomplete" if self.detected else "skipped"

    def as_dict(self) -> dict:
        p = self.planned
        out = {"exercise": p.exercise, "target_reps": p.reps, "counted_reps": self.counted,
               "status": self.status, "detected_sets": self.detected}
        if p.hold_s is not None:
            out["hold_target_s"] = p.hold_s
            out["attempts"] = self.attempts
        if p.posture_s is not None:
            out["posture_target_s"] = p.posture_s
            out["posture_s"] = round(self.posture_s, 1)
        return out


@dataclass
class MatchResult:
    progress: list[SetProgress]
    extra: list[int]                             # detected sets no planned set took
    in_plan_order: bool

    def as_dict(self) -> dict:
        return {"sets": [p.as_dict() for p in self.progress], "extra_sets": self.extra,
                "in_plan_order": self.in_plan_order,
                "adherence": round(self.adherence, 3)}

    @property
    def adherence(self) -> float:
        """Share of the planned reps that were done (each set capped at its target)."""
        planned = sum(p.planned.reps for p in self.progress)
        done = sum(min(p.counted, p.planned.reps) for p in self.progress)
        return done / planned if planned else 0.0


class Matcher:
    """Incremental: feed reps and sets as they are found (live), or a whole result."""

    def __init__(self, plan: Plan):
        self.plan = plan
        self.progress = [SetProgress(s, i) for i, s in enumerate(plan.sets)]
        self.extra: list[int] = []
        self._order: list[int] = []

    def target_for(self, exercise: str) -> SetProgress | None:
        for p in self.progress:
            if p.planned.exercise == exercise and not p.complete:
                return p
        return None

    def add_rep(self, progress: SetProgress | None, rep: dict) -> bool:
        """A rep of the set `progress` is working on; True if it counts."""
        if progress is None:
            return False
        hold_target = progress.planned.hold_s
        if hold_target is not None and rep.get("hold_s") is not None and rep["hold_s"] < hold_target:
            progress.attempts.append({"start_s": rep["start_s"], "hold_s": rep["hold_s"],
                                      "short_by_s": round(hold_target - rep["hold_s"], 2)})
            return False
        progress.counted += 1
        return True

    def add_set(self, index: int, detected: dict) -> SetProgress | None:
        progress = self.target_for(detected["exercise"])
        if progress is None:
            self.extra.append(index)
            return None
        progress.detected.append(index)
        self._order.append(progress.index)
        for rep in detected["reps"]:
            self.add_rep(progress, rep)
        if detected["exercise"] == "knee_to_chest":
            progress.posture_s += detected.get("hold_s", 0.0)
        return progress

    def result(self) -> MatchResult:
        in_order = all(a <= b for a, b in zip(self._order, self._order[1:]))
        return MatchResult(self.progress, self.extra, in_order)


def match(plan: Plan, result: dict) -> MatchResult:
    matcher = Matcher(plan)
    for index, detected in enumerate(result["sets"]):
        matcher.add_set(index, detected)
    return matcher.result()
