"""The one-call pipeline: samples in chunks -> events while streaming -> the result.

    analyzer = SessionAnalyzer()
    for block in source.blocks():
        for event in analyzer.feed(block): ...
    events = analyzer.finish()
    result = analyzer.result(stream=source.stats)

`analyze(path)` is the same fed from a file. Any chunking gives the same events and
result (frames are fixed by sample time; every state carries across chunks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..samples import SampleBlock
from .excursions import ExcursionDetector, RepCandidate, RockingCandidate
from .vectors import angle_deg
from .frames import FrameMaker, Frames
from .orientation import GravityTracker
from .settings import DetectorSettings
from .sets import SetBuilder

RESULT_FORMAT = "sensorcoach-result"
RESULT_VERSION = 1


class SessionAnalyzer:
    def __init__(self, settings: DetectorSettings | None = None):
        self.settings = settings or DetectorSettings()
        self.frames = FrameMaker(self.settings.frame_s)
        self.gravity = GravityTracker(self.settings)
        self.excursions = ExcursionDetector(self.settings)
        self.sets = SetBuilder(self.settings)
        self.first_t_s: float | None = None
        self.last_t_s: float | None = None
        #: The pelvis angle from rest per frame is kept for reports only when asked.
        self.trace: list[tuple[float, float]] | None = None
        #: (start_s, end_s) of each stretch without data the detector could not see
        #: across: link drops, and bursts of lost packets as long.
        self.gaps_s: list[tuple[float, float]] = []

    def feed(self, block: SampleBlock) -> list[dict]:
        if len(block):
            if self.first_t_s is None:
                self.first_t_s = float(block.t_s[0])
            self.last_t_s = float(block.t_s[-1])
        return self._process(self.frames.feed(block))

    def finish(self) -> list[dict]:
        out = self._process(self.frames.finish())
        # An excursion still open at the end never came back: not a rep.
        self.sets.close(out)
        return out

    def _process(self, frames: Frames) -> list[dict]:
        out: list[dict] = []
        if not len(frames):
            return out
        gravity = self.gravity.update(frames)
        vertical = np.einsum("ij,ij->i", frames.acc_g, gravity).tolist()
        directions = gravity.tolist()
        times = frames.t_s.tolist()
        spreads = frames.spread_g.tolist()
        norms = np.linalg.norm(frames.acc_g, axis=1).tolist()
        done = frames.done_at_s.tolist()
        det, sets = self.excursions, self.sets
        found: list[Any] = []
        for i in range(len(times)):
            det.typical_peak_deg = sets.typical_peak_deg
            det.typical_rep_s = sets.open_rep_s
            det.typical_rest_s = sets.open_rest_s
            det.step(times[i], directions[i], norms[i], spreads[i], vertical[i], done[i], found)
            if found:
                for item in found:
                    if isinstance(item, RepCandidate):
                        sets.on_rep(item, out)
                    elif isinstance(item, RockingCandidate):
                        sets.on_rocking(item, out)
                    elif item["type"] == "rocking_rep":
                        sets.on_rocking_rep(item, out)
                    elif item["type"] == "retract":
                        sets.retract(item["reps"], times[i], out)
                    elif item["type"] == "posture_change":
                        sets.on_posture_change(out)
                    else:
                        if item["type"] == "data_gap":
                            sets.on_gap(item["t_s"], item["duration_s"])
                            self.gaps_s.append((item["t_s"] - item["duration_s"], item["t_s"]))
                        out.append(item)
                found.clear()
            sets.on_time(times[i], det.busy_since_s, out, hugging=bool(det.live_circles))
            if self.trace is not None and det.base is not None:
                self.trace.append((times[i], angle_deg(directions[i], det.base)))
        return out

    def result(self, stream: Any = None, gaps=()) -> dict:
        """The analysis result; `stream`: the link's StreamStats, `gaps`: its Gaps (link
        drops), reported with the stretches the detector found without data."""
        duration = (self.last_t_s - self.first_t_s) if self.first_t_s is not None else 0.0
        result: dict[str, Any] = {"format": RESULT_FORMAT, "version": RESULT_VERSION,
                                  "duration_s": round(duration, 3), "sets": self.sets.sets}
        if stream is not None:
            result["stream"] = stream.as_dict()
            seen = _union([(g.start_s, g.end_s) for g in gaps] + self.gaps_s)
            if seen:
                result["stream"]["gaps"] = [{"start_s": round(a, 3), "end_s": round(b, 3)}
                                            for a, b in seen]
        return result


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Overlapping (start, end) spans merged, in time order."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def analyze_source(source, settings: DetectorSettings | None = None,
                   analyzer: SessionAnalyzer | None = None) -> dict:
    analyzer = analyzer or SessionAnalyzer(settings)
    for block in source.blocks():
        analyzer.feed(block)
    analyzer.finish()
    return analyzer.result(stream=source.stats, gaps=source.gaps)


def analyze(path: str | Path, settings: DetectorSettings | None = None) -> dict:
    from ..source import open_source
    return analyze_source(open_source(path), settings)
