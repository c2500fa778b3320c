"""One write-then-read suite for every file format, then malformed and truncated files."""

import gzip
import json
import warnings

import numpy as np
import pytest

from sensorcoach.cli import main
from sensorcoach.errors import FormatError
from sensorcoach.formats import (Event, LabelRep, LabelSet, Labels, NotificationBatch,
                                 RecordingReader, TruncatedFileWarning, labels_path_for,
                                 read_labels, read_samples_csv, write_labels, write_samples_csv)
from sensorcoach.samples import SampleBlock
from sensorcoach.source import open_source

from helpers import CONFIG, synthetic_packets, write_recording


def _samples(with_gyro, n=500, seed=1):
    rng = np.random.default_rng(seed)
    gyro = rng.normal(0, 50, (n, 3)) if with_gyro else np.full((n, 3), np.nan)
    return SampleBlock(np.arange(n) * 0.01, rng.normal(0, 1, (n, 3)), gyro)


# --- write then read, every format ---------------------------------------------------

@pytest.mark.parametrize("suffix", [".jsonl", ".jsonl.gz"])
def test_recording_round_trip(tmp_path, suffix):
    times, packets = synthetic_packets()
    path = tmp_path / f"rec{suffix}"
    header = write_recording(path, times, packets, events=[(0.9, "disconnected"),
                                                           (1.0, "connected")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # a whole file must read without a warning
        with RecordingReader(path) as reader:
            assert reader.header.raw == header
            items = list(reader.items(batch_size=7))
            assert not reader.truncated
    got = [(t, p) for i in items if isinstance(i, NotificationBatch)
           for t, p in zip(i.t_host_s, i.payloads)]
    assert [p for _, p in got] == packets
    np.testing.assert_allclose([t for t, _ in got], times, atol=1e-6)
    events = [i for i in items if isinstance(i, Event)]
    assert [(e.name, e.t_host_s) for e in events] == [("disconnected", 0.9), ("connected", 1.0)]
    # Events stay in their place among the notifications.
    position = next(k for k, i in enumerate(items) if isinstance(i, Event))
    before = sum(len(i) for i in items[:position] if isinstance(i, NotificationBatch))
    assert before == int(np.sum(np.asarray(times) < 0.9))


@pytest.mark.parametrize("with_gyro", [True, False])
def test_sample_csv_round_trip(tmp_path, with_gyro):
    block = _samples(with_gyro)
    path = tmp_path / "s.csv"
    write_samples_csv(path, block)
    back = read_samples_csv(path)
    np.testing.assert_array_equal(back.t_s, block.t_s)
    np.testing.assert_array_equal(back.acc_g, block.acc_g)
    np.testing.assert_array_equal(np.isnan(back.gyro_dps), np.isnan(block.gyro_dps))
    if with_gyro:
        np.testing.assert_array_equal(back.gyro_dps, block.gyro_dps)


def test_labels_round_trip(tmp_path):
    labels = Labels((
        LabelSet("pelvic_tilt", 1.0, 9.0, (LabelRep(1.0, 3.0), LabelRep(5.0, 9.0))),
        LabelSet("knee_to_chest", 10.0, 30.0, (LabelRep(12.0, 16.0),), posture_start_s=11.0,
                 posture_end_s=28.0),
        LabelSet("hip_bridge", 40.0, 50.0, (LabelRep(40.0, 50.0, 42.0, 47.5),)),
    ), extra={"source": "test"})
    path = tmp_path / "x.labels.json"
    write_labels(path, labels)
    assert read_labels(path) == labels


def test_labels_path_beside_each_kind():
    assert labels_path_for("a/b.jsonl.gz").name == "b.labels.json"
    assert labels_path_for("a/b.jsonl").name == "b.labels.json"
    assert labels_path_for("a/b.csv").name == "b.labels.json"


def test_replay_decodes_what_was_written(tmp_path):
    times, packets = synthetic_packets(count=30, spp=4)
    path = tmp_path / "r.jsonl.gz"
    write_recording(path, times, packets)
    source = open_source(path)
    block = source.read_all()
    assert len(block) == 120
    assert source.stats.packets == 30 and source.stats.lost == 0
    np.testing.assert_allclose(np.diff(block.t_s), 0.01)


# --- truncated files --------------------------------------------------------------

def test_plain_recording_cut_mid_line_reads_whole_lines_and_warns(tmp_path):
    times, packets = synthetic_packets(count=20)
    path = tmp_path / "cut.jsonl"
    write_recording(path, times, packets)
    data = path.read_bytes()
    path.write_bytes(data[:-25])          # last line cut in the middle
    with pytest.warns(TruncatedFileWarning, match="cut.jsonl, line 21"):
        block = open_source(path).read_all()
    assert len(block) == 19 * 4


def test_gzip_recording_cut_off_reads_what_was_flushed(tmp_path):
    times, packets = synthetic_packets(count=200)
    path = tmp_path / "cut.jsonl.gz"
    # Flush after every write, as a live recording does once a second.
    write_recording(path, times, packets, flush_interval_s=0.0)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])
    with pytest.warns(TruncatedFileWarning):
        block = open_source(path).read_all()
    assert 0 < len(block) < 200 * 4
    assert len(block) % 4 == 0


def test_csv_cut_mid_line_warns(tmp_path):
    path = tmp_path / "cut.csv"
    path.write_text("t_s,ax_g,ay_g,az_g\n0,0,0,1\n0.01,0,0,1\n0.02,0,0")
    with pytest.warns(TruncatedFileWarning, match="line 4"):
        block = read_samples_csv(path)
    assert len(block) == 2


# --- malformed files: one clear error naming file and line ------------------------

HEADER_OK = {"format": "sensorcoach-recording", "version": 1, "profile": "scimu-v1",
             "config": CONFIG}


@pytest.mark.parametrize("lines, line, text", [
    (["not json"], 1, "header is not JSON"),
    ([json.dumps({**HEADER_OK, "format": "something-else"})], 1, "not a sensorcoach recording"),
    ([json.dumps({**HEADER_OK, "version": 2})], 1, "unsupported version 2"),
    ([json.dumps({**HEADER_OK, "profile": "no-such-sensor"})], 1, "unknown profile"),
    ([json.dumps({**HEADER_OK, "config": {"odr_hz": 0, "acc_range_g": 8}})], 1, "positive"),
    ([json.dumps(HEADER_OK), '{"t": 0.1, "h": "01zz"}'], 2, "bad hex"),
    ([json.dumps(HEADER_OK), '{"t": 0.1, "h": "010"}'], 2, "bad hex"),
    ([json.dumps(HEADER_OK), '{"t": 0.1, "h": "0101"}', "{oops"], 3, "not JSON"),
    ([json.dumps(HEADER_OK), '{"t": "soon", "h": "0101"}'], 2, "time must be a number"),
    ([json.dumps(HEADER_OK), '{"t": 1.0}'], 2, "neither a notification"),
    ([json.dumps(HEADER_OK), '[1, 2]'], 2, "not a JSON object"),
])
def test_malformed_recording(tmp_path, lines, line, text):
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(FormatError) as err:
        open_source(path).read_all()
    assert err.value.line == line
    assert text in str(err.value)
    assert "bad.jsonl" in str(err.value)


def test_not_gzip_named_gz(tmp_path):
    path = tmp_path / "bad.jsonl.gz"
    path.write_text("plain text")
    with pytest.raises(FormatError, match="bad.jsonl.gz"):
        open_source(path)


@pytest.mark.parametrize("text, line, field, message", [
    ("t_s,ax_g,ay_g\n0,0,0\n", 1, "az_g", "missing column"),
    ("t_s,ax_g,ay_g,az_g,gx_dps\n0,0,0,1,0\n", 1, "gy_dps", "all three or none"),
    ("t_s,ax_g,ay_g,az_g\n0,0,0,1\n0.01,0,x,1\n", 3, None, "'x' is not a number"),
    ("t_s,ax_g,ay_g,az_g\n0,0,0,1\n0.01,0,1\n0.02,0,0,1\n", 3, None, "expected 4 values"),
    ("t_s,ax_g,ay_g,az_g\n0.02,0,0,1\n0.01,0,0,1\n", 3, "t_s", "backwards"),
    ("t_s,ax_g,ay_g,az_g\n0,nan,0,1\n", 2, "ax_g", "finite"),
    ("t_s,ax_g,ay_g,az_g\n", 2, None, "no samples"),
])
def test_malformed_csv(tmp_path, text, line, field, message):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(FormatError) as err:
        read_samples_csv(path)
    assert (err.value.line, err.value.field) == (line, field)
    assert message in str(err.value)


@pytest.mark.parametrize("obj, field", [
    ({"format": "x"}, "format"),
    ({"format": "sensorcoach-labels", "version": 1, "sets": {}}, "sets"),
    ({"format": "sensorcoach-labels", "version": 1,
      "sets": [{"exercise": "situps", "start_s": 0, "end_s": 1, "reps": []}]}, "sets[0].exercise"),
    ({"format": "sensorcoach-labels", "version": 1,
      "sets": [{"exercise": "hip_bridge", "start_s": 0, "end_s": 1,
                "reps": [{"start_s": 0, "end_s": "late"}]}]}, "sets[0].reps[0].end_s"),
])
def test_malformed_labels(tmp_path, obj, field):
    path = tmp_path / "x.labels.json"
    path.write_text(json.dumps(obj))
    with pytest.raises(FormatError) as err:
        read_labels(path)
    assert err.value.field == field


def test_unknown_suffix(tmp_path):
    with pytest.raises(FormatError, match="unknown file type"):
        open_source(tmp_path / "x.txt")


def test_readers_ignore_unknown_keys_and_events(tmp_path):
    times, packets = synthetic_packets(count=3)
    path = tmp_path / "x.jsonl"
    header = {**HEADER_OK, "future": {"a": 1}}
    lines = [json.dumps(header)] + [json.dumps({"t": t, "h": p.hex(), "rssi": -60})
                                    for t, p in zip(times, packets)]
    lines.insert(2, json.dumps({"t": 0.3, "event": "battery", "level": 80}))
    path.write_text("\n".join(lines) + "\n")
    assert len(open_source(path).read_all()) == 12


# --- the command line reports, never a traceback ------------------------------------

@pytest.mark.parametrize("content, expect", [
    ("not json\n", "line 1"),
    (json.dumps(HEADER_OK) + '\n{"t": 0.1, "h": "zz"}\n', "line 2, field 'h'"),
])
def test_cli_reports_bad_files_plainly(tmp_path, capsys, content, expect):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "bad.jsonl" in err and expect in err
    assert "Traceback" not in err


def test_cli_warns_on_truncated_file_and_still_reports(tmp_path, capsys):
    times, packets = synthetic_packets(count=20)
    path = tmp_path / "cut.jsonl"
    write_recording(path, times, packets)
    path.write_bytes(path.read_bytes()[:-10])
    assert main(["info", "--json", str(path)]) == 0
    captured = capsys.readouterr()
    assert "warning:" in captured.err and "mid-line" in captured.err
    assert json.loads(captured.out)["samples"] == 76


def test_gzip_writer_output_is_standard_gzip(tmp_path):
    times, packets = synthetic_packets(count=3)
    path = tmp_path / "x.jsonl.gz"
    write_recording(path, times, packets)
    lines = gzip.decompress(path.read_bytes()).decode().splitlines()
    assert json.loads(lines[0])["format"] == "sensorcoach-recording"
    assert len(lines) == 4


def test_characteristic_key_and_foreign_spacing_take_the_full_parser(tmp_path):
    times, packets = synthetic_packets(count=2)
    path = tmp_path / "x.jsonl"
    lines = [json.dumps(HEADER_OK),
             json.dumps({"t": times[0], "h": packets[0].hex(), "c": "16390002"}),
             '{"t":%r,"h":"%s"}' % (float(times[1]), packets[1].hex())]
    path.write_text("\n".join(lines) + "\n")
    with RecordingReader(path) as reader:
        batches = list(reader.items())
    assert batches[0].characteristics == ["16390002", None]
    assert batches[0].payloads == packets


def test_concatenated_gzip_members_read_as_one(tmp_path):
    times, packets = synthetic_packets(count=10)
    path = tmp_path / "x.jsonl"
    write_recording(path, times, packets)
    lines = path.read_bytes().splitlines(keepends=True)
    gz = tmp_path / "y.jsonl.gz"
    gz.write_bytes(gzip.compress(b"".join(lines[:4])) + gzip.compress(b"".join(lines[4:])))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(open_source(gz).read_all()) == 40


def test_firmware_readme_example_packet_decodes_as_documented():
    from pathlib import Path
    from sensorcoach.decoders.scimu import ScimuDecoder
    text = (Path(__file__).parent.parent / "firmware_config" / "README.md").read_text()
    example = text.split("ax = +1 g at ±8 g:\n`")[1].split("`")[0]
    block = ScimuDecoder({"odr_hz": 100, "acc_range_g": 8, "gyro_range_dps": 1000}).decode(
        [bytes.fromhex(example.replace(" ", ""))], [0.0])
    assert block.acc_g.tolist() == [[1.0, 0.0, 0.0]]
    assert block.gyro_dps.tolist() == [[0.0, 0.0, 0.0]]


def test_a_recording_from_another_profile_reads_back(tmp_path):
    from sensorcoach.formats import RecordingWriter, make_header
    header = make_header("witmotion-bwt901ble", {"odr_hz": 50})
    frame = bytes.fromhex("5561" + "0008" + "0000" + "00f8" + "0000" * 6)
    path = tmp_path / "wit.jsonl"
    with RecordingWriter(path, header) as w:
        for i in range(5):
            w.write_notification(0.02 * i, frame)
    block = open_source(path).read_all()
    assert len(block) == 5 and block.acc_g[0].tolist() == [1.0, 0.0, -1.0]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({**HEADER_OK, "profile": "witmotion-bwt901ble",
                               "config": {"rate": 50}}) + "\n")
    with pytest.raises(FormatError, match="config.odr_hz"):
        open_source(bad)
