"""Running counters of a notification stream, constant memory."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass
class StreamStats:
    packets: int = 0          # notifications decoded (valid)
    lost: int = 0             # packets missing, from sequence gaps
    corrupt: int = 0          # notifications counted and skipped
    samples: int = 0
    disconnects: int = 0
    # Drift: a line fitted through the lowest receive latency (host time minus
    # sensor time) of each window. Radio and host delays only ever add latency, so
    # the minimum per window is the clean path; the fit's running sums keep memory
    # constant however long the session.
    _window: int | None = None
    _window_min: float = math.inf
    _window_x: float = 0.0
    _n: int = 0
    _sx: float = 0.0
    _sy: float = 0.0
    _sxx: float = 0.0
    _sxy: float = 0.0

    #: Window for the latency minimum: long enough to hold several connection
    #: intervals' worth of packets even at 25 Hz with one sample per packet.
    DRIFT_WINDOW_S = 10.0

    def add_timing(self, sensor_t_s, host_t_s) -> None:
        """Pairs (sensor time of a packet's last sample, host receive time), in order."""
        import numpy as np
        x = np.asarray(sensor_t_s, dtype=float)
        if not len(x):
            return
        latency = np.asarray(host_t_s, dtype=float) - x
        window = np.floor(x / self.DRIFT_WINDOW_S).astype(np.int64)
        starts = np.flatnonzero(np.r_[True, window[1:] != window[:-1]])
        mins = np.minimum.reduceat(latency, starts)
        ends = np.r_[starts[1:], len(x)]
        for w, lo, a, b in zip(window[starts], mins, starts, ends):
            if w != self._window:
                self._close_window()
                self._window, self._window_min = int(w), math.inf
            if lo < self._window_min:
                self._window_min = float(lo)
                self._window_x = float(x[a + int(np.argmin(latency[a:b]))])

    def _close_window(self) -> None:
        if self._window is None or not math.isfinite(self._window_min):
            return
        x, y = self._window_x, self._window_min
        self._n += 1
        self._sx += x
        self._sy += y
        self._sxx += x * x
        self._sxy += x * y

    @property
    def clock_drift_ppm(self) -> float | None:
        """How much faster the host clock runs than the sensor clock, in ppm.

        None until there are three closed windows (30 s): shorter spans cannot tell
        drift from receive jitter.
        """
        n, sx, sy, sxx, sxy = self._n, self._sx, self._sy, self._sxx, self._sxy
        if self._window is not None and math.isfinite(self._window_min):
            # Include the window still open.
            x, y = self._window_x, self._window_min
            n, sx, sy, sxx, sxy = n + 1, sx + x, sy + y, sxx + x * x, sxy + x * y
        if n < 3:
            return None
        var = sxx - sx * sx / n
        if var <= 0:
            return None
        slope = (sxy - sx * sy / n) / var      # d(host - sensor)/d(sensor)
        return slope * 1e6

    def as_dict(self) -> dict:
        return {"packets": self.packets, "lost": self.lost, "corrupt": self.corrupt}
