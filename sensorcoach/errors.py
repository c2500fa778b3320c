"""One exception root for everything sensorcoach raises on purpose.

The command line catches `SensorCoachError` and prints its message without a
traceback: every subclass carries enough data (file, line, field) to make the
message useful on its own.
"""

from __future__ import annotations

from pathlib import Path


class SensorCoachError(Exception):
    """Root of all errors that are the user's or the environment's, not a bug."""

    def __reduce__(self):
        # Pickled as built, not by calling `__init__` again with the message alone
        # (the default), which the subclasses' own arguments refuse: an error raised
        # in a worker process reaches the parent whole, with its data.
        return _rebuilt, (type(self), self.args, self.__dict__)


def _rebuilt(cls: type, args: tuple, state: dict) -> SensorCoachError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class FormatError(SensorCoachError):
    """A file does not follow its format. Names the file, line and field."""

    def __init__(self, path: str | Path | None, message: str, *, line: int | None = None,
                 field: str | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        self.reason = message
        where = self.path or "<input>"
        if line is not None:
            where += f", line {line}"
        if field is not None:
            where += f", field '{field}'"
        super().__init__(f"{where}: {message}")


class ProfileError(SensorCoachError):
    """A device profile is missing, unknown or malformed."""

    def __init__(self, message: str, *, profile: str | None = None, path: str | Path | None = None,
                 key: str | None = None):
        self.profile = profile
        self.path = None if path is None else str(path)
        self.key = key
        prefix = self.path or (f"profile '{profile}'" if profile else "profile")
        if key:
            prefix += f", key '{key}'"
        super().__init__(f"{prefix}: {message}")


class DecodeError(SensorCoachError):
    """A notification cannot be decoded at all (used by the `decode` tool; streams count and skip)."""

    def __init__(self, message: str, *, index: int | None = None):
        self.index = index
        super().__init__(message if index is None else f"notification {index}: {message}")


class BluetoothUnavailableError(SensorCoachError):
    """No Bluetooth service, adapter or power: nothing can be scanned or connected."""


class SensorNotFoundError(SensorCoachError):
    """The sensor asked for was not seen while scanning."""

    def __init__(self, message: str, *, address: str | None = None):
        self.address = address
        super().__init__(message)


class ConfigRefusedError(SensorCoachError):
    """The sensor refused the configuration written at connect."""

    def __init__(self, message: str, *, config: dict | None = None):
        self.config = config
        super().__init__(message)
