"""From pelvis pose to what an IMU on the hip measures.

World frame: x along the mat, y to the person's left when standing facing +x, z up.
Pelvis frame: X anterior, Y left, Z cranial. Standing upright the two coincide;
lying supine the pelvis is pitched by `lie_deg` = 90 about Y so that X (anterior)
points up. Posterior pelvic tilt (`tilt_deg` > 0) and the bridge's hip lift pitch
further the same way; `roll_deg` turns about the cranial axis (rocking from side
to side), `yaw_deg` about the vertical (heading), `obliq_deg` about the anterior
axis (pelvic obliquity while walking).

    R_pelvis = Rz(yaw) . Ry(-(lie + tilt)) . Rz(roll) . Rx(obliq)

The sensor sits at a lever arm from the pelvis centre with any mount rotation; the
accelerometer measures specific force (acceleration minus gravity) and the
gyroscope the angular rate, both in sensor axes.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial.transform import Rotation

STANDARD_GRAVITY_MPS2 = 9.80665

#: Lever arms from the pelvis centre (m, pelvis frame) for each placement: half the
#: bi-iliac breadth (~28 cm in adults) at the side, and the pelvis depth (~12 cm) to
#: the front (over the belly, below the navel) or back (over the sacrum).
PLACEMENT_LEVER_M = {
    "right_hip": (0.0, -0.15, 0.02),
    "left_hip": (0.0, 0.15, 0.02),
    "front": (0.10, 0.0, 0.03),
    "back": (-0.10, 0.0, 0.03),
}


def pelvis_rotation(ch: dict[str, np.ndarray]) -> Rotation:
    angles = np.column_stack([ch["yaw_deg"], -(ch["lie_deg"] + ch["tilt_deg"]), ch["roll_deg"]])
    return Rotation.from_euler("ZYZ", angles, degrees=True) * Rotation.from_euler(
        "X", ch["obliq_deg"][:, None], degrees=True)


def body_rates(rotation: Rotation, dt_s: float) -> np.ndarray:
    """Angular rate in body axes (rad/s) by central differences of the orientation."""
    n = len(rotation)
    rates = np.empty((n, 3))
    rel = rotation[:-2].inv() * rotation[2:]
    rates[1:-1] = rel.as_rotvec() / (2 * dt_s)
    rates[0] = (rotation[0].inv() * rotation[1]).as_rotvec() / dt_s
    rates[-1] = (rotation[-2].inv() * rotation[-1]).as_rotvec() / dt_s
    return rates


def sensor_motion(channels: dict[str, np.ndarray], dt_s: float, mount: Rotation,
                  lever_m) -> tuple[np.ndarray, np.ndarray, Rotation]:
    """True specific force (g) and angular rate (deg/s) in sensor axes on a uniform grid.

    `mount` turns sensor axes into pelvis axes. Returns (acc_g, gyro_dps, R_sensor).
    """
    r_pelvis = pelvis_rotation(channels)
    position = np.column_stack([channels["x_m"], channels["y_m"], channels["z_m"]])
    position = position + r_pelvis.apply(np.asarray(lever_m, dtype=float))
    velocity = np.gradient(position, dt_s, axis=0)
    accel = np.gradient(velocity, dt_s, axis=0)
    specific_force_g = accel / STANDARD_GRAVITY_MPS2 + np.array([0.0, 0.0, 1.0])
    r_sensor = r_pelvis * mount
    acc_g = r_sensor.inv().apply(specific_force_g)
    gyro_dps = np.degrees(body_rates(r_sensor, dt_s))
    return acc_g, gyro_dps, r_sensor
