"""A scimu-v1 sensor in software: configure, start, stop, battery, notifications.

It streams samples (from a recording, a CSV or the simulator) at the configured rate
in real time, re-encoded exactly as firmware would (same scaling and packet layout),
so decoding what it sends gives back the samples it was given. It can also refuse a
configuration, drop the link for a while, and send corrupt notifications, for tests.
"""

from __future__ import annotations

import asyncio
import struct
import time
from typing import Any

import numpy as np

from ..decoders.scimu import MAX_SAMPLES_PER_PACKET, encode_packet
from ..profiles import load_profile
from ..samples import SampleBlock
from .fakebluez import FakeBluez, att_error

PROTOCOL_VERSION = 1


class VirtualSensor:
    """What every virtual sensor shares: the link, notifications, real-time streaming.

    A subclass says what it advertises and serves (`advertised`, `gatt`, `read`,
    `write`), how fast it samples (`output_rate_hz`), how many samples go in one
    notification (`samples_per_notification`) and how a notification looks (`packet`).
    """

    profile_id = ""
    #: Advertised signal strength, dBm, and the firmware revision string served.
    rssi = -55
    firmware = b"virtual 1.0"

    def __init__(self, samples: SampleBlock, source_rate_hz: float, *, address: str,
                 name: str, mtu: int = 247, battery_percent: int = 87,
                 loop_samples: bool = True, speed: float = 1.0):
        self.samples = samples
        self.source_rate_hz = float(source_rate_hz)
        self.address, self.name, self.mtu = address, name, mtu
        self.battery_percent = battery_percent
        self.loop_samples = loop_samples
        #: Sensor time runs this many times faster than host time (tests, demos); the
        #: samples and their sensor-clock stamps are the same at any speed.
        self.speed = speed
        self.has_gyro = len(samples) > 0 and not np.isnan(samples.gyro_dps[:, 0]).any()
        self.profile = load_profile(self.profile_id)
        self.data_uuid = self.profile.gatt["data"]
        self.streaming = False
        self.notifying: set[str] = set()
        self.connected = False
        self.refuse_connect_until = 0.0
        self.bluez: FakeBluez | None = None
        self.path: str | None = None
        self._task: asyncio.Task | None = None
        self._t0 = time.monotonic()            # sensor time zero
        self._ever_started = False
        self.packets_sent = 0

    # --- what FakeBluez asks (the parts every sensor shares) -------------------------------
    def advertised(self) -> dict[str, Any]:
        return {"UUIDs": [self.profile.gatt["service"]], "RSSI": self.rssi, "Name": self.name,
                "ManufacturerData": {}, "ServiceData": {}}

    def standard_services(self, first_handle: int) -> list[dict]:
        """Battery Service and Device Information, where the profile has them."""
        g = self.profile.gatt
        if "battery_service" not in g:
            return []
        return [
            {"uuid": g["battery_service"], "handle": first_handle, "characteristics": [
                {"uuid": g["battery_level"], "handle": first_handle + 1,
                 "flags": ["read", "notify"]}]},
            {"uuid": g["device_info_service"], "handle": first_handle + 4, "characteristics": [
                {"uuid": g["firmware_revision"], "handle": first_handle + 5, "flags": ["read"]}]},
        ]

    def read(self, uuid: str) -> bytes:
        g = self.profile.gatt
        if uuid == g.get("battery_level"):
            return bytes([self.battery_percent])
        if uuid == g.get("firmware_revision"):
            return self.firmware
        raise att_error(0x02, "read not permitted")

    # --- link ------------------------------------------------------------------------------
    async def on_connect(self) -> None:
        from dbus_fast import DBusError
        if time.monotonic() < self.refuse_connect_until:
            raise DBusError("org.bluez.Error.Failed", "le-connection-abort-by-local")
        self.connected = True

    async def on_disconnect(self) -> None:
        self.connected = False
        self.notifying.clear()
        self._stop_streaming()

    def set_notifying(self, uuid: str, on: bool) -> None:
        if on:
            self.notifying.add(uuid)
        else:
            self.notifying.discard(uuid)

    def send(self, uuid: str, payload: bytes) -> None:
        if uuid in self.notifying and self.bluez is not None:
            self.bluez.notify(self.path, uuid, payload)

    # --- streaming -------------------------------------------------------------------------
    def output_rate_hz(self) -> float:
        raise NotImplementedError

    def samples_per_notification(self) -> int:
        raise NotImplementedError

    def packet(self, k: int, idx: list[int]) -> bytes:
        """The notification carrying output samples k.. (source samples `idx`)."""
        raise NotImplementedError

    def _start_streaming(self) -> None:
        self._stop_streaming()
        if not self._ever_started:
            # A replay starts at its beginning when the host first asks for data;
            # from then on sensor time runs on, streaming or not.
            self._t0 = time.monotonic()
            self._ever_started = True
        self.streaming = True
        self._task = asyncio.get_running_loop().create_task(self._stream())

    def _stop_streaming(self) -> None:
        self.streaming = False
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def sample_index(self, k: int) -> int | None:
        """Source sample for output sample k (nearest in time; wraps if looping)."""
        i = int(round(k * self.source_rate_hz / self.output_rate_hz()))
        if i >= len(self.samples):
            if not self.loop_samples:
                return None
            i %= len(self.samples)
        return i

    async def _stream(self) -> None:
        rate = self.output_rate_hz()
        n = self.samples_per_notification()
        # Output sample k is taken at k / rate of sensor time.
        k = int((time.monotonic() - self._t0) * rate * self.speed)
        while self.streaming:
            due = int((time.monotonic() - self._t0) * rate * self.speed)
            while k + n <= due and self.streaming:
                idx = [self.sample_index(k + j) for j in range(n)]
                if idx[-1] is None:
                    self.streaming = False
                    break
                self.packets_sent += 1
                self.send(self.data_uuid, self.packet(k, idx))
                k += n
            await asyncio.sleep(n / rate / self.speed / 2)

    # --- tests and demos ---------------------------------------------------------------------
    async def attach(self, bluez: FakeBluez) -> str:
        self.bluez = bluez
        self.path = bluez.add_device(self)
        return self.path

    async def drop_link(self, down_s: float) -> None:
        """The radio link breaks; reconnecting is refused for `down_s` seconds."""
        self.refuse_connect_until = time.monotonic() + down_s
        if self.bluez is not None and self.connected:
            await self.bluez.drop(self.path)

    def _counts(self, values: np.ndarray, full_scale: float) -> np.ndarray:
        return np.clip(np.rint(values * 32768.0 / full_scale), -32768, 32767).astype(int)


class VirtualScimuSensor(VirtualSensor):
    """The reference sensor, scimu-v1."""

    profile_id = "scimu-v1"
    firmware = b"scimu-virtual 1.0"

    def __init__(self, samples: SampleBlock, source_rate_hz: float, *, address: str =
                 "C0:FF:EE:00:00:01", name: str = "SensorCoach-0001", refuse_config: bool = False,
                 corrupt_every: int = 0, clock_start_us: int = 0, **options):
        super().__init__(samples, source_rate_hz, address=address, name=name, **options)
        self.refuse_config = refuse_config
        self.corrupt_every = corrupt_every
        self._clock_start_us = clock_start_us
        self.config = {"odr_hz": 100, "acc_range_g": 8,
                       "gyro_range_dps": 1000 if self.has_gyro else 0, "samples_per_packet": 1}
        self._seq = 0
        self.corrupt_sent = 0

    # --- what FakeBluez asks ----------------------------------------------------------------
    def gatt(self) -> list[dict]:
        g = self.profile.gatt
        return [
            {"uuid": g["service"], "handle": 0x000A, "characteristics": [
                {"uuid": g["data"], "handle": 0x000B, "flags": ["notify"], "mtu": self.mtu},
                {"uuid": g["control"], "handle": 0x000E, "flags": ["read", "write"],
                 "mtu": self.mtu}]},
            *self.standard_services(0x0010)]

    def read(self, uuid: str) -> bytes:
        if uuid == self.profile.gatt["control"]:
            c = self.config
            return struct.pack("<BHBHBB", PROTOCOL_VERSION, c["odr_hz"], c["acc_range_g"],
                               c["gyro_range_dps"], c["samples_per_packet"], int(self.streaming))
        return super().read(uuid)

    def write(self, uuid: str, value: bytes) -> None:
        if uuid != self.profile.gatt["control"] or not value:
            raise att_error(0x03, "write not permitted")
        command = value[0]
        if command == 0x01:
            self._configure(value)
        elif command == 0x02:
            self._start_streaming()
        elif command == 0x03:
            self._stop_streaming()
        else:
            raise att_error(0x80, "unknown command")

    # --- firmware behaviour ---------------------------------------------------------------------
    def _configure(self, value: bytes) -> None:
        if len(value) != 7:
            raise att_error(0x0D, "invalid attribute value length")
        _, odr, acc, gyro, spp = struct.unpack("<BHBHB", value)
        supported = self.profile.supported
        bytes_per_sample = 12 if self.has_gyro else 6
        ok = (odr in supported["odr_hz"] and acc in supported["acc_range_g"]
              and gyro in supported["gyro_range_dps"] and 1 <= spp <= MAX_SAMPLES_PER_PACKET
              and 8 + bytes_per_sample * spp <= self.mtu - 3)
        if self.refuse_config or not ok:
            raise att_error(0x80, "configuration refused")   # the old one stays
        self.config = {"odr_hz": odr, "acc_range_g": acc,
                       "gyro_range_dps": gyro if self.has_gyro else 0, "samples_per_packet": spp}

    def _start_streaming(self) -> None:
        self._seq = 0                             # restarts on every start command
        super()._start_streaming()

    def output_rate_hz(self) -> float:
        return float(self.config["odr_hz"])

    def samples_per_notification(self) -> int:
        return self.config["samples_per_packet"]

    def packet(self, k: int, idx: list[int]) -> bytes:
        c = self.config
        acc = self._counts(self.samples.acc_g[idx], c["acc_range_g"])
        gyro = self._counts(self.samples.gyro_dps[idx], c["gyro_range_dps"]) if self.has_gyro else None
        t0_us = self._clock_start_us + int(round(k * 1e6 / c["odr_hz"]))
        payload = encode_packet(self._seq, t0_us, acc, gyro)
        self._seq = (self._seq + 1) % 65536
        if self.corrupt_every and self.packets_sent % self.corrupt_every == 0:
            payload = payload[:-3]               # a length that does not match its header
            self.corrupt_sent += 1
        return payload
