"""SyncNet's first lip convolution over a run of frames with Toom-Cook (Winograd) in time.

The first layer convolves each 5-frame window with a (5, 7, 7) kernel: output window ``i`` is
``y_i = Σ_t w_t ⋆ f_{i+t}`` (``w_t`` the kernel's 3→96-channel 7×7 slice for frame ``t``, ``⋆``
the strided 2-D convolution). Consecutive windows share frames, and a 1-D correlation of m
outputs with an r-tap filter needs only m + r − 1 products (Winograd's minimal filtering
F(m, r), built by Toom-Cook from evaluation points), so 4 windows need 8 frame convolutions
instead of 20:

    y = Aᵀ [ (G w) ⊙ (Cᵀ d) ]

with ``d`` the 8 frames of a tile, ``Cᵀ d`` 8 linear mixes of them, ``G w`` 8 mixes of the 5
kernel slices, ``⊙`` one 3→96 convolution per pair, and ``Aᵀ`` recombining the 8 products into
the 4 windows. Points 0, ±1, ±2, ±1/2 and ∞ keep the mixes small: on real clips the result is
closer to a float64 reference than the direct 15-channel convolution (8e-7 vs 1.4e-6 relative,
tests/syncnet/test_time_winograd.py). It is the same linear map, rounded differently.

The products are computed strip by strip (a band of output rows), so the 8 products of a strip
stay in the cache while ``Aᵀ`` reads them; the bias is left to the caller (it commutes with the
max-pooling that follows: ``maxpool(y) + b == maxpool(y + b)`` exactly).
"""

from __future__ import annotations

from fractions import Fraction

import torch
import torch.nn.functional as F

#: Toom-Cook evaluation points of F(4, 5) (∞ is implied as the last one)
POINTS = (0, 1, -1, 2, -2, Fraction(1, 2), Fraction(-1, 2))
TILE = 4  # windows per tile: m of F(m, 5)


def _inverse(rows: list[list[Fraction]]) -> list[list[Fraction]]:
    """Exact inverse of a small square matrix (Gauss–Jordan over fractions)."""
    n = len(rows)
    a = [list(r) + [Fraction(int(i == j)) for j in range(n)] for i, r in enumerate(rows)]
    for col in range(n):
        pivot = next(r for r in range(col, n) if a[r][col] != 0)
        a[col], a[pivot] = a[pivot], a[col]
        p = a[col][col]
        a[col] = [v / p for v in a[col]]
        for r in range(n):
            if r != col and a[r][col] != 0:
                f = a[r][col]
                a[r] = [v - f * u for v, u in zip(a[r], a[col])]
    return [r[n:] for r in a]


def toom_cook(m: int, r: int, points=POINTS) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(Aᵀ (m×n), G (n×r), Cᵀ (n×n)) of F(m, r), n = m + r − 1, as float64 tensors.

    From linear convolution by evaluation/interpolation, ``s = C[(A' h) ⊙ (G g)]`` with A', G
    the evaluations of the two polynomials at the points and C the inverse of the n-point
    evaluation matrix; the correlation the layer computes is its transpose."""
    n = m + r - 1
    if len(points) != n - 1:
        raise ValueError(f"F({m},{r}) needs {n - 1} finite points, got {len(points)}")

    def row(a, k):  # evaluation of a degree < k polynomial; ∞ gives its leading coefficient
        return [Fraction(int(e == k - 1)) for e in range(k)] if a is None else [Fraction(a) ** e for e in range(k)]

    pts = [*points, None]
    inv = _inverse([row(a, n) for a in pts])
    t = lambda rows: torch.tensor([[float(v) for v in rw] for rw in rows], dtype=torch.float64)  # noqa: E731
    a_t = t([row(a, m) for a in pts]).T.contiguous()
    g = t([row(a, r) for a in pts])
    c_t = t(inv).T.contiguous()
    return a_t, g, c_t


def _recombination(points) -> tuple[int, int, list[tuple[int, int, float]]]:
    """How ``Aᵀ`` is applied with few passes over memory (the products are large and the pass
    count is what costs): points come in pairs ±a, and ``a^i p₊ + (−a)^i p₋`` is ``a^i`` times
    ``p₊ + p₋`` for even i and ``p₊ − p₋`` for odd i, so each pair is folded once into an even
    and an odd part, and window i sums one part per pair (plus the 0 point for window 0 and ∞
    for the last). Returns (index of 0, index of ∞, [(index of +a, index of −a, a)])."""
    pts = [Fraction(p) for p in points]
    if 0 not in pts or any(-p not in pts for p in pts) or len(set(pts)) != len(pts):
        raise ValueError(f"points {points}: must be 0 and ± pairs")
    pairs = [(i, pts.index(-p), float(p)) for i, p in enumerate(pts) if p > 0]
    return pts.index(0), len(pts), pairs


def _recombine(prods: list[torch.Tensor], dests: list[torch.Tensor], plan) -> None:
    """``dests[i] = Σ_s Aᵀ[i, s] prods[s]`` for the F(m, r) points of ``plan`` (see
    ``_recombination``); ``prods`` of the pairs are overwritten with their even/odd parts."""
    zero, inf, pairs = plan
    parts = []
    for plus, minus, a in pairs:
        even = prods[plus].add_(prods[minus])                   # p₊ + p₋
        odd = prods[minus].mul_(-2.0).add_(even)                # p₊ − p₋
        parts.append((even, odd, a))
    last = len(dests) - 1
    for i, dest in enumerate(dests):
        terms = [(even if i % 2 == 0 else odd, a ** i) for even, odd, a in parts]
        (part0, c0), *rest = terms
        if c0 == 1.0:
            dest.copy_(part0)
        else:
            torch.mul(part0, c0, out=dest)
        for part, c in rest:
            dest.add_(part, alpha=c)
        if i == 0:
            dest.add_(prods[zero])
        if i == last:
            dest.add_(prods[inf])


class TimeWinogradConv:
    """``(T, H, W, 3)`` float frames → the first conv of all T−4 windows, no bias:
    ``(T−4, O, Ho, Wo)`` channels-last, for a (O, 3, 5, kh, kw) kernel with spatial
    ``stride`` and no padding (SyncNet's first lip layer)."""

    def __init__(self, weight: torch.Tensor, stride, rows: int = 14) -> None:
        o, c, taps, kh, kw = weight.shape
        a_t, g, c_t = toom_cook(TILE, taps)
        self.a_t, self.c = a_t.float(), c_t.T.contiguous().float()  # mix = einsum with C
        self.frames_per_tile = TILE + taps - 1
        # the kernel mixes in float64, rounded once
        mixed = torch.einsum("st,octhw->sochw", g, weight.detach().double())
        self.weights = [w.float().contiguous(memory_format=torch.channels_last) for w in mixed]
        self.stride = tuple(stride) if not isinstance(stride, int) else (stride, stride)
        self.kernel, self.taps, self.out_channels, self.rows = (kh, kw), taps, o, rows
        self.plan = _recombination(POINTS)

    def to(self, device) -> "TimeWinogradConv":
        self.a_t, self.c = self.a_t.to(device), self.c.to(device)
        self.weights = [w.to(device) for w in self.weights]
        return self

    def output_size(self, h: int, w: int) -> tuple[int, int]:
        (kh, kw), (sh, sw) = self.kernel, self.stride
        return (h - kh) // sh + 1, (w - kw) // sw + 1

    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        t, h, w, ch = frames.shape
        n = t - self.taps + 1
        if n < 1:
            raise ValueError(f"SyncNet: {t} frames make no {self.taps}-frame window")
        tiles = -(-n // TILE)
        need = tiles * TILE + self.taps - 1
        x = frames.reshape(t, -1)
        if need > t:  # zero frames complete the last tile; the windows they feed are dropped
            x = torch.cat([x, x.new_zeros(need - t, x.shape[1])])
        x = x.as_strided((tiles, self.frames_per_tile, x.shape[1]), (TILE * x.shape[1], x.shape[1], 1))
        # (8, tiles, H, W, 3) memory = each mix s is a channels-last (tiles, 3, H, W) batch
        mixes = torch.einsum("js,kjx->skx", self.c, x).reshape(-1, tiles, h, w, ch).permute(0, 1, 4, 2, 3)
        ho, wo = self.output_size(h, w)
        out = frames.new_empty(tiles, TILE, ho, wo, self.out_channels)  # channels-last windows
        (kh, _), (sh, _) = self.kernel, self.stride
        for r0 in range(0, ho, self.rows):
            r1 = min(ho, r0 + self.rows)
            band = slice(r0 * sh, (r1 - 1) * sh + kh)
            prods = [F.conv2d(mixes[s][:, :, band], wt, None, self.stride) for s, wt in enumerate(self.weights)]
            dests = [out[:, i, r0:r1].permute(0, 3, 1, 2) for i in range(TILE)]  # (tiles, O, rows, Wo) views
            _recombine(prods, dests, self.plan)
        return out.reshape(tiles * TILE, ho, wo, self.out_channels)[:n].permute(0, 3, 1, 2)
