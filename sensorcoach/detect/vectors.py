"""Small geometry on unit gravity directions (sensor frame), shared by the detectors."""

from __future__ import annotations

import math

import numpy as np

DEG = 180.0 / math.pi


def turn_direction(u, b) -> tuple | None:
    """Unit vector of the change from gravity direction `b` to `u` (which way the
    sensor turned), None if they are the same."""
    d = [u[i] - b[i] for i in range(3)]
    norm = math.sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2])
    return (d[0] / norm, d[1] / norm, d[2] / norm) if norm > 1e-9 else None


def angle_deg(u, b) -> float:
    """Angle between two unit vectors, deg."""
    return math.acos(min(1.0, max(-1.0, u[0] * b[0] + u[1] * b[1] + u[2] * b[2]))) * DEG


def principal_projection(vectors, with_axis: bool = False):
    """Deviation from the mean projected on the main axis of variation, in degrees
    (and that axis, a unit vector, if asked)."""
    x = np.asarray(vectors, dtype=float)
    d = (x - x.mean(axis=0)) * DEG
    _, _, vt = np.linalg.svd(d, full_matrices=False)
    return (d @ vt[0], vt[0]) if with_axis else d @ vt[0]


def normalise(v):
    n = math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])
    return (v[0] / n, v[1] / n, v[2] / n)


def mean_direction(dirs):
    """The mean of unit vectors `dirs`, as a unit vector (a centre of directions)."""
    return normalise([sum(u[i] for u in dirs) for i in range(3)])


def median(values):
    ordered = sorted(values)
    n = len(ordered)
    return ordered[n // 2] if n % 2 else 0.5 * (ordered[n // 2 - 1] + ordered[n // 2])
