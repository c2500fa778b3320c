"""Decoders turn a profile's notifications into samples.

Each decoder is a stateful object (sequence and clock tracking carry across calls)
with one method, `decode(payloads, t_host_s)`, that takes a batch of notifications
and returns a `SampleBlock` plus updates its `stats`. Batches may be of any size;
the result does not depend on how a stream is split into batches.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from ..errors import ProfileError
from ..profiles import DeviceProfile, load_profile
from ..samples import SampleBlock
from .stats import StreamStats


class Decoder(Protocol):
    stats: StreamStats

    def decode(self, payloads: list[bytes], t_host_s: np.ndarray,
               characteristics: list[str | None] | None = None) -> SampleBlock: ...

    def reset_link(self) -> None:
        """The link was re-established: sequence numbers may restart."""


#: Configuration keys each decoder needs (positive numbers), checked when reading a
#: recording's header so a bad file is named, not a KeyError.
REQUIRED_CONFIG = {"scimu-v1": ("odr_hz", "acc_range_g"), "polar-pmd": ("acc_sample_rate_hz",),
                   "witmotion-ble5": ("odr_hz",)}


def make_decoder(profile: DeviceProfile | str, config: dict[str, Any]) -> Decoder:
    if isinstance(profile, str):
        profile = load_profile(profile)
    from . import polar_pmd, scimu, witmotion
    factories = {"scimu-v1": scimu.ScimuDecoder, "polar-pmd": polar_pmd.PolarPmdDecoder,
                 "witmotion-ble5": witmotion.WitMotionDecoder}
    try:
        factory = factories[profile.decoder]
    except KeyError:
        raise ProfileError(f"unknown decoder {profile.decoder!r}", profile=profile.id,
                           key="profile.decoder") from None
    return factory(config)


__all__ = ["Decoder", "REQUIRED_CONFIG", "StreamStats", "make_decoder"]
