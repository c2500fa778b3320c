import warnings

import pytest

from sensorcoach.formats import TruncatedFileWarning


@pytest.fixture(autouse=True)
def _warnings_are_visible():
    # Our own warnings every time they happen (tests check them); everything else keeps
    # Python's default filters, as for someone running the command.
    with warnings.catch_warnings():
        warnings.simplefilter("always", TruncatedFileWarning)
        yield
