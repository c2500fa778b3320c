"""A software sensor on a fake BlueZ: the whole BLE path without hardware.

`PrivateBus` runs a dbus-daemon of our own; `FakeBluez` serves the BlueZ D-Bus API on
it (adapter, devices, GATT objects) so that bleak's real BlueZ backend works against
it unmodified; `VirtualScimuSensor` is a scimu-v1 peripheral streaming a recording or
a simulated session in real time.
"""

from .bus import PrivateBus
from .fakebluez import FakeBluez
from .sensor import VirtualScimuSensor

__all__ = ["FakeBluez", "PrivateBus", "VirtualScimuSensor"]
