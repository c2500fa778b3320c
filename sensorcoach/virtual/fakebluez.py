"""The part of BlueZ's D-Bus API that a BLE central (bleak) uses, served by us.

Properties live in plain dicts and reach clients through GetManagedObjects and
PropertiesChanged / InterfacesAdded signals, as BlueZ's do; method calls go through
one raw message handler to the adapter's and the peripherals' Python methods.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable, Protocol

from dbus_fast import DBusError, Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.constants import BusType, RequestNameReply

BLUEZ = "org.bluez"
ADAPTER_PATH = "/org/bluez/hci0"
ADAPTER = "org.bluez.Adapter1"
DEVICE = "org.bluez.Device1"
SERVICE = "org.bluez.GattService1"
CHARACTERISTIC = "org.bluez.GattCharacteristic1"
PROPERTIES = "org.freedesktop.DBus.Properties"
OBJECT_MANAGER = "org.freedesktop.DBus.ObjectManager"
#: While discovering, every device is announced again this often (an RSSI update),
#: as a real adapter keeps reporting advertisements.
ADVERTISE_INTERVAL_S = 0.5

SIGNATURES = {  # property name -> D-Bus signature, for everything we serve
    "Address": "s", "AddressType": "s", "Name": "s", "Alias": "s", "Powered": "b",
    "Discovering": "b", "Roles": "as", "UUIDs": "as", "RSSI": "n", "Connected": "b",
    "ServicesResolved": "b", "Paired": "b", "Trusted": "b", "Bonded": "b", "Blocked": "b",
    "LegacyPairing": "b", "Adapter": "o", "ManufacturerData": "a{qv}", "ServiceData": "a{sv}",
    "UUID": "s", "Primary": "b", "Device": "o", "Service": "o", "Value": "ay",
    "Notifying": "b", "Flags": "as", "MTU": "q", "Handle": "q", "Includes": "ao",
    "Discoverable": "b", "Pairable": "b", "Class": "u", "Modalias": "s",
}


def variants(props: dict[str, Any]) -> dict[str, Variant]:
    return {k: v if isinstance(v, Variant) else Variant(SIGNATURES[k], v) for k, v in props.items()}


class Peripheral(Protocol):
    """What a virtual device implements; FakeBluez turns D-Bus calls into these."""
    address: str
    name: str

    def advertised(self) -> dict[str, Any]: ...
    def gatt(self) -> list[dict]: ...
    async def on_connect(self) -> None: ...
    async def on_disconnect(self) -> None: ...
    def read(self, uuid: str) -> bytes: ...
    def write(self, uuid: str, value: bytes) -> None: ...
    def set_notifying(self, uuid: str, on: bool) -> None: ...


class FakeBluez:
    """Owns `org.bluez` on a bus and serves one adapter with virtual devices."""

    def __init__(self):
        self.bus: MessageBus | None = None
        self.objects: dict[str, dict[str, dict[str, Any]]] = {}
        self.char_paths: dict[tuple[str, str], str] = {}     # (device path, uuid) -> path
        self.devices: dict[str, Peripheral] = {}
        #: (path, interface, member) -> (callable, reply signature)
        self.methods: dict[tuple[str, str, str], tuple[Callable, str]] = {}
        self._advertiser: asyncio.Task | None = None

    async def start(self, address: str | None = None) -> None:
        self.bus = await MessageBus(bus_address=address, bus_type=BusType.SYSTEM).connect()
        # A raw handler, not dbus-fast's ServiceInterface: that one answers the standard
        # ObjectManager and Properties calls itself, from properties it knows about.
        self.bus.add_message_handler(self._handle)
        self.objects[ADAPTER_PATH] = {ADAPTER: {
            "Address": "00:1A:7D:DA:71:13", "Name": "sensorcoach-virtual", "Alias": "hci0",
            "Powered": True, "Discovering": False, "Discoverable": False, "Pairable": True,
            "Roles": ["central", "peripheral"], "UUIDs": [], "Class": 0,
            "Modalias": "usb:v1D6Bp0246d0548"}}
        self._method(ADAPTER_PATH, ADAPTER, "SetDiscoveryFilter", lambda _filter: None)
        self._method(ADAPTER_PATH, ADAPTER, "StartDiscovery", self.start_discovery)
        self._method(ADAPTER_PATH, ADAPTER, "StopDiscovery", self.stop_discovery)
        self._method(ADAPTER_PATH, ADAPTER, "RemoveDevice", lambda _path: None)
        reply = await self.bus.request_name(BLUEZ)
        if reply not in (RequestNameReply.PRIMARY_OWNER, RequestNameReply.ALREADY_OWNER):
            raise RuntimeError(f"could not own {BLUEZ} on the bus")

    async def stop(self) -> None:
        await self.stop_discovery()
        if self.bus is not None:
            self.bus.disconnect()
            self.bus = None

    def _method(self, path: str, interface: str, member: str, fn: Callable,
                signature: str = "") -> None:
        self.methods[(path, interface, member)] = (fn, signature)

    def managed_objects(self) -> dict:
        return {path: {iface: variants(props) for iface, props in ifaces.items()}
                for path, ifaces in self.objects.items()}

    def _handle(self, msg: Message):
        if msg.message_type != MessageType.METHOD_CALL:
            return None
        if msg.interface == OBJECT_MANAGER and msg.member == "GetManagedObjects":
            return Message.new_method_return(msg, "a{oa{sa{sv}}}", [self.managed_objects()])
        if msg.interface == PROPERTIES and msg.path in self.objects:
            return self._properties_call(msg)
        entry = self.methods.get((msg.path, msg.interface, msg.member))
        if entry is None:
            if msg.path in self.objects or msg.path == "/":
                return Message.new_error(msg, "org.freedesktop.DBus.Error.UnknownMethod",
                                         f"{msg.interface}.{msg.member} is not served here")
            return None
        fn, signature = entry

        async def run():
            try:
                result = fn(*msg.body)
                if asyncio.iscoroutine(result):
                    result = await result
                reply = Message.new_method_return(msg, signature,
                                                  [result] if signature else [])
            except DBusError as exc:
                reply = Message.new_error(msg, exc.type, exc.text)
            if self.bus is not None:
                self.bus.send(reply)

        asyncio.get_running_loop().create_task(run())
        return True

    def _properties_call(self, msg: Message):
        if msg.member == "GetAll":
            return Message.new_method_return(msg, "a{sv}",
                                             [variants(self.objects[msg.path].get(msg.body[0], {}))])
        if msg.member == "Get":
            iface, name = msg.body
            props = self.objects[msg.path].get(iface, {})
            if name not in props:
                return Message.new_error(msg, "org.freedesktop.DBus.Error.InvalidArgs", name)
            return Message.new_method_return(msg, "v", [variants({name: props[name]})[name]])
        if msg.member == "Set":
            iface, name, value = msg.body
            self.set_properties(msg.path, iface, **{name: value.value})
            return Message.new_method_return(msg)
        return None

    # --- devices -----------------------------------------------------------------------
    def add_device(self, peripheral: Peripheral) -> str:
        path = f"{ADAPTER_PATH}/dev_{peripheral.address.replace(':', '_')}"
        self.devices[path] = peripheral
        self.objects[path] = {DEVICE: {
            "Address": peripheral.address, "AddressType": "random", "Name": peripheral.name,
            "Alias": peripheral.name, "Adapter": ADAPTER_PATH, "Paired": False, "Bonded": False,
            "Trusted": False, "Blocked": False, "LegacyPairing": False, "Connected": False,
            "ServicesResolved": False, **peripheral.advertised()}}
        self._method(path, DEVICE, "Connect", lambda: self._connect(path))
        self._method(path, DEVICE, "Disconnect", lambda: self.drop(path))
        for service in peripheral.gatt():
            spath = f"{path}/service{service['handle']:04x}"
            self.objects[spath] = {SERVICE: {"UUID": service["uuid"], "Primary": True,
                                             "Device": path, "Includes": [],
                                             "Handle": service["handle"]}}
            for char in service["characteristics"]:
                cpath = f"{spath}/char{char['handle']:04x}"
                self.objects[cpath] = {CHARACTERISTIC: {
                    "UUID": char["uuid"], "Service": spath, "Value": b"", "Notifying": False,
                    "Flags": char["flags"], "MTU": char.get("mtu", 247), "Handle": char["handle"]}}
                self.char_paths[(path, char["uuid"])] = cpath
                self._serve_characteristic(cpath, char["uuid"], peripheral)
        if self.bus is not None:
            self._emit("/", OBJECT_MANAGER, "InterfacesAdded", "oa{sa{sv}}",
                       [path, {iface: variants(p) for iface, p in self.objects[path].items()}])
        return path

    def _serve_characteristic(self, cpath: str, uuid: str, peripheral: Peripheral) -> None:
        def start_notify():
            peripheral.set_notifying(uuid, True)
            self.set_properties(cpath, CHARACTERISTIC, Notifying=True)

        def stop_notify():
            peripheral.set_notifying(uuid, False)
            self.set_properties(cpath, CHARACTERISTIC, Notifying=False)

        self._method(cpath, CHARACTERISTIC, "ReadValue", lambda _opts: peripheral.read(uuid), "ay")
        self._method(cpath, CHARACTERISTIC, "WriteValue",
                     lambda value, _opts: peripheral.write(uuid, bytes(value)))
        self._method(cpath, CHARACTERISTIC, "StartNotify", start_notify)
        self._method(cpath, CHARACTERISTIC, "StopNotify", stop_notify)

    async def _connect(self, path: str) -> None:
        await self.devices[path].on_connect()        # may raise DBusError (refused)
        self.set_properties(path, DEVICE, Connected=True)
        self.set_properties(path, DEVICE, ServicesResolved=True)

    def set_properties(self, path: str, interface: str, **changes: Any) -> None:
        self.objects[path][interface].update(changes)
        self._emit(path, PROPERTIES, "PropertiesChanged", "sa{sv}as",
                   [interface, variants(changes), []])

    def notify(self, device_path: str, uuid: str, value: bytes) -> None:
        """A notification: the characteristic's Value changes."""
        cpath = self.char_paths[(device_path, uuid)]
        if self.objects[cpath][CHARACTERISTIC]["Notifying"]:
            self.set_properties(cpath, CHARACTERISTIC, Value=value)

    async def drop(self, path: str) -> None:
        """The link to a device is gone (either side, or radio)."""
        await self.devices[path].on_disconnect()
        for (dev, _), cpath in self.char_paths.items():
            if dev == path and self.objects[cpath][CHARACTERISTIC]["Notifying"]:
                self.set_properties(cpath, CHARACTERISTIC, Notifying=False)
        self.set_properties(path, DEVICE, ServicesResolved=False)
        self.set_properties(path, DEVICE, Connected=False)

    def _emit(self, path, interface, member, signature, body) -> None:
        self.bus.send(Message(message_type=MessageType.SIGNAL, path=path, interface=interface,
                              member=member, signature=signature, body=body))

    # --- discovery -----------------------------------------------------------------------
    async def start_discovery(self) -> None:
        self.set_properties(ADAPTER_PATH, ADAPTER, Discovering=True)
        if self._advertiser is None:
            self._advertiser = asyncio.get_running_loop().create_task(self._advertise())

    async def stop_discovery(self) -> None:
        if self._advertiser is not None:
            self._advertiser.cancel()
            self._advertiser = None
            if self.bus is not None:
                self.set_properties(ADAPTER_PATH, ADAPTER, Discovering=False)

    async def _advertise(self) -> None:
        while True:
            for path, peripheral in self.devices.items():
                device = self.objects[path][DEVICE]
                if not device["Connected"]:
                    self.set_properties(path, DEVICE, **peripheral.advertised())
            await asyncio.sleep(ADVERTISE_INTERVAL_S)


def att_error(code: int, text: str) -> DBusError:
    """How BlueZ reports an ATT error from the remote device."""
    return DBusError("org.bluez.Error.Failed", f"Operation failed with ATT error: 0x{code:02x} ({text})")
