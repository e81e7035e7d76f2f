"""dlib backend: HOG frontal-face detector + the iBUG 68-point shape predictor.

Fully offline: dlib-bin ships the detector, face-recognition-models ships the predictor .dat.
The predictor's path is found with importlib (no import of the package itself, which still
pulls in the deprecated pkg_resources).
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from talkbench.errors import WeightsMissingError
from talkbench.faces.backends.base import Detection, LandmarkBackend

PREDICTOR_FILE = "shape_predictor_68_face_landmarks.dat"
#: below this longer side dlib's HOG window (80×80) misses faces, so the image is upsampled once
MIN_SIDE_FOR_NO_UPSAMPLE = 240


def predictor_path() -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsMissingError(
            f"dlib face backend: {PREDICTOR_FILE} not found; pip install face-recognition-models"
        )
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / PREDICTOR_FILE
    if not path.is_file():
        raise WeightsMissingError(
            f"dlib face backend: {path} is missing; reinstall face-recognition-models"
        )
    return path


@lru_cache(maxsize=1)
def _models():
    import dlib

    return dlib.get_frontal_face_detector(), dlib.shape_predictor(str(predictor_path()))


class DlibBackend(LandmarkBackend):
    name = "dlib"

    def __init__(self, detect_max_side: int = 360) -> None:
        super().__init__(detect_max_side)
        self.detector, self.predictor = _models()

    @property
    def version(self) -> str:
        import dlib

        return f"dlib-{dlib.__version__}+hog+{PREDICTOR_FILE}"

    def detect(self, frame: np.ndarray) -> list[Detection]:
        import dlib

        grey = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)
        small, scale = self.downscale(grey)
        upsample = 1 if max(small.shape[:2]) < MIN_SIDE_FOR_NO_UPSAMPLE else 0
        rects, scores, _ = self.detector.run(small, upsample, 0.0)
        out = []
        h, w = grey.shape
        for rect, score in zip(rects, scores):
            box = np.array([rect.left(), rect.top(), rect.right() + 1, rect.bottom() + 1],
                           dtype=np.float64) / scale
            full = dlib.rectangle(
                int(round(box[0])), int(round(box[1])), int(round(box[2])) - 1, int(round(box[3])) - 1
            )
            shape = self.predictor(grey, full)
            pts = np.array([[p.x, p.y] for p in shape.parts()], dtype=np.float32)
            box = np.clip(box, [-w, -h, 0, 0], [2 * w, 2 * h, 2 * w, 2 * h])
            out.append(Detection(box.astype(np.float32), pts, float(score)))
        return out
