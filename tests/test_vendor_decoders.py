"""Polar PMD and WitMotion decoders on byte vectors worked out from the vendors' formats.

Each vector below is written by hand from the documented layout (see the decoder
modules), with the expected values computed independently of the decoder.
"""

import json

import numpy as np
import pytest

from sensorcoach.ble import match_profile
from sensorcoach.cli import main
from sensorcoach.decoders import make_decoder
from sensorcoach.decoders.polar_pmd import ACC, GYRO, PolarPmdDecoder, parse_delta
from sensorcoach.decoders.witmotion import rate_command
from sensorcoach.profiles import all_profiles, load_profile

TS_1S = "00ca9a3b00000000"           # u64 LE 1_000_000_000 ns after 2000-01-01
TS_2S = "0094357700000000"           # 2_000_000_000 ns

# Compressed ACC type 1: reference (100, -200, 1000), one block of width 4 and two
# samples with deltas (+1, -1, +2) and (+3, 0, -8): 4-bit values 1, F, 2, 3, 0, 8
# packed low nibble first -> F1 32 80.
VERITY_ACC = "02" + TS_1S + "81" + "6400" + "38ff" + "e803" + "0402" + "f13280"
# Raw ACC type 1 (H10): (0, 0, 1000) and (-500, 250, 990) milli-g as int16 LE.
H10_ACC = "02" + TS_1S + "01" + "000000 00e803".replace(" ", "") + "0cfefa00de03"
# Compressed GYRO type 0: reference (10, 20, -30), one block width 2, one sample with
# deltas (+1, -1, 0): 2-bit 01, 11, 00 low bits first -> 0b00_11_01 = 0x0D.
VERITY_GYRO = "05" + TS_1S + "80" + "0a001400e2ff" + "0201" + "0d"


def test_compressed_acc_frame_type_1():
    d = PolarPmdDecoder({"acc_sample_rate_hz": 52, "acc_factor": 1.0})
    [(kind, t, v)] = d.frames([bytes.fromhex(VERITY_ACC)])
    assert kind == ACC
    np.testing.assert_allclose(v * 1000, [[100, -200, 1000], [101, -201, 1002], [104, -201, 994]])
    # The frame's stamp is its last sample; the first frame is spaced at 1 / rate.
    np.testing.assert_allclose(t, [0.0, 1 / 52, 2 / 52], atol=1e-9)


def test_compressed_acc_factor_scales():
    d = PolarPmdDecoder({"acc_factor": 2.0})
    [(_, _, v)] = d.frames([bytes.fromhex(VERITY_ACC)])
    assert v[0].tolist() == pytest.approx([0.2, -0.4, 2.0])


def test_raw_acc_frame_type_1_and_spacing_from_the_previous_frame():
    d = PolarPmdDecoder({"acc_sample_rate_hz": 100})
    second = "02" + TS_2S + "01" + "0000" * 3 + "0000" * 3
    frames = d.frames([bytes.fromhex(H10_ACC), bytes.fromhex(second)])
    (_, t1, v1), (_, t2, _) = frames
    np.testing.assert_allclose(v1, [[0, 0, 1.0], [-0.5, 0.25, 0.99]])
    # Second frame: 2 samples over the 1 s since the first frame's last sample.
    np.testing.assert_allclose(t2 - t1[-1], [0.5, 1.0])


def test_compressed_gyro_frame_type_0():
    d = PolarPmdDecoder({"gyro_factor": 0.1})
    [(kind, _, v)] = d.frames([bytes.fromhex(VERITY_GYRO)])
    assert kind == GYRO
    np.testing.assert_allclose(v, [[1.0, 2.0, -3.0], [1.1, 1.9, -3.0]])


def test_pipeline_gets_the_acc_stream():
    d = make_decoder("polar-verity-sense", load_profile("polar-verity-sense").config)
    block = d.decode([bytes.fromhex(VERITY_ACC), bytes.fromhex(VERITY_GYRO)], [0.0, 0.0])
    assert len(block) == 3 and np.isnan(block.gyro_dps).all()


@pytest.mark.parametrize("payload", [
    "0201",                                   # shorter than a header
    VERITY_ACC[:-2],                          # delta block cut off
    "02" + TS_1S + "01" + "000000",           # raw frame with half a sample
    "09" + TS_1S + "00" + "00",               # a measurement type we do not read
    "02" + TS_1S + "85" + "000000000000",     # ACC compressed type 5
])
def test_malformed_pmd_frames_are_counted_and_skipped(payload):
    d = PolarPmdDecoder({})
    assert d.frames([bytes.fromhex(payload), bytes.fromhex(VERITY_ACC)])[0][0] == ACC
    assert d.stats.corrupt == 1


def test_delta_parser_matches_a_straightforward_bit_reader():
    rng = np.random.default_rng(3)
    for width in (1, 3, 7, 11, 16):
        ref = rng.integers(-1000, 1000, 3)
        deltas = rng.integers(-(1 << (width - 1)), 1 << (width - 1), (9, 3))
        bits = []
        for value in deltas.ravel():
            bits += [(int(value) >> i) & 1 for i in range(width)]
        bits += [0] * (-len(bits) % 8)
        packed = bytes(sum(bits[i + k] << k for k in range(8)) for i in range(0, len(bits), 8))
        content = b"".join(int(r).to_bytes(2, "little", signed=True) for r in ref)
        content += bytes([width, 9]) + packed
        expected = np.vstack([ref, ref + np.cumsum(deltas, axis=0)])
        np.testing.assert_array_equal(parse_delta(content, 3, 16), expected)


# WitMotion: ax = 2048 -> 1 g, az = -2048 -> -1 g, gx = 16384 -> 1000 deg/s,
# gy = -16384 -> -1000 deg/s, angles 0.
WIT = "5561" + "0008" + "0000" + "00f8" + "0040" + "00c0" + "0000" + "0000" * 3


def test_witmotion_frame_scaling_and_time():
    d = make_decoder("witmotion-bwt901ble", {"odr_hz": 50})
    block = d.decode([bytes.fromhex(WIT), bytes.fromhex(WIT * 2)], [0.0, 0.02])
    assert len(block) == 3
    np.testing.assert_allclose(block.acc_g[0], [1.0, 0.0, -1.0])
    np.testing.assert_allclose(block.gyro_dps[0], [1000.0, -1000.0, 0.0])
    np.testing.assert_allclose(block.t_s, [0.0, 0.02, 0.04])


def test_witmotion_other_flags_skipped_and_garbage_counted():
    d = make_decoder("witmotion-bwt901ble", {"odr_hz": 50})
    other = "5571" + "00" * 18
    block = d.decode([bytes.fromhex(other), bytes.fromhex(WIT[:-2]), b"\x00" * 20,
                      bytes.fromhex(WIT)], [0.0] * 4)
    assert len(block) == 1
    assert d.stats.corrupt == 2


def test_witmotion_rate_command():
    assert rate_command(100) == bytes.fromhex("ffaa030900")
    assert rate_command(200) == bytes.fromhex("ffaa030b00")


def test_every_profile_loads_with_a_decoder():
    ids = {p.id for p in all_profiles()}
    assert {"scimu-v1", "polar-verity-sense", "polar-h10", "witmotion-bwt901ble"} <= ids
    for p in all_profiles():
        make_decoder(p, p.config)


def test_models_sharing_a_service_are_told_apart_by_name():
    profiles = all_profiles()
    pmd = "fb005c80-02e7-f387-1cad-8acd2d8df0c8"
    assert match_profile("Polar Sense 1A2B3C4D", [pmd], profiles)[0].id == "polar-verity-sense"
    assert match_profile("Polar H10 1A2B3C4D", [pmd], profiles)[0].id == "polar-h10"
    assert match_profile("WT901BLE67", [], profiles)[0].id == "witmotion-bwt901ble"
    assert match_profile("Headphones", [], profiles) is None


def test_decode_command_for_polar_prints_both_streams(capsys):
    assert main(["decode", "polar-verity-sense", VERITY_ACC, VERITY_GYRO]) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [("acc_g" in r, "gyro_dps" in r) for r in rows] == [(True, False)] * 3 + [(False, True)] * 2
    assert rows[0]["acc_g"] == [0.1, -0.2, 1.0]
