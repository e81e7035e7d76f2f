"""S3FD as talkbench.faces backends, one per reference set-up (boxes only: NaN landmarks).

``s3fd-syncnet`` is syncnet_python's run_pipeline detector, ``s3fd-fa`` face-alignment's,
``s3fd-talklip`` TalkLip's bbx_extract.py (protocols.py has the table). Keyword parameters
change a set-up's numbers (``scales=(0.5,)``, ``conf_threshold=0.8``...); they are part of
``settings()``, so of the face cache key and the record. ``detect_max_side`` is ignored: the
protocol fixes the detection scale.
"""

from __future__ import annotations

import numpy as np

from talkbench import sha256_file
from talkbench.faces import Detection, LandmarkBackend

from talkbench_s3fd.protocols import PROTOCOLS, detect
from talkbench_s3fd.weights import load_net, weight_file

VERSION = "1"
_NO_LANDMARKS = np.full((68, 2), np.nan, dtype=np.float32)


class S3FDBackend(LandmarkBackend):
    protocol_name = ""
    box_style = "s3fd"

    def __init__(self, device: str = "cpu", detect_max_side: int = 0, **params) -> None:
        super().__init__(0)
        self.protocol = PROTOCOLS[self.protocol_name].with_options(**params)
        self.device = device
        self.path = weight_file(self.protocol.weights)
        self.net = load_net(str(self.path), self.protocol.arch, device)

    @property
    def version(self) -> str:
        # other weights, other boxes: the file's hash is part of the version
        return f"talkbench_s3fd-{VERSION}+{self.protocol.name}+{self.path.name}:{sha256_file(self.path)[:12]}"

    @classmethod
    def weight_files(cls) -> list[tuple[str, str, str]]:
        name = PROTOCOLS[cls.protocol_name].weights
        path = weight_file(name)
        return [(name, str(path), sha256_file(path))]

    def settings(self) -> dict:
        return {"protocol": self.protocol.settings()}

    def detect_rows(self, frames: np.ndarray) -> list[np.ndarray]:
        """Per frame the reference's N×5 float64 rows (x1, y1, x2, y2, score), best first."""
        return detect(self.net, frames, self.protocol)

    def detect_batch(self, frames: np.ndarray) -> list[list[Detection]]:
        return [[Detection(r[:4].astype(np.float32), _NO_LANDMARKS.copy(), float(r[4])) for r in rows]
                for rows in self.detect_rows(frames)]

    def detect(self, frame: np.ndarray) -> list[Detection]:
        return self.detect_batch(np.asarray(frame)[None])[0]


class SyncnetS3FD(S3FDBackend):
    name = "s3fd-syncnet"
    protocol_name = "syncnet_python"


class FaceAlignmentS3FD(S3FDBackend):
    name = "s3fd-fa"
    protocol_name = "face_alignment"


class TalkLipS3FD(S3FDBackend):
    name = "s3fd-talklip"
    protocol_name = "talklip"


BACKENDS = (SyncnetS3FD, FaceAlignmentS3FD, TalkLipS3FD)
