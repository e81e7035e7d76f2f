"""FaceTrack: one face followed through a clip (boxes, 68 landmarks, which frames were detected).

Coordinate conventions (shared by every function in ``talkbench.faces``):

- pixel coordinates of the full frame, x to the right, y down; pixel (row i, column j) covers
  ``[j, j+1) × [i, i+1)`` so a box ``(x1, y1, x2, y2)`` with integer corners is exactly the
  numpy slice ``frame[y1:y2, x1:x2]`` (x2/y2 exclusive, as dlib's and Wav2Lip's boxes);
- landmarks are ``(x, y)`` points in the iBUG-68 order (0–16 jaw, 17–26 brows, 27–35 nose,
  36–47 eyes, 48–67 mouth; 33 = nose tip, 8 = chin).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from talkbench.atomic import atomic_path

#: bumped when the saved layout or the meaning of a field changes
TRACK_FORMAT = 1


@dataclass(eq=False)
class FaceTrack:
    """Per-frame face geometry of a clip.

    ``boxes`` T×4 float32 (x1, y1, x2, y2); ``landmarks`` T×68×2 float32; ``found`` T bool, True
    only where a detector really saw the face (False where the value was interpolated or filled
    by the no-face policy). With ``no_face="skip"`` unfilled frames hold NaN: use ``valid``.
    ``backend`` names what ran (given/dlib/fan), ``version`` its version string, and ``meta``
    the settings (smoothing, policy, frame size, detection scale...).
    """

    boxes: np.ndarray
    landmarks: np.ndarray
    found: np.ndarray
    backend: str
    version: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.boxes = np.asarray(self.boxes, dtype=np.float32).reshape(-1, 4)
        self.landmarks = np.asarray(self.landmarks, dtype=np.float32).reshape(-1, 68, 2)
        self.found = np.asarray(self.found, dtype=bool).reshape(-1)
        n = len(self.boxes)
        if len(self.landmarks) != n or len(self.found) != n:
            raise ValueError(
                f"FaceTrack: boxes ({n}), landmarks ({len(self.landmarks)}) and found "
                f"({len(self.found)}) must have one row per frame"
            )

    @property
    def num_frames(self) -> int:
        return int(len(self.boxes))

    @property
    def valid(self) -> np.ndarray:
        """T bool: frames that have a box (detected, interpolated or filled)."""
        return np.isfinite(self.boxes).all(axis=1)

    @property
    def found_ratio(self) -> float:
        return float(self.found.mean()) if self.num_frames else 0.0

    def select(self, index: Any) -> "FaceTrack":
        """The track restricted to some frames (a slice, an index array or a bool mask)."""
        return FaceTrack(
            self.boxes[index], self.landmarks[index], self.found[index],
            self.backend, self.version, dict(self.meta),
        )

    def mouth_centers(self) -> np.ndarray:
        """T×2: mean of the mouth landmarks 48–67."""
        return self.landmarks[:, 48:68].mean(axis=1)

    # ---- persistence -------------------------------------------------------------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        info = {"backend": self.backend, "version": self.version, "meta": self.meta,
                "format": TRACK_FORMAT}
        return {
            "boxes": self.boxes, "landmarks": self.landmarks, "found": self.found,
            "info": np.array(json.dumps(info, default=_jsonable)),
        }

    def save(self, path: str | Path) -> Path:
        """Write an .npz atomically (temp file + rename), so a killed run leaves no half file."""
        path = Path(path)
        with atomic_path(path) as tmp:
            np.savez_compressed(tmp, **self.to_arrays())
        return path

    @classmethod
    def load(cls, path: str | Path) -> "FaceTrack":
        with np.load(Path(path), allow_pickle=False) as z:
            info = json.loads(str(z["info"]))
            return cls(z["boxes"], z["landmarks"], z["found"], info["backend"],
                       info.get("version", ""), info.get("meta", {}))

    def __repr__(self) -> str:
        return (f"FaceTrack(frames={self.num_frames}, found={self.found_ratio:.0%}, "
                f"backend={self.backend!r}, version={self.version!r})")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    return str(obj)
