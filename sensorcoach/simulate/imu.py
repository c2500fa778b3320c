"""The sensor's own errors: bias, scale, noise, quantisation, range, clock drift."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ImuErrors:
    """Per-unit errors, drawn once per session. Zero everything for an ideal sensor."""
    #: Accelerometer zero-g offset per axis, g. Consumer MEMS parts specify +-20-80 mg
    #: before calibration (e.g. Bosch BMI270, ST LSM6DSO datasheets).
    acc_bias_g: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: Accelerometer sensitivity error per axis, fraction (datasheets: +-1-3%).
    acc_scale_error: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: White noise RMS at the output, g. 90-300 ug/sqrt(Hz) noise density over a
    #: 50 Hz bandwidth gives 0.6-2 mg; cheap boards with poor supplies reach 5 mg.
    acc_noise_g: float = 0.0
    #: Gyroscope zero-rate offset per axis, deg/s (datasheets: +-1-3 deg/s).
    gyro_bias_dps: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: Gyroscope bias random walk, deg/s per sqrt(s): slow drift of the offset.
    gyro_bias_walk_dps: float = 0.0
    gyro_scale_error: tuple[float, float, float] = (0.0, 0.0, 0.0)
    #: Gyro white noise RMS, deg/s (0.004-0.01 deg/s/sqrt(Hz) x sqrt(50 Hz) ~ 0.03-0.1).
    gyro_noise_dps: float = 0.0
    #: Effective resolution: the ADC may give fewer useful bits than the 16 of the
    #: wire format (some cheap loggers: 1/64 g steps, as in the MEx data set).
    effective_bits: int = 16
    #: How much faster the sensor clock runs than true time, ppm. Crystal oscillators
    #: are within +-20-50 ppm; an uncalibrated RC oscillator reaches +-500 ppm or more.
    clock_drift_ppm: float = 0.0


def draw_errors(rng: np.random.Generator, quality: str) -> ImuErrors:
    """`quality`: "ideal", "good" (calibrated module) or "cheap" (DIY board, RC clock)."""
    if quality == "ideal":
        return ImuErrors()
    cheap = quality == "cheap"
    return ImuErrors(
        acc_bias_g=tuple(rng.normal(0.0, 0.04 if cheap else 0.015, 3)),
        acc_scale_error=tuple(rng.normal(0.0, 0.02 if cheap else 0.008, 3)),
        acc_noise_g=float(rng.uniform(0.003, 0.006) if cheap else rng.uniform(0.0008, 0.002)),
        gyro_bias_dps=tuple(rng.normal(0.0, 2.5 if cheap else 0.8, 3)),
        gyro_bias_walk_dps=float(0.02 if cheap else 0.005),
        gyro_scale_error=tuple(rng.normal(0.0, 0.02 if cheap else 0.008, 3)),
        gyro_noise_dps=float(rng.uniform(0.1, 0.25) if cheap else rng.uniform(0.03, 0.08)),
        effective_bits=int(rng.choice([10, 12]) if cheap else 16),
        clock_drift_ppm=float(rng.uniform(-600, 600) if cheap else rng.uniform(-40, 40)),
    )


def measure(acc_g: np.ndarray, gyro_dps: np.ndarray | None, errors: ImuErrors,
            acc_range_g: float, gyro_range_dps: float, rate_hz: float,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """True values -> the i16 counts the sensor would put on the wire."""
    n = len(acc_g)
    acc = acc_g * (1.0 + np.asarray(errors.acc_scale_error)) + np.asarray(errors.acc_bias_g)
    acc = acc + rng.normal(0.0, errors.acc_noise_g, (n, 3)) if errors.acc_noise_g else acc
    acc_counts = _quantise(acc, acc_range_g, errors.effective_bits)
    if gyro_dps is None:
        return acc_counts, None
    walk = np.cumsum(rng.normal(0.0, errors.gyro_bias_walk_dps / np.sqrt(rate_hz), (n, 3)),
                     axis=0) if errors.gyro_bias_walk_dps else 0.0
    gyro = gyro_dps * (1.0 + np.asarray(errors.gyro_scale_error)) + np.asarray(
        errors.gyro_bias_dps) + walk
    gyro = gyro + rng.normal(0.0, errors.gyro_noise_dps, (n, 3)) if errors.gyro_noise_dps else gyro
    return acc_counts, _quantise(gyro, gyro_range_dps, 16)


def _quantise(values: np.ndarray, full_scale: float, bits: int) -> np.ndarray:
    counts = np.clip(np.rint(values * 32768.0 / full_scale), -32768, 32767)
    step = 1 << (16 - bits)
    if step > 1:
        counts = np.clip(np.rint(counts / step) * step, -32768, 32767)
    return counts.astype(np.int16)
