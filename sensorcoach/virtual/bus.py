"""A private D-Bus bus (a dbus-daemon with a config of our own, in a temp folder)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import SensorCoachError

CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>custom</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
"""


class PrivateBus:
    """Starts dbus-daemon on a private socket; `address` is what DBUS_SYSTEM_BUS_ADDRESS takes."""

    def __init__(self):
        self.folder: Path | None = None
        self.process: subprocess.Popen | None = None
        self.address: str | None = None

    def start(self) -> str:
        daemon = shutil.which("dbus-daemon")
        if daemon is None:
            raise SensorCoachError("dbus-daemon is not installed (Debian: apt-get install dbus-daemon)")
        self.folder = Path(tempfile.mkdtemp(prefix="sensorcoach-bus-"))
        socket = self.folder / "bus.socket"
        config = self.folder / "bus.conf"
        config.write_text(CONFIG.format(socket=socket))
        self.process = subprocess.Popen(
            [daemon, f"--config-file={config}", "--nofork", "--print-address=1"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.process.stdout.readline().strip()
        if not line:
            self.stop()
            raise SensorCoachError("dbus-daemon did not start")
        self.address = line
        return line

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self) -> "PrivateBus":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def use_bus(address: str) -> None:
    """Point every D-Bus system-bus client of this process (bleak) at `address`."""
    os.environ["DBUS_SYSTEM_BUS_ADDRESS"] = address
