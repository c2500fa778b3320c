"""One interface for live and recorded data (python-can's bus / log-reader split).

Raw side: notifications and events, from BLE or from a recording file, go through
one `NotificationStream` (the decoder plus link bookkeeping). Sample side: every
`SampleSource` (recording, CSV, live sensor) yields `SampleBlock`s from `blocks()`.
Pacing (replay at real time) is a separate wrapper around the raw items, so parsing
never knows whether it is being replayed fast or slowly.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from .decoders import StreamStats, make_decoder
from .errors import FormatError
from .formats import (Event, NotificationBatch, RecordingReader, is_csv_path, is_recording_path,
                      read_samples_csv)
from .profiles import DeviceProfile
from .samples import SampleBlock


@dataclass(frozen=True)
class Gap:
    """Sample time with no data because the link was down (never hidden)."""
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    def as_dict(self) -> dict:
        return {"start_s": round(self.start_s, 3), "end_s": round(self.end_s, 3)}


class NotificationStream:
    """Decodes a profile's notifications and keeps link events; shared by live and replay."""

    def __init__(self, profile: DeviceProfile | str, config: dict[str, Any]):
        self.decoder = make_decoder(profile, config)
        self.stats: StreamStats = self.decoder.stats
        self.gaps: list[Gap] = []
        self.events: list[Event] = []
        self._last_sample_s: float | None = None
        self._gap_open = False

    def feed(self, t_host_s, payloads: list[bytes],
             characteristics: list[str | None] | None = None) -> SampleBlock:
        block = self.decoder.decode(payloads, t_host_s, characteristics)
        if len(block):
            if self._gap_open and self._last_sample_s is not None:
                self.gaps.append(Gap(self._last_sample_s, float(block.t_s[0])))
            self._gap_open = False
            self._last_sample_s = float(block.t_s[-1])
        return block

    def feed_event(self, event: Event) -> None:
        self.events.append(event)
        if event.name == "disconnected":
            self.stats.disconnects += 1
            self._gap_open = True
        elif event.name == "connected":
            # The sensor may restart its sequence numbers on a new link.
            self.decoder.reset_link()


class Pacer:
    """Releases recorded items no faster than their host time stamps (times `speed`)."""

    #: Notifications due within this window go out together: live BLE batches them
    #: per connection interval (7.5-50 ms) anyway.
    WINDOW_S = 0.02

    def __init__(self, speed: float = 1.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self.clock = clock
        self.sleep = sleep
        self._origin: tuple[float, float] | None = None   # (recording t, wall t)

    def _anchor(self, t_rec: float) -> None:
        """The first item's recording time is "now"."""
        if self._origin is None:
            self._origin = (t_rec, self.clock())

    def _wait_until(self, t_rec: float) -> None:
        self._anchor(t_rec)
        due = self._origin[1] + (t_rec - self._origin[0]) / self.speed
        delay = due - self.clock()
        if delay > 0:
            self.sleep(delay)

    def pace(self, items: Iterable[NotificationBatch | Event]) -> Iterator[NotificationBatch | Event]:
        for item in items:
            if isinstance(item, Event):
                self._wait_until(item.t_host_s)
                yield item
                continue
            times = np.asarray(item.t_host_s)
            if len(times):
                self._anchor(float(times[0]))
            start = 0
            while start < len(times):
                stop = int(np.searchsorted(times, times[start] + self.WINDOW_S * self.speed,
                                           side="right"))
                stop = max(stop, start + 1)
                self._wait_until(float(times[stop - 1]))
                yield NotificationBatch(item.t_host_s[start:stop], item.payloads[start:stop],
                                        item.characteristics[start:stop])
                start = stop


class SampleSource(ABC):
    """Anything that yields samples: a recording, a CSV, a live sensor."""

    #: Profile id, or None for data that did not come through a sensor profile (CSV).
    profile_id: str | None = None
    config: dict[str, Any] = {}

    def __init__(self):
        self.stats = StreamStats()
        self.gaps: list[Gap] = []

    @abstractmethod
    def blocks(self) -> Iterator[SampleBlock]:
        """Sample blocks in time order, as they become available."""

    def read_all(self) -> SampleBlock:
        return SampleBlock.concat(list(self.blocks()))


class RecordingSource(SampleSource):
    """Replays a recording through the same decoding path as live notifications."""

    def __init__(self, path: str | Path, *, pacer: Pacer | None = None, batch_size: int = 4096):
        super().__init__()
        self.path = Path(path)
        self.reader = RecordingReader(self.path)
        self.header = self.reader.header
        self.profile_id = self.header.profile.id
        self.config = self.header.config
        self.stream = NotificationStream(self.header.profile, self.config)
        self.stats = self.stream.stats
        self.gaps = self.stream.gaps
        self.pacer = pacer
        self.batch_size = batch_size
        #: (first, last) host receive time seen, for the session's wall-clock span.
        self.host_span_s: tuple[float, float] | None = None

    def raw_items(self) -> Iterator[NotificationBatch | Event]:
        items = self.reader.items(self.batch_size)
        return self.pacer.pace(items) if self.pacer else items

    def blocks(self) -> Iterator[SampleBlock]:
        try:
            for item in self.raw_items():
                if isinstance(item, Event):
                    self.stream.feed_event(item)
                    continue
                self._note_host_time(item.t_host_s)
                block = self.stream.feed(item.t_host_s, item.payloads, item.characteristics)
                if len(block):
                    yield block
        finally:
            self.reader.close()

    def _note_host_time(self, times: list[float]) -> None:
        if not times:
            return
        first = times[0] if self.host_span_s is None else self.host_span_s[0]
        self.host_span_s = (first, times[-1])


class CsvSource(SampleSource):
    """Samples from a sample CSV, in blocks of `block_size` (no decoding, no link)."""

    def __init__(self, path: str | Path, *, block_size: int = 100_000):
        super().__init__()
        self.path = Path(path)
        self.block_size = block_size
        self._samples = read_samples_csv(self.path)
        self.stats.samples = len(self._samples)
        if len(self._samples) > 1:
            self.config = {"odr_hz": round(1.0 / float(np.median(np.diff(self._samples.t_s))), 1)}

    def blocks(self) -> Iterator[SampleBlock]:
        for start in range(0, len(self._samples), self.block_size):
            yield self._samples[start:start + self.block_size]


def open_source(path: str | Path, *, pacer: Pacer | None = None) -> SampleSource:
    """The source for a file, picked by its suffix."""
    if is_recording_path(path):
        return RecordingSource(path, pacer=pacer)
    if is_csv_path(path):
        return CsvSource(path)
    raise FormatError(path, "unknown file type (expected .jsonl, .jsonl.gz or .csv)")
