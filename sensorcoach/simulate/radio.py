"""The BLE link: packets, connection intervals, bursty loss, drops, corruption.

Times here are true (host) seconds; the recording's `t` is host time since the
recording started, which the session assembler sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..decoders.scimu import encode_packet


@dataclass(frozen=True)
class RadioConditions:
    #: Connection interval, s. BLE allows 7.5 ms-4 s; phones and BlueZ pick 7.5-50 ms
    #: for streaming sensors (30 ms is BlueZ's default maximum, iOS uses 15-30 ms).
    connection_interval_s: float = 0.030
    #: Notifications the host takes per connection event (controller buffers; 4-6 is
    #: typical of phone and USB dongle controllers).
    packets_per_event: int = 6
    #: Gilbert-Elliott burst loss: chance per packet of entering / leaving the bad
    #: state, and the loss rate in each. Body shadowing of a 2.4 GHz link from a
    #: hip-worn sensor lying on the floor gives short bursts of loss.
    p_enter_bad: float = 0.0
    p_leave_bad: float = 0.3
    loss_good: float = 0.0
    loss_bad: float = 0.0
    #: Chance per packet of a corrupt notification (length that does not match).
    p_corrupt: float = 0.0
    #: Link drops: the true times at which the link breaks.
    drops_at_s: tuple[float, ...] = ()
    #: BLE supervision timeout: the host notices a drop this long after it happened
    #: (BlueZ and phones use 0.72-6 s; 2 s is common for sensors).
    supervision_timeout_s: float = 2.0
    #: Time from noticing the drop to streaming again (scan, connect, configure).
    reconnect_s: float = 2.5


def draw_conditions(rng: np.random.Generator, quality: str, duration_s: float,
                    drops: int) -> RadioConditions:
    """`quality`: "clean" (no loss), "typical" or "poor"."""
    interval = float(rng.choice([0.0075, 0.015, 0.030, 0.045]))
    drop_times = tuple(sorted(rng.uniform(0.15 * duration_s, 0.85 * duration_s, drops)))
    if quality == "clean":
        return RadioConditions(connection_interval_s=interval, drops_at_s=drop_times)
    poor = quality == "poor"
    return RadioConditions(
        connection_interval_s=interval,
        packets_per_event=int(rng.integers(3, 7)),
        p_enter_bad=float(rng.uniform(0.002, 0.006) if poor else rng.uniform(0.0002, 0.001)),
        p_leave_bad=float(rng.uniform(0.15, 0.4)),
        loss_good=float(rng.uniform(0.0005, 0.002) if poor else 0.0),
        loss_bad=float(rng.uniform(0.5, 0.9)),
        p_corrupt=float(rng.uniform(0.0005, 0.002) if poor else rng.uniform(0.0, 0.0003)),
        drops_at_s=drop_times,
        supervision_timeout_s=float(rng.uniform(1.0, 4.0)),
        reconnect_s=float(rng.uniform(1.5, 4.0)),
    )


@dataclass
class Transmission:
    """What reached the host: notifications (time, payload) and link events."""
    t_host_s: np.ndarray
    payloads: list[bytes]
    events: list[tuple[float, str]]
    streaming: list[tuple[float, float]]   # true-time spans during which the sensor streamed
    packets_sent: int = 0                  # by the sensor, before loss
    packets_corrupted: int = 0             # delivered with a broken length


def transmit(sample_true_s: np.ndarray, clock_us: np.ndarray, acc_counts: np.ndarray,
             gyro_counts: np.ndarray | None, samples_per_packet: int,
             radio: RadioConditions, rng: np.random.Generator) -> Transmission:
    """Packetise samples per link-up span, then deliver them over the radio."""
    end = float(sample_true_s[-1]) + 1.0
    spans, events = [], []
    up = float(sample_true_s[0])
    for drop in radio.drops_at_s:
        if drop <= up:
            continue
        spans.append((up, drop))
        noticed = drop + radio.supervision_timeout_s
        events.append((noticed, "disconnected"))
        reconnected = noticed + radio.reconnect_s
        events.append((reconnected, "connected"))
        up = reconnected + 0.2        # configure and start: two writes with response
    spans.append((up, end))

    times, payloads = [], []
    for a, b in spans:
        idx = np.flatnonzero((sample_true_s >= a) & (sample_true_s < b))
        if not len(idx):
            continue
        # A new link starts a new packet sequence at 0 (the firmware resets it on start).
        for seq, first in enumerate(range(0, len(idx) - samples_per_packet + 1,
                                          samples_per_packet)):
            chunk = idx[first:first + samples_per_packet]
            payloads.append(encode_packet(seq, int(clock_us[chunk[0]]), acc_counts[chunk],
                                          None if gyro_counts is None else gyro_counts[chunk]))
            times.append(float(sample_true_s[chunk[-1]]))
    ready = np.asarray(times)
    sent = _connection_events(ready, radio, rng)
    kept = _survives(len(sent), radio, rng)
    sent_count = len(payloads)
    broken = rng.random(sent_count) < radio.p_corrupt
    payloads = [_corrupt(p, rng) if b else p for p, k, b in zip(payloads, kept, broken) if k]
    # Host stack latency after the radio: 0.3-3 ms, occasionally a scheduling stall.
    latency = rng.uniform(0.0003, 0.003, kept.sum())
    stall = rng.random(kept.sum()) < 0.002
    latency[stall] += rng.uniform(0.02, 0.1, stall.sum())
    host = np.maximum.accumulate(sent[kept] + latency)
    return Transmission(host, payloads, events, spans, sent_count, int((broken & kept).sum()))


def _connection_events(ready: np.ndarray, radio: RadioConditions,
                       rng: np.random.Generator) -> np.ndarray:
    ci = radio.connection_interval_s
    phase = rng.uniform(0, ci)
    event = np.ceil((ready - phase) / ci).astype(np.int64)
    # At most `packets_per_event` per connection event: the rest wait for the next.
    cap = radio.packets_per_event
    for i in range(cap, len(event)):
        if event[i] <= event[i - cap]:
            event[i] = event[i - cap] + 1
    return phase + event * ci


def _survives(count: int, radio: RadioConditions, rng: np.random.Generator) -> np.ndarray:
    keep = np.ones(count, dtype=bool)
    if radio.p_enter_bad == 0 and radio.loss_good == 0:
        return keep
    u_state, u_loss = rng.random(count), rng.random(count)
    bad = False
    for i in range(count):
        bad = (u_state[i] >= radio.p_leave_bad) if bad else (u_state[i] < radio.p_enter_bad)
        keep[i] = u_loss[i] >= (radio.loss_bad if bad else radio.loss_good)
    return keep


def _corrupt(payload: bytes, rng: np.random.Generator) -> bytes:
    """Length no longer matches the header: cut short, grown, or a wrong count."""
    kind = rng.integers(3)
    if kind == 0:
        return payload[: int(rng.integers(0, len(payload)))]
    if kind == 1:
        return payload + bytes(rng.integers(0, 256, int(rng.integers(1, 6)), dtype=np.uint8))
    return payload[:1] + bytes([min(payload[1] + 1, 255)]) + payload[2:]
