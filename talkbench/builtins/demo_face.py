"""Parametric cartoon faces for the demo dataset: iBUG-68 landmarks first, pixels drawn from them.

The landmarks are the geometry (not a detection of it): every shape is filled from these exact
points with sub-pixel precision, so ``clip.meta["landmarks"]`` is the ground truth face-based
code can rely on. Sizes are fractions of the frame side, so 64/128/256 share one layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

SHIFT = 4  # cv2 fixed-point bits: 1/16 pixel precision
SKINS = [(224, 172, 140), (141, 85, 60), (250, 210, 180), (198, 134, 66), (110, 70, 50), (236, 188, 150)]
LIPS = [(170, 60, 70), (120, 40, 45), (200, 90, 100), (150, 55, 50), (95, 35, 40), (185, 75, 85)]
HAIR = [(40, 30, 20), (20, 20, 20), (160, 110, 50), (90, 50, 20), (200, 200, 200), (60, 40, 30)]
BACKS = [(60, 90, 150), (200, 200, 180), (40, 110, 70), (150, 60, 60), (90, 90, 100), (220, 180, 90)]
IRIS = [(60, 40, 20), (40, 90, 140), (50, 100, 60), (30, 30, 30), (90, 60, 30), (70, 110, 150)]


@dataclass
class Speaker:
    index: int
    cx: float  # face centre and radii, fractions of the frame side
    cy: float
    rx: float
    ry: float
    mouth_w: float  # neutral half-width of the mouth, fraction of rx
    skin: tuple
    lip: tuple
    hair: tuple
    back: tuple
    back2: tuple
    iris: tuple
    f0: float
    sway: tuple  # head motion: amplitude x, amplitude y (fractions), frequency, phase


def make_speaker(index: int, rng: np.random.Generator) -> Speaker:
    k = index % len(SKINS)
    back = BACKS[(index * 2 + 1) % len(BACKS)]
    back2 = tuple(int(0.6 * c) for c in BACKS[(index * 2 + 3) % len(BACKS)])
    return Speaker(
        index=index,
        cx=0.5 + float(rng.uniform(-0.07, 0.07)), cy=0.47 + float(rng.uniform(-0.04, 0.04)),
        rx=float(rng.uniform(0.22, 0.29)), ry=float(rng.uniform(0.29, 0.34)),
        mouth_w=float(rng.uniform(0.30, 0.40)),
        skin=SKINS[k], lip=LIPS[k], hair=HAIR[(index * 5 + 2) % len(HAIR)], back=back, back2=back2,
        iris=IRIS[(index * 3) % len(IRIS)], f0=float(rng.choice([105, 125, 150, 190, 215, 240])),
        sway=(float(rng.uniform(0.005, 0.015)), float(rng.uniform(0.003, 0.01)),
              float(rng.uniform(0.2, 0.5)), float(rng.uniform(0, 6.28))),
    )


def _ellipse_pts(cx, cy, rx, ry, a0, a1, n):
    a = np.linspace(a0, a1, n)
    return np.stack([cx + rx * np.cos(a), cy + ry * np.sin(a)], axis=1)


def head_centre(sp: Speaker, size: int, t: float) -> tuple[float, float]:
    """Pixel centre of the head oval at time ``t`` (a slow sway, so frames are not identical)."""
    ax, ay, fr, ph = sp.sway
    return ((sp.cx + ax * np.sin(2 * np.pi * fr * t + ph)) * size,
            (sp.cy + ay * np.sin(2 * np.pi * fr * 1.3 * t + ph * 0.7)) * size)


def landmarks(sp: Speaker, size: int, centre, opening: float, width: float, blink: float) -> np.ndarray:
    """68×2 float32 pixel coordinates (iBUG-68 order) for one frame."""
    cx, cy = centre
    rx, ry = sp.rx * size, sp.ry * size
    gap = opening * 0.30 * ry  # inner-lip opening in pixels
    jaw_drop = 0.55 * gap
    p = np.zeros((68, 2))
    # jaw 0-16: from the image-left ear, round the chin (8), to the image-right ear
    ang = np.linspace(np.pi + 0.12, -0.12, 17)
    jaw = np.stack([cx + rx * np.cos(ang), cy + ry * np.sin(ang)], axis=1)
    jaw[:, 1] += jaw_drop * np.clip(np.sin(ang), 0, None) ** 2
    p[0:17] = jaw
    ey = cy - 0.16 * ry
    for side, (b0, e0) in ((-1, (17, 36)), (1, (22, 42))):
        ex = cx + side * 0.40 * rx
        # brows 17-21 / 22-26 run image-left to image-right
        bx = ex + np.linspace(-0.22, 0.22, 5) * rx
        by = ey - 0.20 * ry - 0.05 * ry * np.sin(np.linspace(0, np.pi, 5))
        p[b0 : b0 + 5] = np.stack([bx, by], axis=1)
        hw, hh = 0.15 * rx, 0.065 * ry * blink
        outer, inner = ex + side * hw, ex - side * hw
        left, right = (outer, inner) if side < 0 else (inner, outer)
        # right eye (image left) starts at its outer corner, left eye at its inner corner
        xs = [left, left + 0.66 * hw, right - 0.66 * hw, right, right - 0.66 * hw, left + 0.66 * hw]
        ys = [ey, ey - hh, ey - hh, ey, ey + hh, ey + hh]
        p[e0 : e0 + 6] = np.stack([xs, ys], axis=1)
    p[27:31] = np.stack([np.full(4, cx), np.linspace(ey, cy + 0.20 * ry, 4)], axis=1)
    ny = cy + 0.26 * ry
    p[31:36] = np.stack([cx + np.array([-0.14, -0.07, 0, 0.07, 0.14]) * rx,
                         ny + np.array([-0.02, 0.01, 0.03, 0.01, -0.02]) * ry], axis=1)
    my = cy + 0.55 * ry + 0.35 * jaw_drop
    mw = sp.mouth_w * rx * (0.75 + 0.5 * width) * (1 - 0.15 * opening)
    up, lo = 0.07 * ry, 0.09 * ry
    top, bot = my - 0.35 * gap, my + 0.65 * gap
    p[48] = (cx - mw, my)
    p[49:54] = np.stack([cx + np.array([-0.6, -0.25, 0, 0.25, 0.6]) * mw,
                         top - up * np.array([0.55, 1.0, 0.8, 1.0, 0.55])], axis=1)
    p[54] = (cx + mw, my)
    p[55:60] = np.stack([cx + np.array([0.6, 0.3, 0, -0.3, -0.6]) * mw,
                         bot + lo * np.array([0.6, 0.95, 1.05, 0.95, 0.6])], axis=1)
    p[60] = (cx - 0.85 * mw, my)
    p[61:64] = np.stack([cx + np.array([-0.4, 0, 0.4]) * mw, np.full(3, top)], axis=1)
    p[64] = (cx + 0.85 * mw, my)
    p[65:68] = np.stack([cx + np.array([0.4, 0, -0.4]) * mw, np.full(3, bot)], axis=1)
    return p.astype(np.float32)


def face_box(sp: Speaker, centre, lm: np.ndarray, size: int) -> np.ndarray:
    """x1,y1,x2,y2: the drawn head oval from forehead top to chin (what a face detector boxes)."""
    cx, cy = centre
    rx, ry = sp.rx * size, sp.ry * size
    return np.array([cx - rx, cy - ry, cx + rx, float(lm[:17, 1].max())], dtype=np.float32)


def background(sp: Speaker, size: int) -> np.ndarray:
    y = np.linspace(0, 1, size)[:, None, None]
    x = np.linspace(0, 1, size)[None, :, None]
    img = (1 - y) * np.array(sp.back) + y * np.array(sp.back2)
    img = img + 12 * np.sin(2 * np.pi * (3 + sp.index % 3) * x)  # soft stripes: some texture
    return np.clip(img, 0, 255).astype(np.uint8)


def _fx(pts: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(pts) * (1 << SHIFT)).astype(np.int32)


def draw(base: np.ndarray, sp: Speaker, centre, lm: np.ndarray, size: int) -> np.ndarray:
    img = base.copy()
    aa = cv2.LINE_AA
    rx, ry = sp.rx * size, sp.ry * size
    cx, cy = centre
    # neck and shoulders, hair behind the head
    neck = np.array([[cx - 0.45 * rx, cy + 0.6 * ry], [cx + 0.45 * rx, cy + 0.6 * ry],
                     [cx + 0.5 * rx, size + 1], [cx - 0.5 * rx, size + 1]])
    shade = tuple(int(0.85 * c) for c in sp.skin)
    cv2.fillPoly(img, [_fx(neck)], shade, aa, SHIFT)
    hair = _ellipse_pts(cx, cy - 0.08 * ry, 1.1 * rx, 1.05 * ry, np.pi * 0.95, np.pi * 2.05, 40)
    cv2.fillPoly(img, [_fx(np.vstack([hair, [[cx + 1.05 * rx, cy + 0.2 * ry], [cx - 1.05 * rx, cy + 0.2 * ry]]]))],
                 sp.hair, aa, SHIFT)
    # face: the jaw landmarks closed by the forehead arc
    forehead = _ellipse_pts(cx, cy, rx, ry, -0.12, -np.pi - 0.12, 30)
    cv2.fillPoly(img, [_fx(np.vstack([lm[0:17], forehead]))], sp.skin, aa, SHIFT)
    for b0 in (17, 22):
        cv2.polylines(img, [_fx(lm[b0 : b0 + 5])], False, sp.hair, max(1, size // 64), aa, SHIFT)
    for e0 in (36, 42):
        eye = lm[e0 : e0 + 6]
        if eye[4, 1] - eye[1, 1] > 0.8:
            cv2.fillPoly(img, [_fx(eye)], (245, 245, 240), aa, SHIFT)
            c = eye.mean(axis=0)
            r = max(1.0, 0.45 * (eye[4, 1] - eye[1, 1]))
            cv2.circle(img, tuple(_fx(c)), int(r * (1 << SHIFT)), sp.iris, -1, aa, SHIFT)
        cv2.polylines(img, [_fx(eye[[0, 1, 2, 3]])], False, (40, 30, 30), 1, aa, SHIFT)
    nose_c = tuple(int(0.75 * c) for c in sp.skin)
    cv2.polylines(img, [_fx(lm[27:31])], False, nose_c, 1, aa, SHIFT)
    cv2.polylines(img, [_fx(lm[31:36])], False, nose_c, max(1, size // 96), aa, SHIFT)
    # lips, then the open mouth and the upper teeth inside it
    cv2.fillPoly(img, [_fx(lm[48:60])], sp.lip, aa, SHIFT)
    inner = lm[60:68]
    gap = inner[6, 1] - inner[2, 1]
    if gap > 0.3:
        cv2.fillPoly(img, [_fx(inner)], (45, 15, 20), aa, SHIFT)
        teeth_h = min(0.25 * gap, 0.03 * ry)
        top = inner[[0, 1, 2, 3, 4]]
        cv2.fillPoly(img, [_fx(np.vstack([top, top[::-1] + [0, teeth_h]])[[0, 1, 2, 3, 4, 6, 7, 8]])],
                     (235, 230, 220), aa, SHIFT)
    return img
