import warnings

import pytest


@pytest.fixture(autouse=True)
def _warnings_are_visible():
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        yield
