"""A labelled-session simulator realistic enough to build detectors on.

`simulate(SimulationSettings(seed=...))` -> a `SimulatedSession`; `write_session`
writes the scimu-v1 recording and its labels.
"""

from .session import SimulatedSession, SimulationSettings, simulate, write_session

__all__ = ["SimulatedSession", "SimulationSettings", "simulate", "write_session"]
