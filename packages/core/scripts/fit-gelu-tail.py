"""
The rational factor of float32 GELU's normal tail (src/backend/reference/gelu-float32.ts):
R(t) = (1 - Phi(t))·e^(t²/2) ≈ P(t)/Q(t) on [0, 13], P of degree 4 and Q of degree 5 with
Q(0) = 1, fitted to the relative error by linearised least squares (Sanathanan-Koerner
iterations, dividing by the last denominator) with Lawson's reweighting towards minimax.
Prints the coefficients rounded to float32, highest power first, and the largest relative
error of the rounded fit on the grid. Needs numpy and mpmath:

    python3 scripts/fit-gelu-tail.py
"""
import mpmath as mp
import numpy as np

mp.mp.dps = 40
T = 13.0
N = 4000
# Chebyshev points on [0, T], denser at the ends.
t = (1 - np.cos(np.linspace(0, np.pi, N))) / 2 * T
# R(t) = ½·erfc(t/√2)·e^(t²/2), to full float64 precision.
f = np.array([float(mp.erfc(mp.mpf(x) / mp.sqrt(2)) * mp.exp(mp.mpf(x) ** 2 / 2) / 2) for x in t])


def fit(p, q, iterations=60):
    weights = np.ones_like(t)
    denominator = np.ones_like(t)
    for i in range(iterations):
        # P(t) − f·(Q(t) − 1) = f, scaled by 1/(Q_previous·f) so that the residual is relative.
        powers = t[:, None] ** np.arange(max(p, q) + 1)
        a = np.hstack([powers[:, : p + 1], -f[:, None] * powers[:, 1 : q + 1]])
        scale = weights / (denominator * f)
        c, *_ = np.linalg.lstsq(a * scale[:, None], f * scale, rcond=None)
        num, den = c[: p + 1], np.concatenate([[1.0], c[p + 1 :]])
        denominator = np.polyval(den[::-1], t)
        error = np.polyval(num[::-1], t) / denominator / f - 1
        if i >= 10:
            weights = weights * np.sqrt(np.abs(error)) + 1e-300
            weights /= weights.max()
    return num, den


num, den = fit(4, 5)
num32 = num.astype(np.float32).astype(np.float64)
den32 = den.astype(np.float32).astype(np.float64)
error = np.abs(np.polyval(num32[::-1], t) / np.polyval(den32[::-1], t) / f - 1).max()
print("P", [float(v) for v in num32[::-1]])
print("Q", [float(v) for v in den32[::-1]])
print("largest relative error with float32 coefficients", error)
