"""Identity embedders for CSIM: insightface ArcFace (ONNX) and dlib's offline face descriptor.

ArcFace follows insightface's ``ArcFaceONNX``: aligned 112×112 crops, RGB, NCHW,
``(x − mean) / std`` with mean = std = 127.5 unless the graph normalises itself (its first
nodes are Sub and Mul: then 0 and 1, as insightface decides), one embedding per crop.
dlib: ``dlib_face_recognition_resnet_model_v1.dat`` (shipped by face-recognition-models) on
dlib's own 150×150 chip (padding 0.25) cut from the 68 landmarks; 128-d. A different network
from ArcFace, so its numbers are labelled ``csim (dlib)`` and never mixed with ArcFace ones.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from talkbench import MetricUnavailable, WeightsInvalidError, WeightsMissingError

from talkbench_face.align import five_points, norm_crop

DLIB_DESCRIPTOR_FILE = "dlib_face_recognition_resnet_model_v1.dat"


class ArcFaceONNX:
    name = "arcface-onnx"

    def __init__(self, path: str | Path, device: str = "cpu") -> None:
        try:
            import onnx
            import onnxruntime as ort
        except ImportError:
            raise MetricUnavailable("csim: onnxruntime/onnx not installed; pip install "
                                    "'talkbench[arcface]'") from None
        from google.protobuf.message import DecodeError

        try:
            model = onnx.load(str(path))
        except (OSError, ValueError, DecodeError) as exc:
            raise WeightsInvalidError(f"{path}: not an ONNX model ({exc})") from None
        ops = [n.op_type for n in model.graph.node[:8]]
        self_normalising = "Sub" in ops and "Mul" in ops
        self.mean, self.std = (0.0, 1.0) if self_normalising else (127.5, 127.5)
        providers = ["CUDAExecutionProvider", "CPUExecutionProvider"] if device.startswith("cuda") \
            else ["CPUExecutionProvider"]
        self.session = ort.InferenceSession(str(path), providers=providers)
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.size = int(inp.shape[2]) if isinstance(inp.shape[2], int) else 112
        self.output_name = self.session.get_outputs()[0].name

    def align(self, frame: np.ndarray, landmarks68: np.ndarray) -> np.ndarray:
        return norm_crop(frame, five_points(landmarks68), self.size)

    def blob(self, crops: np.ndarray) -> np.ndarray:
        """N×112×112×3 uint8 RGB → N×3×112×112 float32, as cv2.dnn.blobFromImages(swapRB) on BGR."""
        x = (np.asarray(crops, dtype=np.float32) - self.mean) / self.std
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    def embed(self, frames: np.ndarray, landmarks: np.ndarray, batch: int = 32) -> np.ndarray:
        crops = np.stack([self.align(f, lm) for f, lm in zip(frames, landmarks)])
        out = [self.session.run([self.output_name], {self.input_name: self.blob(crops[i:i + batch])})[0]
               for i in range(0, len(crops), batch)]
        return np.concatenate(out).astype(np.float64)


def dlib_model_path(filename: str = DLIB_DESCRIPTOR_FILE) -> Path:
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise WeightsMissingError(f"csim (dlib): {filename} not found; pip install face-recognition-models")
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / filename
    if not path.is_file():
        raise WeightsMissingError(f"csim (dlib): {path} is missing; reinstall face-recognition-models")
    return path


class DlibDescriptor:
    name = "dlib"
    chip_size, chip_padding = 150, 0.25
    memo_max = 20000  # descriptors kept (128 float64 each: ~20 MB)

    def __init__(self) -> None:
        import dlib

        self.model_path = dlib_model_path()
        self.net = dlib.face_recognition_model_v1(str(self.model_path))
        self._memo: dict[bytes, np.ndarray] = {}

    @staticmethod
    def shape(landmarks68: np.ndarray, box: np.ndarray):
        import dlib

        x1, y1, x2, y2 = (int(round(float(v))) for v in box)
        rect = dlib.rectangle(x1, y1, x2 - 1, y2 - 1)
        pts = dlib.points()
        for x, y in np.asarray(landmarks68, dtype=np.float64):
            pts.append(dlib.point(int(round(x)), int(round(y))))
        return dlib.full_object_detection(rect, pts)

    def embed(self, frames: np.ndarray, landmarks: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """One 128-d descriptor per frame.

        The descriptor is a deterministic function of the 150×150 chip, so identical chips
        (ground truth scored against itself, a static generator's repeated frame) are computed
        once, and the rest go through dlib's batched call (same numbers, ~1.5× faster on CPU).
        """
        import hashlib

        import dlib

        chips = [dlib.get_face_chip(np.ascontiguousarray(frame), self.shape(lm, box),
                                    size=self.chip_size, padding=self.chip_padding)
                 for frame, lm, box in zip(frames, landmarks, boxes)]
        keys = [hashlib.blake2b(np.ascontiguousarray(c).data, digest_size=16).digest() for c in chips]
        todo = {k: c for k, c in zip(keys, chips) if k not in self._memo}
        if todo:
            batch = list(todo.values())
            for k, d in zip(todo, self.net.compute_face_descriptor(batch)):
                self._memo[k] = np.asarray(d, dtype=np.float64)
        out = np.stack([self._memo[k] for k in keys])
        if len(self._memo) > self.memo_max:  # a per-run memo, not a growing cache
            self._memo.clear()
        return out
