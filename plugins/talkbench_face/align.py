"""insightface's 5-point alignment: a similarity transform onto the ArcFace 112×112 template.

insightface (``utils/face_align.py``) estimates the transform with skimage's
``SimilarityTransform.estimate`` (Umeyama, least squares, no reflection) from the detector's
five points onto ``ARCFACE_DST`` and warps with ``cv2.warpAffine(..., borderValue=0)``. We
solve the same least-squares problem in closed form (tests pin it to skimage's estimate and
to the warped pixels). Our five points come from the 68-point landmarks of talkbench.faces:
eye centres (mean of 36–41 / 42–47), nose tip 30, mouth corners 48 / 54.
"""

from __future__ import annotations

import cv2
import numpy as np

ARCFACE_DST = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                        [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32)


def five_points(landmarks68: np.ndarray) -> np.ndarray:
    """(left eye, right eye, nose, left mouth, right mouth) in image order, from iBUG-68."""
    lm = np.asarray(landmarks68, dtype=np.float64)
    return np.stack([lm[36:42].mean(0), lm[42:48].mean(0), lm[30], lm[48], lm[54]]).astype(np.float32)


def similarity_matrix(src: np.ndarray, dst: np.ndarray = ARCFACE_DST) -> np.ndarray:
    """2×3 least-squares similarity (Umeyama 1991, with the reflection guard) mapping src→dst."""
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s0, d0 = src - mu_s, dst - mu_d
    cov = d0.T @ s0 / len(src)
    u, sv, vt = np.linalg.svd(cov)
    sign = np.ones(2)
    if np.linalg.det(cov) < 0:
        sign[-1] = -1
    rot = u @ np.diag(sign) @ vt
    scale = (sv * sign).sum() / s0.var(0).sum()
    m = np.zeros((2, 3))
    m[:, :2] = scale * rot
    m[:, 2] = mu_d - scale * rot @ mu_s
    return m


def norm_crop(image: np.ndarray, points5: np.ndarray, size: int = 112) -> np.ndarray:
    """The aligned size×size crop (insightface ``norm_crop`` for size 112)."""
    if size % 112:
        raise ValueError(f"ArcFace alignment size {size}: must be a multiple of 112")
    m = similarity_matrix(points5, ARCFACE_DST * (size / 112.0))
    return cv2.warpAffine(image, m, (size, size), borderValue=0.0)
