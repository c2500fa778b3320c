"""scimu-v1 decoding on hand-built packets, against a per-packet reference decoder."""

import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from sensorcoach.decoders import make_decoder
from sensorcoach.decoders.scimu import ScimuDecoder, encode_packet

CONFIG = {"odr_hz": 100, "acc_range_g": 8, "gyro_range_dps": 1000}


def header(ptype, n, seq, t0):
    return struct.pack("<BBHI", ptype, n, seq, t0)


def reference_decode(payloads, odr_hz=100, acc_range=8, gyro_range=1000):
    """Straightforward per-packet decoder written from the spec, for comparison."""
    out, first, last_raw, unwrapped, corrupt = [], None, None, 0, 0
    for p in payloads:
        if len(p) < 8:
            corrupt += 1
            continue
        ptype, n, seq, t0 = struct.unpack_from("<BBHI", p)
        size = {1: 12, 2: 6}.get(ptype)
        if size is None or not 1 <= n <= 19 or len(p) != 8 + n * size:
            corrupt += 1
            continue
        unwrapped = t0 if last_raw is None else unwrapped + ((t0 - last_raw) % 2**32)
        last_raw = t0
        first = unwrapped if first is None else first
        for k in range(n):
            vals = struct.unpack_from("<" + "h" * (size // 2), p, 8 + k * size)
            t = (unwrapped + k * 1e6 / odr_hz - first) / 1e6
            acc = [v * acc_range / 32768 for v in vals[:3]]
            gyro = [v * gyro_range / 32768 for v in vals[3:]] if size == 12 else [np.nan] * 3
            out.append((t, *acc, *gyro))
    return np.array(out).reshape(-1, 7), corrupt


def test_accel_gyro_packet_scaling_and_times():
    p = header(1, 2, 7, 1000) + struct.pack("<6h", 4096, -4096, 32767, 100, -100, 0) \
        + struct.pack("<6h", 0, 0, -32768, 0, 0, 32)
    block = ScimuDecoder(CONFIG).decode([p], [0.5])
    np.testing.assert_allclose(block.t_s, [0.0, 0.01])
    np.testing.assert_allclose(block.acc_g[0], [1.0, -1.0, 32767 * 8 / 32768])
    np.testing.assert_allclose(block.acc_g[1], [0.0, 0.0, -8.0])
    np.testing.assert_allclose(block.gyro_dps[0], [100 * 1000 / 32768, -100 * 1000 / 32768, 0])
    np.testing.assert_allclose(block.gyro_dps[1], [0, 0, 32 * 1000 / 32768])


def test_accel_only_packet_has_nan_gyro():
    p = header(2, 3, 0, 0) + struct.pack("<9h", 4096, 0, 0, 0, 4096, 0, 0, 0, 4096)
    d = ScimuDecoder({"odr_hz": 50, "acc_range_g": 8, "gyro_range_dps": 0})
    block = d.decode([p], [0.0])
    np.testing.assert_allclose(block.acc_g, np.eye(3))
    assert np.isnan(block.gyro_dps).all()
    np.testing.assert_allclose(block.t_s, [0, 0.02, 0.04])
    assert not block.has_gyro


def test_sequence_wrap_is_not_a_loss_and_gaps_are_counted():
    acc = np.zeros((1, 3))
    d = ScimuDecoder(CONFIG)
    seqs = [65534, 65535, 0, 1, 4]          # wrap, then 2 lost (2 and 3)
    d.decode([encode_packet(s, 10_000 * i, acc, acc) for i, s in enumerate(seqs)], [0.0] * 5)
    assert d.stats.lost == 2
    assert d.stats.packets == 5


def test_loss_across_a_wrap_and_across_batches():
    acc = np.zeros((1, 3))
    d = ScimuDecoder(CONFIG)
    d.decode([encode_packet(65530, 0, acc)], [0.0])
    d.decode([encode_packet(3, 100_000, acc)], [0.1])     # 65531..2 missing: 8 packets
    assert d.stats.lost == 8


def test_sensor_clock_unwraps_across_2_32():
    acc = np.zeros((2, 3))
    start = 2**32 - 15_000
    packets = [encode_packet(i, (start + i * 20_000) % 2**32, acc, acc) for i in range(4)]
    block = ScimuDecoder(CONFIG).decode(packets, [0.0] * 4)
    np.testing.assert_allclose(block.t_s, np.arange(8) * 0.01, atol=1e-12)


def test_clock_wraps_between_batches():
    acc = np.zeros((1, 3))
    d = ScimuDecoder(CONFIG)
    a = d.decode([encode_packet(0, 2**32 - 5_000, acc)], [0.0])
    b = d.decode([encode_packet(1, 5_000, acc)], [0.01])
    assert a.t_s[0] == 0.0
    assert b.t_s[0] == pytest.approx(0.010)


@pytest.mark.parametrize("payload", [
    b"",                                                    # nothing
    b"\x01\x01\x00\x00",                                    # shorter than the header
    header(1, 1, 0, 0) + bytes(11),                         # one byte short
    header(1, 1, 0, 0) + bytes(13),                         # one byte long
    header(2, 2, 0, 0) + bytes(24),                         # type 2 with type-1 length
    header(3, 1, 0, 0) + bytes(12),                         # unknown type
    header(1, 0, 0, 0),                                     # no samples
    header(1, 20, 0, 0) + bytes(240),                       # more than 19 samples
])
def test_corrupt_packets_are_counted_and_skipped(payload):
    good = encode_packet(0, 0, np.ones((2, 3), dtype=int), np.ones((2, 3), dtype=int))
    good2 = encode_packet(1, 20_000, np.ones((2, 3), dtype=int), np.ones((2, 3), dtype=int))
    d = ScimuDecoder(CONFIG)
    block = d.decode([good, payload, good2], [0.0, 0.01, 0.02])
    assert d.stats.corrupt == 1
    assert d.stats.packets == 2
    assert len(block) == 4
    np.testing.assert_allclose(block.t_s, [0, 0.01, 0.02, 0.03])


def test_all_corrupt_batch_returns_empty_block():
    d = ScimuDecoder(CONFIG)
    assert len(d.decode([b"\x00", b"\x01\x02"], [0.0, 0.1])) == 0
    assert d.stats.corrupt == 2


def random_packets(rng, count):
    packets, seq, clock = [], int(rng.integers(0, 65536)), int(rng.integers(0, 2**32))
    for _ in range(count):
        n = int(rng.integers(1, 20))
        acc = rng.integers(-32768, 32768, (n, 3))
        gyro = rng.integers(-32768, 32768, (n, 3)) if rng.random() < 0.7 else None
        p = encode_packet(seq, clock, acc, gyro)
        r = rng.random()
        if r < 0.05:
            p = p[: int(rng.integers(0, len(p)))]
        elif r < 0.08:
            seq += int(rng.integers(1, 5))          # lost packets
        packets.append(p)
        seq = (seq + 1) % 65536
        clock = (clock + n * 10_000) % 2**32
    return packets


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cuts=st.lists(st.integers(0, 300), max_size=8))
def test_matches_reference_for_any_batching(seed, cuts):
    rng = np.random.default_rng(seed)
    packets = random_packets(rng, 300)
    expected, expected_corrupt = reference_decode(packets)
    d = ScimuDecoder(CONFIG)
    edges = [0] + sorted(cuts) + [len(packets)]
    blocks = [d.decode(packets[a:b], [0.0] * (b - a)) for a, b in zip(edges[:-1], edges[1:])]
    t = np.concatenate([b.t_s for b in blocks])
    acc = np.concatenate([b.acc_g for b in blocks])
    gyro = np.concatenate([b.gyro_dps for b in blocks])
    np.testing.assert_allclose(t, expected[:, 0], atol=1e-9)
    np.testing.assert_array_equal(acc, expected[:, 1:4])
    np.testing.assert_array_equal(gyro, expected[:, 4:7])
    assert d.stats.corrupt == expected_corrupt


def test_make_decoder_from_profile_name():
    d = make_decoder("scimu-v1", CONFIG)
    assert isinstance(d, ScimuDecoder)


def test_encode_rejects_too_many_samples():
    with pytest.raises(ValueError):
        encode_packet(0, 0, np.zeros((20, 3)))
