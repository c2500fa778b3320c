"""The live half: scan for sensors, connect, configure, stream, reconnect. bleak lives here only.

`LiveSensor` connects with bleak-retry-connector's `establish_connection` (from a fresh
scan, never a bare address), reads firmware and battery, writes the profile's
configuration with samples per packet fitted to the negotiated MTU, subscribes, and
hands every notification to callbacks (plain functions or coroutines) with its host
receive time. When the link drops it reports `disconnected`, reconnects with backoff,
configures again and reports `connected`: the session carries on and the gap shows.
"""

from __future__ import annotations

import asyncio
import inspect
import struct
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from bleak import BleakClient, BleakScanner
from bleak.exc import BleakError
from bleak_retry_connector import BleakClientWithServiceCache, establish_connection

from .decoders.scimu import MAX_SAMPLES_PER_PACKET
from .errors import BluetoothUnavailableError, ConfigRefusedError, SensorNotFoundError
from .profiles import DeviceProfile, all_profiles

#: Reconnection waits between attempts, s: quick at first (a brief radio fade), then
#: backing off to spare the battery, never longer than 10 s (a person waits).
RECONNECT_BACKOFF_S = (0.5, 1.0, 2.0, 4.0, 8.0, 10.0)
SCAN_TIMEOUT_S = 5.0

Callback = Callable[..., Any] | Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class FoundSensor:
    name: str
    address: str
    rssi: int | None
    profile: DeviceProfile
    matched_by: str              # "service" or "name"
    device: Any = None           # bleak's BLEDevice, for connecting

    def as_dict(self) -> dict:
        return {"name": self.name, "address": self.address, "rssi": self.rssi,
                "profile": self.profile.id, "matched_by": self.matched_by}


def match_profile(name: str | None, service_uuids: list[str],
                  profiles: list[DeviceProfile]) -> tuple[DeviceProfile, str] | None:
    uuids = {u.lower() for u in service_uuids}

    def by_service(p):
        return p.gatt.get("service") in uuids

    def by_name(p):
        return bool(name) and any(name.startswith(x) for x in p.advertised_name_prefixes)

    # Models that share a service (Polar's PMD) are told apart by their name.
    for test, how in ((lambda p: by_service(p) and by_name(p), "service and name"),
                      (by_service, "service"), (by_name, "name")):
        for profile in profiles:
            if test(profile):
                return profile, how
    return None


def _unavailable(exc: BaseException) -> BluetoothUnavailableError:
    import os
    text = str(exc) or type(exc).__name__
    if isinstance(exc, (OSError, EOFError)):
        bus = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", "the default system bus")
        text = f"cannot reach the system D-Bus at {bus} ({text}); is D-Bus running?"
    elif "ServiceUnknown" in text or "org.bluez" in text:
        text = "no Bluetooth service (BlueZ) on the system bus; is bluetoothd running?"
    return BluetoothUnavailableError(f"Bluetooth is not available: {text}")


async def scan(timeout_s: float = SCAN_TIMEOUT_S) -> list[FoundSensor]:
    """Nearby sensors that a profile in firmware_config/ matches, strongest first."""
    profiles = all_profiles()
    try:
        seen = await BleakScanner.discover(timeout=timeout_s, return_adv=True)
    except (BleakError, OSError, EOFError) as exc:
        raise _unavailable(exc) from None
    found = []
    for device, adv in seen.values():
        name = adv.local_name or device.name
        match = match_profile(name, adv.service_uuids, profiles)
        if match:
            found.append(FoundSensor(name or "?", device.address, adv.rssi, match[0], match[1],
                                     device))
    return sorted(found, key=lambda f: -(f.rssi if f.rssi is not None else -999))


async def find(address: str | None, timeout_s: float = SCAN_TIMEOUT_S) -> FoundSensor:
    """A fresh scan result for `address` (or the strongest supported sensor)."""
    sensors = await scan(timeout_s)
    for sensor in sensors:
        if address is None or sensor.address.upper() == address.upper():
            return sensor
    if address:
        raise SensorNotFoundError(f"sensor {address} was not seen in {timeout_s:g} s of scanning "
                                  f"(is it on and in range?)", address=address)
    raise SensorNotFoundError(f"no supported sensor was seen in {timeout_s:g} s of scanning "
                              f"(is it switched on and in range?)")


async def _call(callback: Callback | None, *args) -> None:
    if callback is None:
        return
    result = callback(*args)
    if inspect.isawaitable(result):
        await result


def samples_per_packet(mtu: int, bytes_per_sample: int) -> int:
    """As many samples as fit one notification: 8 + n * size <= MTU - 3, at most 19."""
    return max(1, min(MAX_SAMPLES_PER_PACKET, (mtu - 3 - 8) // bytes_per_sample))


class LiveSensor:
    """One sensor, connected and streaming until `stop()`; survives link drops."""

    def __init__(self, sensor: FoundSensor, *, on_notification: Callback,
                 on_event: Callback | None = None, config: dict | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.sensor = sensor
        self.profile = sensor.profile
        self.on_notification = on_notification
        self.on_event = on_event
        self.requested = dict(self.profile.config, **(config or {}))
        self.clock = clock
        self.t0: float | None = None          # host time origin of the session
        self.client: BleakClient | None = None
        self.config: dict | None = None       # what the sensor runs with
        self.firmware: str | None = None
        self.battery_percent: int | None = None
        self.mtu: int | None = None
        self._lost = asyncio.Event()
        self._stopping = False
        #: (host time, payload bytes or event name): notifications and link events in the
        #: order they happened, delivered by `_pump`.
        self._queue: asyncio.Queue = asyncio.Queue()
        self._pump: asyncio.Task | None = None

    def now(self) -> float:
        return self.clock() - self.t0

    def recording_header(self, **extra) -> dict:
        """The header of a recording of this sensor as it is configured now."""
        from .formats import make_header
        device = {"name": self.sensor.name, "address": self.sensor.address,
                  "firmware": self.firmware}
        return make_header(self.profile.id, self.config, device=device, **extra)

    async def start(self) -> None:
        """Connect and configure; raises ConfigRefusedError / BluetoothUnavailableError."""
        self.t0 = self.clock()
        await self._connect(self.sensor.device)
        self._pump = asyncio.get_running_loop().create_task(self._deliver())

    async def _connect(self, device) -> None:
        g = self.profile.gatt
        try:
            client = await establish_connection(
                BleakClientWithServiceCache, device, self.sensor.name,
                disconnected_callback=lambda _: self._lost.set(), max_attempts=3)
        except (BleakError, OSError, asyncio.TimeoutError) as exc:
            raise SensorNotFoundError(f"could not connect to {self.sensor.address}: {exc}",
                                      address=self.sensor.address) from None
        self.client = client
        self._lost.clear()
        try:
            self.firmware = (await client.read_gatt_char(g["firmware_revision"])).decode(
                "utf-8", "replace") if "firmware_revision" in g else None
            if "battery_level" in g:
                self.battery_percent = (await client.read_gatt_char(g["battery_level"]))[0]
            data_char = client.services.get_characteristic(g["data"])
            self.mtu = data_char.max_write_without_response_size + 3
            setup = {"scimu-v1": self._setup_scimu, "polar-pmd": self._setup_polar,
                     "witmotion-ble5": self._setup_witmotion}[self.profile.decoder]
            self.config = await setup(client)
        except BaseException:
            await client.disconnect()
            raise

    def _refused(self, config: dict, why: str) -> ConfigRefusedError:
        return ConfigRefusedError(
            f"{self.sensor.name} refused the configuration {config} ({why}); check the rates "
            f"and ranges in firmware_config/{self.profile.id}.toml against what the firmware "
            f"supports", config=config)

    async def _setup_scimu(self, client) -> dict:
        g = self.profile.gatt
        # An accelerometer-only unit reads back gyro range 0: 6 bytes per sample.
        _, _, _, gyro_now, _, _ = struct.unpack(
            "<BHBHBB", await client.read_gatt_char(g["control"]))
        config = dict(self.requested)
        if not config.get("samples_per_packet"):
            config["samples_per_packet"] = samples_per_packet(self.mtu, 12 if gyro_now else 6)
        command = struct.pack("<BHBHB", 1, config["odr_hz"], config["acc_range_g"],
                              config["gyro_range_dps"], config["samples_per_packet"])
        try:
            await client.write_gatt_char(g["control"], command, response=True)
        except BleakError as exc:
            raise self._refused(config, str(exc)) from None
        _, odr, acc, gyro, spp, _ = struct.unpack(
            "<BHBHBB", await client.read_gatt_char(g["control"]))
        await client.start_notify(g["data"], self._on_data)
        await client.write_gatt_char(g["control"], b"\x02", response=True)
        return {"odr_hz": odr, "acc_range_g": acc, "gyro_range_dps": gyro,
                "samples_per_packet": spp}

    async def _setup_polar(self, client) -> dict:
        """PMD: a start command per stream on the control point; the answer (an
        indication) says whether it started and carries the factor for compressed data."""
        from .decoders.polar_pmd import ACC, GYRO
        g = self.profile.gatt
        answers: asyncio.Queue = asyncio.Queue()
        await client.start_notify(g["control"], lambda _c, d: answers.put_nowait(bytes(d)))
        await client.start_notify(g["data"], self._on_data)
        config = dict(self.requested)
        streams = [(ACC, "acc", config["acc_range_g"])]
        if self.profile.has_gyro:
            streams.append((GYRO, "gyro", config["gyro_range_dps"]))
        for kind, name, full_range in streams:
            settings = {0: config[f"{name}_sample_rate_hz"],
                        1: config.get(f"{name}_resolution_bits", 16), 2: full_range}
            command = bytes([0x02, kind]) + b"".join(
                bytes([key, 1]) + int(value).to_bytes(2, "little") for key, value in settings.items())
            try:
                await client.write_gatt_char(g["control"], command, response=True)
                answer = await asyncio.wait_for(answers.get(), 5.0)
            except (BleakError, asyncio.TimeoutError) as exc:
                raise self._refused(config, f"no answer to the start command: {exc}") from None
            if len(answer) < 4 or answer[0] != 0xF0 or answer[1] != 0x02 or answer[3] != 0:
                status = answer[3] if len(answer) > 3 else "?"
                raise self._refused(config, f"{name} start answered with status {status}")
            params = answer[5:]
            while len(params) >= 2:                 # settings: id, count, values
                key, count = params[0], params[1]
                size = 4 if key in (3, 5) else (1 if key == 4 else 2)
                if key == 5 and count:
                    config[f"{name}_factor"] = struct.unpack("<f", params[2:6])[0]
                params = params[2 + size * count:]
        return config

    async def _setup_witmotion(self, client) -> dict:
        """WitMotion: unlock, set the output rate, save; then the frames flow."""
        from .decoders.witmotion import rate_command
        g = self.profile.gatt
        config = dict(self.requested)
        for command in (bytes.fromhex("ffaa6988b5"), rate_command(config["odr_hz"]),
                        bytes.fromhex("ffaa000000")):
            await client.write_gatt_char(g["control"], command, response=False)
        await client.start_notify(g["data"], self._on_data)
        return config

    def _on_data(self, _characteristic, data: bytearray) -> None:
        # Stamp on arrival; deliver from a task so slow callbacks never block bleak.
        self._queue.put_nowait((self.now(), bytes(data)))

    async def _dispatch(self, t: float, item: bytes | str) -> None:
        if isinstance(item, bytes):
            await _call(self.on_notification, t, item)
        else:
            await _call(self.on_event, t, item)

    async def _deliver(self) -> None:
        while True:
            await self._dispatch(*await self._queue.get())

    async def run(self, duration_s: float | None = None) -> None:
        """Stream until `duration_s` has passed or `stop()`; reconnect after drops."""
        deadline = None if duration_s is None else self.t0 + duration_s
        while not self._stopping:
            timeout = None if deadline is None else max(0.0, deadline - self.clock())
            try:
                await asyncio.wait_for(self._lost.wait(), timeout)
            except asyncio.TimeoutError:
                return
            if self._stopping:
                return
            # Queued behind the notifications that arrived before the drop.
            self._queue.put_nowait((self.now(), "disconnected"))
            await self._reconnect(deadline)

    async def _reconnect(self, deadline: float | None) -> None:
        attempt = 0
        while not self._stopping and (deadline is None or self.clock() < deadline):
            await asyncio.sleep(RECONNECT_BACKOFF_S[min(attempt, len(RECONNECT_BACKOFF_S) - 1)])
            attempt += 1
            try:
                fresh = await find(self.sensor.address, timeout_s=2.0)
                await self._connect(fresh.device)
            except (SensorNotFoundError, BluetoothUnavailableError):
                continue
            self._queue.put_nowait((self.now(), "connected"))
            return

    async def stop(self) -> None:
        self._stopping = True
        self._lost.set()
        if self.client is not None and self.client.is_connected:
            stop = {"scimu-v1": [b"\x03"], "polar-pmd": [b"\x03\x02", b"\x03\x05"]}.get(
                self.profile.decoder, [])
            try:
                for command in stop:
                    await self.client.write_gatt_char(self.profile.gatt["control"], command,
                                                      response=True)
            except BleakError:
                pass
            try:
                await self.client.disconnect()
            except BleakError:
                pass            # the link or the Bluetooth service is already gone
        if self._pump is not None:
            # Let what arrived reach the callbacks before we go.
            self._pump.cancel()
            while not self._queue.empty():
                await self._dispatch(*self._queue.get_nowait())

