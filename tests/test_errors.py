"""The exception root: every error carries its data, in this process and across one."""

import pickle

import pytest

from sensorcoach import errors

EXAMPLES = [
    errors.FormatError("s1.csv", "not a number", line=3, field="acc_x_g"),
    errors.ProfileError("no such key", profile="metawear", key="odr_hz"),
    errors.DecodeError("too short", index=4),
    errors.BluetoothUnavailableError("no adapter"),
    errors.SensorNotFoundError("not seen", address="AA:BB:CC:DD:EE:FF"),
    errors.ConfigRefusedError("refused", config={"odr_hz": 100}),
]


def test_every_error_class_has_an_example():
    def subclasses(cls):
        return {cls} | {s for c in cls.__subclasses__() for s in subclasses(c)}
    assert subclasses(errors.SensorCoachError) - {errors.SensorCoachError} == {
        type(e) for e in EXAMPLES}


@pytest.mark.parametrize("error", EXAMPLES, ids=lambda e: type(e).__name__)
def test_an_error_pickles_whole(error):
    """An error raised in a worker process (the accuracy scripts replay sessions two
    at a time) reaches the parent with its message and data; the default pickling
    called `__init__` with the message alone, which the subclasses refuse."""
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert vars(again) == vars(error)
