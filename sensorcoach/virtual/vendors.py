"""Virtual vendor sensors: a Polar H10 (PMD accelerometer) and a WitMotion BWT901BLE.

They follow the formats in sensorcoach/decoders/polar_pmd.py and witmotion.py, so the
host's live path for these profiles can be tested without the hardware.
"""

from __future__ import annotations

import struct
import numpy as np

from ..decoders.polar_pmd import ACC
from ..decoders.witmotion import RATE_CODES
from ..samples import SampleBlock
from .fakebluez import att_error
from .sensor import VirtualSensor

#: Where the H10's clock is (ns since 2000-01-01) when the virtual sensor starts.
POLAR_CLOCK_START_NS = 800_000_000 * 10**9
PMD_SUCCESS, PMD_INVALID_TYPE, PMD_INVALID_RATE, PMD_INVALID_RANGE = 0, 2, 8, 9


class VirtualPolarH10(VirtualSensor):
    """Raw 16-bit ACC frames (type 1, milli-g) after a PMD start command."""

    profile_id = "polar-h10"
    rssi = -60
    firmware = b"3.0.35"

    def __init__(self, samples: SampleBlock, source_rate_hz: float, *,
                 address: str = "A0:9E:1A:00:00:10", name: str = "Polar H10 1A2B3C4D", **options):
        super().__init__(samples, source_rate_hz, address=address, name=name, **options)
        self.rate_hz, self.range_g = 100, 8

    def gatt(self) -> list[dict]:
        g = self.profile.gatt
        return [{"uuid": g["service"], "handle": 0x0030, "characteristics": [
            {"uuid": g["control"], "handle": 0x0031, "flags": ["read", "write", "indicate"],
             "mtu": self.mtu},
            {"uuid": g["data"], "handle": 0x0034, "flags": ["notify"], "mtu": self.mtu}]},
            *self.standard_services(0x0040)]

    def write(self, uuid: str, value: bytes) -> None:
        if uuid != self.profile.gatt["control"] or len(value) < 2:
            raise att_error(0x03, "write not permitted")
        op, kind = value[0], value[1]
        if op == 0x03:
            self._stop_streaming()
            return
        if op != 0x02:
            raise att_error(0x80, "unknown op code")
        settings, rest = {}, value[2:]
        while len(rest) >= 4:
            settings[rest[0]] = int.from_bytes(rest[2:4], "little")
            rest = rest[4:]
        supported = self.profile.supported
        status = PMD_SUCCESS
        if kind != ACC:
            status = PMD_INVALID_TYPE
        elif settings.get(0) not in supported["acc_sample_rate_hz"]:
            status = PMD_INVALID_RATE
        elif settings.get(2) not in supported["acc_range_g"]:
            status = PMD_INVALID_RANGE
        # The answer comes as an indication: F0, op, type, status, more, parameters
        # (here the factor setting: id 5, one float32).
        answer = bytes([0xF0, 0x02, kind, status, 0])
        if status == PMD_SUCCESS:
            answer += bytes([5, 1]) + struct.pack("<f", 1.0)
            self.rate_hz, self.range_g = settings[0], settings[2]
            self._start_streaming()
        self.send(self.profile.gatt["control"], answer)

    def output_rate_hz(self) -> float:
        return float(self.rate_hz)

    def samples_per_notification(self) -> int:
        return max(1, min(36, (self.mtu - 3 - 10) // 6))

    def packet(self, k: int, idx: list[int]) -> bytes:
        n = len(idx)
        last_ns = POLAR_CLOCK_START_NS + int(round((k + n - 1) * 1e9 / self.rate_hz))
        mg = np.clip(np.rint(self.samples.acc_g[idx] * 1000), -1000 * self.range_g,
                     1000 * self.range_g).astype("<i2")
        return bytes([ACC]) + last_ns.to_bytes(8, "little") + bytes([0x01]) + mg.tobytes()


class VirtualWitMotion(VirtualSensor):
    """55 61 frames, one per notification, at the rate set by FF AA 03 <code> 00."""

    profile_id = "witmotion-bwt901ble"
    rssi = -62

    def __init__(self, samples: SampleBlock, source_rate_hz: float, *,
                 address: str = "D4:36:39:00:00:61", name: str = "WT901BLE67", **options):
        super().__init__(samples, source_rate_hz, address=address, name=name, **options)
        self.rate_hz = 10                          # the module's default output rate
        self.unlocked = False

    def gatt(self) -> list[dict]:
        g = self.profile.gatt
        return [{"uuid": g["service"], "handle": 0x0020, "characteristics": [
            {"uuid": g["data"], "handle": 0x0021, "flags": ["notify"], "mtu": self.mtu},
            {"uuid": g["control"], "handle": 0x0024,
             "flags": ["write-without-response", "write"], "mtu": self.mtu}]}]

    def write(self, uuid: str, value: bytes) -> None:
        if uuid != self.profile.gatt["control"] or len(value) != 5 or value[:2] != b"\xff\xaa":
            raise att_error(0x03, "write not permitted")
        if value == bytes.fromhex("ffaa6988b5"):
            self.unlocked = True
        elif value[2] == 0x03 and self.unlocked:
            codes = {code: rate for rate, code in RATE_CODES.items()}
            if value[3] in codes:
                self.rate_hz = codes[value[3]]
                if self.streaming:
                    self._start_streaming()

    def set_notifying(self, uuid: str, on: bool) -> None:
        super().set_notifying(uuid, on)
        if uuid == self.data_uuid:
            # The module streams whenever someone listens.
            self._start_streaming() if on else self._stop_streaming()

    def output_rate_hz(self) -> float:
        return float(self.rate_hz)

    def samples_per_notification(self) -> int:
        return 1

    def packet(self, k: int, idx: list[int]) -> bytes:
        acc = self._counts(self.samples.acc_g[idx], 16.0)
        gyro = (self._counts(self.samples.gyro_dps[idx], 2000.0) if self.has_gyro
                else np.zeros_like(acc))
        values = np.hstack([acc, gyro, np.zeros_like(acc)]).astype("<i2")
        return b"\x55\x61" + values.tobytes()
