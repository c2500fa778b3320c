"""Device profiles: one TOML file per sensor model in `firmware_config/`.

A profile says how to find the sensor (advertised service UUID or name prefix),
which GATT characteristics carry what, which configuration the host writes at
connect, which decoder turns notifications into samples, and which rates and
ranges the sensor supports.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import ProfileError

#: Where profiles live when nothing else is said: the project's top-level folder.
DEFAULT_PROFILE_DIR = Path(__file__).resolve().parent.parent / "firmware_config"
#: An installation elsewhere can point at its own profiles with this variable.
PROFILE_DIR_ENV = "SENSORCOACH_FIRMWARE_CONFIG"


def profile_dir() -> Path:
    return Path(os.environ.get(PROFILE_DIR_ENV, DEFAULT_PROFILE_DIR))


@dataclass(frozen=True)
class DeviceProfile:
    """A sensor model, as read from `firmware_config/<id>.toml`."""

    id: str
    name: str
    decoder: str
    path: Path
    #: GATT UUIDs by role ("service", "data", "control", "battery_level", ...), lower-case 128-bit.
    gatt: dict[str, str]
    #: Configuration the host writes at connect (decoder-specific keys, e.g. odr_hz).
    config: dict[str, Any]
    #: Supported values per configuration key.
    supported: dict[str, list[Any]]
    advertised_name_prefixes: tuple[str, ...] = ()
    #: Axis conventions and anything else a maker should know; free text per key.
    axes: dict[str, str] = field(default_factory=dict)
    has_gyro: bool = True
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    def check_config(self, config: dict[str, Any]) -> None:
        """Raise ProfileError if `config` asks for a value the sensor does not support."""
        for key, value in config.items():
            allowed = self.supported.get(key)
            if allowed is not None and value not in allowed:
                raise ProfileError(f"{value!r} is not supported (choose from {allowed})",
                                   profile=self.id, key=key)


_REQUIRED = ("id", "name", "decoder")


def _uuid128(value: str, *, path: Path, key: str) -> str:
    """Accept 16-bit ('2a19', '0x2A19') or 128-bit UUIDs, return the 128-bit lower-case form."""
    text = str(value).strip().lower()
    if text.startswith("0x"):
        text = text[2:]
    if len(text) == 4 and all(c in "0123456789abcdef" for c in text):
        return f"0000{text}-0000-1000-8000-00805f9b34fb"
    parts = text.split("-")
    if [len(p) for p in parts] != [8, 4, 4, 4, 12] or not all(
            c in "0123456789abcdef" for p in parts for c in p):
        raise ProfileError(f"{value!r} is not a UUID", path=path, key=key)
    return text


def load_profile_file(path: str | Path) -> DeviceProfile:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError("file not found", path=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"not valid TOML: {exc}", path=path) from None
    top = data.get("profile")
    if not isinstance(top, dict):
        raise ProfileError("missing [profile] table", path=path, key="profile")
    for key in _REQUIRED:
        if not isinstance(top.get(key), str):
            raise ProfileError("missing or not a string", path=path, key=f"profile.{key}")
    if top["id"] != path.stem:
        raise ProfileError(f"id {top['id']!r} does not match the file name", path=path,
                           key="profile.id")
    gatt_raw = data.get("gatt", {})
    if not isinstance(gatt_raw, dict):
        raise ProfileError("must be a table", path=path, key="gatt")
    gatt = {k: _uuid128(v, path=path, key=f"gatt.{k}") for k, v in gatt_raw.items()}
    prefixes = top.get("advertised_name_prefixes", [])
    if not isinstance(prefixes, list) or not all(isinstance(p, str) for p in prefixes):
        raise ProfileError("must be a list of strings", path=path,
                           key="profile.advertised_name_prefixes")
    profile = DeviceProfile(
        id=top["id"], name=top["name"], decoder=top["decoder"], path=path, gatt=gatt,
        config=dict(data.get("config", {})), supported=dict(data.get("supported", {})),
        advertised_name_prefixes=tuple(prefixes), axes=dict(data.get("axes", {})),
        has_gyro=bool(top.get("has_gyro", True)), raw=data)
    profile.check_config(profile.config)
    return profile


_cache: dict[tuple[Path, str], DeviceProfile] = {}


def load_profile(profile_id: str) -> DeviceProfile:
    """The profile named `profile_id` from the profile folder."""
    directory = profile_dir()
    key = (directory, profile_id)
    if key not in _cache:
        path = directory / f"{profile_id}.toml"
        if not path.is_file():
            known = ", ".join(p.id for p in all_profiles()) or "none"
            raise ProfileError(f"unknown profile (known: {known})", profile=profile_id)
        _cache[key] = load_profile_file(path)
    return _cache[key]


def all_profiles() -> list[DeviceProfile]:
    directory = profile_dir()
    return [load_profile_file(p) for p in sorted(directory.glob("*.toml"))]
