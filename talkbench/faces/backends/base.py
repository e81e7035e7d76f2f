"""The backend interface and the shared detect-small / fit-large plumbing."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import NamedTuple

import cv2
import numpy as np


class Detection(NamedTuple):
    box: np.ndarray        # (4,) x1, y1, x2, y2 in full-frame pixels
    landmarks: np.ndarray  # (68, 2) x, y in full-frame pixels
    score: float


class LandmarkBackend(ABC):
    """A face detector (+ landmark fitter). Plugins register subclasses through the
    ``register_face_backends`` hook; a boxes-only detector returns NaN landmarks."""

    name: str = ""
    #: what the boxes cover, recorded with every track (``talkbench.faces.pipeline.BOX_STYLE``)
    box_style: str = ""

    def __init__(self, detect_max_side: int = 360) -> None:
        self.detect_max_side = int(detect_max_side)

    @property
    @abstractmethod
    def version(self) -> str:
        """Library and model versions: part of the cache key and of every record."""

    @abstractmethod
    def detect(self, frame: np.ndarray) -> list[Detection]:
        """All faces in one RGB uint8 frame."""

    def detect_batch(self, frames: np.ndarray) -> list[list[Detection]]:
        """All faces in each of several frames (backends that batch the network override it)."""
        return [self.detect(f) for f in frames]

    @classmethod
    def weight_files(cls) -> list[tuple[str, str, str]]:
        """(registry name, path, sha256) of each weights file it runs, for the record."""
        return []

    def settings(self) -> dict:
        """What changes the output besides the frames (recorded, and part of the cache key)."""
        return {"detect_max_side": self.detect_max_side}

    def downscale(self, frame: np.ndarray) -> tuple[np.ndarray, float]:
        """The frame shrunk so its longer side is at most ``detect_max_side`` and the factor."""
        h, w = frame.shape[:2]
        scale = min(1.0, self.detect_max_side / max(h, w)) if self.detect_max_side > 0 else 1.0
        if scale >= 1.0:
            return frame, 1.0
        small = cv2.resize(frame, (max(1, round(w * scale)), max(1, round(h * scale))),
                           interpolation=cv2.INTER_AREA)
        return small, scale
