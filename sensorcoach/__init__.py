"""sensorcoach: an open rep counter for home physiotherapy with a hip-worn BLE IMU."""

from .errors import DecodeError, FormatError, ProfileError, SensorCoachError
from .samples import SampleBlock
from .source import CsvSource, NotificationStream, Pacer, RecordingSource, SampleSource, open_source

__version__ = "0.1.0"

__all__ = ["CsvSource", "DecodeError", "FormatError", "NotificationStream", "Pacer",
           "ProfileError", "RecordingSource", "SampleBlock", "SampleSource", "SensorCoachError",
           "open_source"]
