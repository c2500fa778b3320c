"""Gravity direction in sensor axes, frame by frame: the pelvis's orientation.

With a gyroscope it is a complementary filter: the gravity vector is carried along
by the measured rotation (dg/dt = -w x g in the sensor frame) and pulled towards the
measured specific force with time constant `fusion_tau_s`. Without one it is a
first-order low-pass of the frame means (`acc_lowpass_tau_s`). Either way the output is a unit vector,
and the state carries across chunks, so any chunking gives the same result.
"""

from __future__ import annotations

import math

import numpy as np

from .frames import Frames
from .settings import DetectorSettings

#: A gap in the frames longer than this restarts the filter from the measurement:
#: the person may have moved while no data came (a disconnect).
RESTART_GAP_S = 1.0


class GravityTracker:
    def __init__(self, settings: DetectorSettings):
        self.s = settings
        self._g: tuple[float, float, float] | None = None
        self._last_index: int | None = None

    def update(self, frames: Frames) -> np.ndarray:
        """Unit gravity direction per frame, (n, 3).

        A recursion over frames (10 Hz, so cheap): a frame without gyroscope data is
        simply low-passed, so mixed streams give the same result for any chunking.
        """
        if len(frames) == 0:
            return np.empty((0, 3))
        return self._fuse(frames, ~np.isnan(frames.gyro_dps[:, 0]))

    def _fuse(self, frames: Frames, with_gyro: np.ndarray) -> np.ndarray:
        dt_frame = self.s.frame_s
        tau = self.s.fusion_tau_s
        deg = math.pi / 180.0
        acc = frames.acc_g.tolist()
        gyro = frames.gyro_dps.tolist()
        index = frames.index.tolist()
        has = with_gyro.tolist()
        out = [None] * len(acc)
        g = self._g
        last = self._last_index
        for i in range(len(acc)):
            ax, ay, az = acc[i]
            dt = dt_frame if last is None else (index[i] - last) * dt_frame
            last = index[i]
            if g is None or dt > RESTART_GAP_S:
                gx, gy, gz = ax, ay, az
            else:
                gx, gy, gz = g
                if has[i]:
                    wx, wy, wz = gyro[i]
                    wx, wy, wz = wx * deg * dt, wy * deg * dt, wz * deg * dt
                    # Gravity seen from a rotating sensor turns the other way.
                    gx, gy, gz = (gx - (wy * gz - wz * gy), gy - (wz * gx - wx * gz),
                                  gz - (wx * gy - wy * gx))
                    alpha = dt / (tau + dt)
                else:
                    alpha = dt / (self.s.acc_lowpass_tau_s + dt)
                gx += alpha * (ax - gx)
                gy += alpha * (ay - gy)
                gz += alpha * (az - gz)
            g = (gx, gy, gz)
            out[i] = g
        self._g = g
        self._last_index = last
        result = np.array(out)
        return result / np.linalg.norm(result, axis=1, keepdims=True)

