"""One interface for live and replay: pacing apart from parsing, link events, CSV."""

import numpy as np

from sensorcoach.formats import Event, write_samples_csv
from sensorcoach.samples import SampleBlock
from sensorcoach.source import CsvSource, NotificationStream, Pacer, RecordingSource, open_source

from helpers import CONFIG, synthetic_packets, write_recording


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.slept = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_paced_replay_equals_fast_replay_and_takes_real_time(tmp_path):
    times, packets = synthetic_packets(count=100, spp=4)
    path = tmp_path / "r.jsonl"
    write_recording(path, times, packets)
    fast = open_source(path).read_all()
    clock = FakeClock()
    paced_source = RecordingSource(path, pacer=Pacer(speed=2.0, clock=clock.clock,
                                                     sleep=clock.sleep))
    blocks = list(paced_source.blocks())
    paced = SampleBlock.concat(blocks)
    np.testing.assert_array_equal(paced.t_s, fast.t_s)
    np.testing.assert_array_equal(paced.acc_g, fast.acc_g)
    # The recording spans times[-1] - times[0] s; at 2x it takes half that.
    assert abs((clock.now - 100.0) - (times[-1] - times[0]) / 2.0) < 1e-6
    # Released in small batches, as a live link would deliver them.
    assert len(blocks) > 20


def test_notification_stream_tracks_gaps_and_restarted_sequences():
    times, packets = synthetic_packets(count=20, spp=2)
    stream = NotificationStream("scimu-v1", CONFIG)
    stream.feed(times[:10], packets[:10])
    stream.feed_event(Event(5.0, "disconnected"))
    stream.feed_event(Event(7.0, "connected"))
    # After a reconnect the firmware counts sequence numbers from 0 again.
    from sensorcoach.decoders.scimu import encode_packet
    restarted = [encode_packet(i, 1_000_000 + (15 + i) * 20_000, np.zeros((2, 3)))
                 for i in range(5)]
    block = stream.feed(np.arange(5) + 8.0, restarted)
    assert len(block) == 10
    assert stream.stats.lost == 0
    assert stream.stats.disconnects == 1
    assert len(stream.gaps) == 1
    assert stream.gaps[0].start_s == 0.19 and abs(stream.gaps[0].end_s - 0.30) < 1e-9


def test_csv_source_blocks_and_shift_to_zero(tmp_path):
    n = 1000
    block = SampleBlock(5.0 + np.arange(n) * 0.01, np.zeros((n, 3)), np.full((n, 3), np.nan))
    path = tmp_path / "x.csv"
    write_samples_csv(path, block)
    source = CsvSource(path, block_size=300)
    blocks = list(source.blocks())
    assert [len(b) for b in blocks] == [300, 300, 300, 100]
    assert blocks[0].t_s[0] == 0.0
    assert source.config["odr_hz"] == 100.0
