"""Is a set of pixels a seal's ring? Geometry only, no colour.

An ellipse is fitted to the shape (principal axes, extents along them);
each pixel gets its elliptical radius r (1 on the fitted edge) and angle.
A seal ring puts a dense band at r≈1 all around and nothing outside it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_SIDE = 24        # px at working scale: smaller shapes are specks
MAX_ASPECT = 2.2     # oval seals are about 1.5:1; banners and text lines far more
BAND = (0.80, 1.04)  # elliptical radii counted as the ring
BINS = 72            # angle bins for ring coverage
# Seal thresholds, then the weaker ones under which a shape is not even doubtful.
# A seal's ring is thin (a band denser than `band_max` is a solid annulus, a
# logo) and holds a star or text (an empty circle is drawn, not stamped):
# both stay doubtful.
SEAL = dict(coverage=0.85, outside=0.03, band_density=0.18, band_max=0.75,
            contrast=1.6, inside=0.04)
DOUBT = dict(coverage=0.60, outside=0.06, band_density=0.10, band_max=1.0,
             contrast=1.3, inside=0.0)


@dataclass(frozen=True)
class Ring:
    x: int
    y: int
    width: int
    height: int
    coverage: float      # share of angles with ring pixels
    outside: float       # share of pixels beyond the fitted ellipse
    band_density: float  # ring pixels per ring area
    contrast: float      # ring density / inside density
    inside: float        # pixels per area inside the ring (star, text)
    is_seal: bool

    @property
    def score(self) -> float:
        return self.coverage + (1.0 if self.is_seal else 0.0)

    def __str__(self) -> str:
        return (f"{self.width}x{self.height}px at ({self.x},{self.y}), "
                f"coverage {self.coverage:.2f}, outside {self.outside:.3f}, "
                f"band density {self.band_density:.2f}, contrast {self.contrast:.1f}, "
                f"inside {self.inside:.2f}")


def ring_of(points: tuple[np.ndarray, np.ndarray]) -> Ring | None:
    """The ring features of a shape, or None when it is clearly no ring."""
    ys, xs = points
    if np.ptp(xs) + 1 < MIN_SIDE or np.ptp(ys) + 1 < MIN_SIDE:
        return None
    u, v, a, b = _ellipse_coords(xs.astype(float), ys.astype(float))
    if a <= 0 or b <= 0 or max(a, b) / min(a, b) > MAX_ASPECT:
        return None
    r = np.hypot(u / a, v / b)
    theta = np.arctan2(v / b, u / a)
    features = _features(r, theta, a, b)
    if not _passes(features, DOUBT):
        return None
    return Ring(int(xs.min() + np.ptp(xs) / 2), int(ys.min() + np.ptp(ys) / 2),
                int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1,
                *features, is_seal=_passes(features, SEAL))


def _ellipse_coords(xs: np.ndarray, ys: np.ndarray):
    """Coordinates along the shape's principal axes, centred on its extents."""
    pts = np.stack([xs - xs.mean(), ys - ys.mean()])
    _, vectors = np.linalg.eigh(np.cov(pts))
    u, v = vectors.T @ pts
    cu, cv = (u.max() + u.min()) / 2, (v.max() + v.min()) / 2
    a, b = (u.max() - u.min()) / 2 + 0.5, (v.max() - v.min()) / 2 + 0.5
    return u - cu, v - cv, a, b


def _features(r: np.ndarray, theta: np.ndarray, a: float, b: float):
    lo, hi = BAND
    band = (r >= lo) & (r <= hi)
    bins = np.floor((theta[band] + np.pi) / (2 * np.pi) * BINS).astype(int) % BINS
    coverage = len(np.unique(bins)) / BINS
    outside = float((r > 1.08).mean())
    area = np.pi * a * b
    band_density = band.sum() / (area * (hi * hi - lo * lo))
    inside_density = (r < 0.7).sum() / (area * 0.49)
    contrast = band_density / max(inside_density, 0.02)
    return coverage, outside, float(band_density), float(contrast), float(inside_density)


def _passes(features, limits: dict[str, float]) -> bool:
    coverage, outside, band_density, contrast, inside = features
    return (coverage >= limits["coverage"] and outside <= limits["outside"]
            and limits["band_density"] <= band_density <= limits["band_max"]
            and contrast >= limits["contrast"] and inside >= limits["inside"])
