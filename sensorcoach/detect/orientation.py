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
        #: Gyroscope offset, deg/s, learnt while the accelerometer says nothing turns.
        self.gyro_bias_dps = [0.0, 0.0, 0.0]
        self._prev_acc: tuple[float, float, float] | None = None

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
        bias = self.gyro_bias_dps
        prev = self._prev_acc
        steady_cos = math.cos(self.s.bias_steady_deg * deg)
        for i in range(len(acc)):
            ax, ay, az = acc[i]
            steady = False
            if prev is not None:
                # Frame-to-frame the specific force keeps its direction: nothing turns,
                # so what the gyroscope reads is its offset.
                px, py, pz = prev
                dot = ax * px + ay * py + az * pz
                norms = math.sqrt((ax * ax + ay * ay + az * az) * (px * px + py * py + pz * pz))
                steady = norms > 0 and dot / norms > steady_cos
                if steady and has[i]:
                    wx, wy, wz = gyro[i]
                    if abs(wx) + abs(wy) + abs(wz) < self.s.bias_max_dps:
                        k = dt_frame / (self.s.bias_tau_s + dt_frame)
                        bias[0] += k * (wx - bias[0])
                        bias[1] += k * (wy - bias[1])
                        bias[2] += k * (wz - bias[2])
            prev = (ax, ay, az)
            dt = dt_frame if last is None else (index[i] - last) * dt_frame
            last = index[i]
            if g is None or dt > RESTART_GAP_S:
                gx, gy, gz = ax, ay, az
            else:
                gx, gy, gz = g
                if has[i]:
                    wx, wy, wz = gyro[i]
                    wx, wy, wz = ((wx - bias[0]) * deg * dt, (wy - bias[1]) * deg * dt,
                                  (wz - bias[2]) * deg * dt)
                    # Gravity seen from a rotating sensor turns the other way.
                    gx, gy, gz = (gx - (wy * gz - wz * gy), gy - (wz * gx - wx * gz),
                                  gz - (wx * gy - wy * gx))
                    # Steady specific force: trust it, so a gyro offset not yet learnt
                    # cannot pull the estimate away while the person lies still.
                    alpha = dt / ((self.s.acc_lowpass_tau_s if steady else tau) + dt)
                else:
                    alpha = dt / (self.s.acc_lowpass_tau_s + dt)
                gx += alpha * (ax - gx)
                gy += alpha * (ay - gy)
                gz += alpha * (az - gz)
            g = (gx, gy, gz)
            out[i] = g
        self._g = g
        self._last_index = last
        self._prev_acc = prev
        result = np.array(out)
        return result / np.linalg.norm(result, axis=1, keepdims=True)

