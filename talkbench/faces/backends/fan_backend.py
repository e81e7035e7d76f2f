"""fan backend: face-alignment (S3FD detector + 2D-FAN-4), as the SyncDiff paper.

Its weights come from talkbench's registry (``face_alignment_s3fd``, ``face_alignment_2dfan4``,
``--weights NAME=PATH`` works) and are handed to face-alignment so it never downloads: S3FD
through ``face_detector_kwargs={"path_to_detector": ...}``, 2D-FAN-4 by pointing torch hub, only
while the model is built, at a private directory whose checkpoints/ links to our file.
"""

from __future__ import annotations

import inspect
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from talkbench.faces.backends.base import Detection, LandmarkBackend
from talkbench.faces.fan_weights import FAN_2D, FAN_2D_FILE, S3FD, fan_weight_specs
from talkbench.hashing import talkbench_home
from talkbench.weights import resolve_weight


def fan_weight_paths() -> tuple[Path, Path]:
    """(s3fd, 2dfan4) local files; raises WeightsMissingError naming file, URL and place."""
    specs = {s.name: s for s in fan_weight_specs()}
    return resolve_weight(S3FD, specs[S3FD]), resolve_weight(FAN_2D, specs[FAN_2D])


def fan_available() -> bool:
    from talkbench.errors import WeightsInvalidError, WeightsMissingError

    try:
        fan_weight_paths()
    except (WeightsMissingError, WeightsInvalidError):
        return False
    return True


def _link_into_hub(fan_path: Path) -> Path:
    """A torch-hub-like dir whose checkpoints/<FAN file> is ``fan_path`` (atomic symlink)."""
    hub = talkbench_home() / "faces" / "torch_hub"
    ckpt = hub / "checkpoints"
    ckpt.mkdir(parents=True, exist_ok=True)
    target = ckpt / FAN_2D_FILE
    if not (target.is_symlink() and Path(os.readlink(target)) == fan_path):
        tmp = ckpt / f".{FAN_2D_FILE}.{os.getpid()}"
        tmp.unlink(missing_ok=True)
        os.symlink(fan_path, tmp)
        os.replace(tmp, target)
    return hub


@lru_cache(maxsize=2)
def _build(device: str, s3fd: str, fan: str):
    import face_alignment
    import torch

    hub = _link_into_hub(Path(fan))
    kwargs = dict(device=device, face_detector="sfd", face_detector_kwargs={"path_to_detector": s3fd})
    if "compile" in inspect.signature(face_alignment.FaceAlignment.__init__).parameters:
        kwargs["compile"] = False  # torch.compile costs minutes on CPU and caches to ~/.cache
    old = torch.hub.get_dir()
    torch.hub.set_dir(str(hub))
    try:
        return face_alignment.FaceAlignment(face_alignment.LandmarksType.TWO_D, **kwargs)
    finally:
        torch.hub.set_dir(old)


class FanBackend(LandmarkBackend):
    name = "fan"

    #: landmarks are fitted for at most this many faces per frame (the most confident)
    max_faces = 4

    def __init__(self, device: str = "cpu", detect_max_side: int = 360) -> None:
        super().__init__(detect_max_side)
        self.s3fd_path, self.fan_path = fan_weight_paths()
        self.device = device
        self.fa = _build(device, str(self.s3fd_path), str(self.fan_path))

    @property
    def version(self) -> str:
        import face_alignment

        from talkbench.hashing import sha256_file

        # the weights' hashes are part of the version: other weights, other landmarks
        return (f"face_alignment-{face_alignment.__version__}+s3fd:{sha256_file(self.s3fd_path)[:12]}"
                f"+2dfan4:{sha256_file(self.fan_path)[:12]}")

    def detect(self, frame: np.ndarray) -> list[Detection]:
        small, scale = self.downscale(frame)
        raw = self.fa.face_detector.detect_from_image(np.ascontiguousarray(small).copy())
        if raw is None or len(raw) == 0:
            return []
        dets = [np.asarray(d, dtype=np.float64) for d in raw]
        dets = [d for d in dets if d[2] - d[0] > 1 and d[3] - d[1] > 1]
        # only the most confident few get landmarks: a bad detector (or a crowd) must not
        # cost one FAN pass per spurious box
        dets = sorted(dets, key=lambda d: -d[4])[: self.max_faces]
        if not dets:
            return []
        boxes = [np.concatenate([d[:4] / scale, d[4:5]]) for d in dets]
        lms = self.fa.get_landmarks_from_image(np.ascontiguousarray(frame), detected_faces=boxes)
        if lms is None:
            return []
        return [
            Detection(b[:4].astype(np.float32), np.asarray(lm, dtype=np.float32)[:, :2], float(b[4]))
            for b, lm in zip(boxes, lms)
        ]
