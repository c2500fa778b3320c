"""Exercise detection: orientation, excursions, rocking, sets; streaming by construction."""

from .pipeline import SessionAnalyzer, analyze, analyze_source
from .settings import DetectorSettings

__all__ = ["DetectorSettings", "SessionAnalyzer", "analyze", "analyze_source"]
