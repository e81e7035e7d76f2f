"""The three ways the reference code runs S3FD, as parameter sets over one network.

==================  ======================  =========================  ==========================
                    ``syncnet_python``      ``face_alignment``         ``talklip``
==================  ======================  =========================  ==========================
code                run_pipeline.py +       face_alignment 1.5         preparation/bbx_extract.py
                    detectors/s3fd          detection/sfd              + face_detection (Wav2Lip's)
network             dilated fc6, ceil pool  padded fc6                 padded fc6
weights             sfd_face.pth            s3fd-619a316812.pth        s3fd-619a316812.pth
frames              ×0.25 (cv2 bilinear)    as given                   full resolution, batches of 32
fed to the net      RGB − (123, 117, 104)   BGR − (104, 117, 123)      RGB − (104, 117, 123),
                                                                       NHWC memory
candidates          score > 0.05, NMS 0.3   score > 0.05               score > 0.05
                    (top 5,000 → 750)
kept                score > 0.9, NMS 0.1    NMS 0.3 (+1 px), > 0.5     NMS 0.3 (+1 px), > 0.5
per frame           every box (tracks)      every box                  highest score, clipped at
                                                                       0, ``int()``; none: centred
                                                                       96×96
==================  ======================  =========================  ==========================

TalkLip's frames come from cv2 (BGR) and are flipped to RGB before the BGR means are
subtracted, so its network sees RGB with the means in the wrong order: kept, since that is
what its boxes are. ``detect`` returns float64 rows (x1, y1, x2, y2, score) in frame pixels;
TalkLip's per-frame choice (best box, ``int()``, centred 96×96) is the box protocol's, in
talkbench_imagequality.talklip_boxes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import cv2
import numpy as np
import torch

from talkbench_s3fd.decode import candidates, greedy_nms, syncnet_python_detect
from talkbench_s3fd.weights import SYNCNET_S3FD


@dataclass(frozen=True)
class S3FDProtocol:
    name: str
    decoder: str                    # whose decode + NMS: "syncnet_python" | "face_alignment" | "talklip"
    arch: str                       # "syncnet_python" | "face_alignment" (net.py)
    weights: str                    # the registry name of the weights file it runs
    channels: str                   # channel order fed to the network: "rgb" | "bgr"
    means: tuple[float, float, float]  # subtracted from the fed channels, in that order
    scales: tuple[float, ...] = (1.0,)
    conf_threshold: float = 0.5     # final score threshold (syncnet_python: conf_th)
    nms_threshold: float = 0.3      # final NMS IoU
    nms_plus_one: bool = True       # pixel-inclusive areas in the final NMS
    candidate_threshold: float = 0.05
    batch_size: int = 1             # frames per network call (TalkLip: 32)
    #: feed the frames in NHWC memory (TalkLip transposes a numpy array without copying, so its
    #: convolutions run channels-last, which rounds differently from NCHW)
    channels_last: bool = False

    def settings(self) -> dict:
        out = asdict(self)
        out["means"], out["scales"] = list(self.means), list(self.scales)
        return out

    def with_options(self, **options) -> "S3FDProtocol":
        """A copy with some parameters changed (unknown names are an error)."""
        unknown = set(options) - set(asdict(self))
        if unknown:
            raise ValueError(f"S3FD protocol {self.name}: unknown parameter(s) {sorted(unknown)}; "
                             f"known: {', '.join(sorted(asdict(self)))}")
        if "means" in options:
            options["means"] = tuple(float(v) for v in options["means"])
        if "scales" in options:
            options["scales"] = tuple(float(v) for v in options["scales"])
        return replace(self, **options)


FA_S3FD = "face_alignment_s3fd"

PROTOCOLS = {
    "syncnet_python": S3FDProtocol(
        "syncnet_python", "syncnet_python", "syncnet_python", SYNCNET_S3FD, "rgb", (123.0, 117.0, 104.0),
        scales=(0.25,), conf_threshold=0.9, nms_threshold=0.1, nms_plus_one=False),
    "face_alignment": S3FDProtocol(
        "face_alignment", "face_alignment", "face_alignment", FA_S3FD, "bgr", (104.0, 117.0, 123.0)),
    "talklip": S3FDProtocol(
        "talklip", "talklip", "face_alignment", FA_S3FD, "rgb", (104.0, 117.0, 123.0), batch_size=32,
        channels_last=True),
}


def network_input(frames: np.ndarray, protocol: S3FDProtocol) -> torch.Tensor:
    """B×3×H×W float32 from B×H×W×3 RGB uint8 frames (integer-valued: exact in any order), in
    NCHW memory or, for ``channels_last``, NHWC memory as the reference hands it over."""
    x = np.asarray(frames, dtype=np.float32)
    if protocol.channels == "bgr":
        x = x[..., ::-1]
    x = np.ascontiguousarray(x - np.asarray(protocol.means, dtype=np.float32))
    if protocol.channels_last:
        return torch.from_numpy(x).permute(0, 3, 1, 2)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))


def _forward(net, frames: np.ndarray, p: S3FDProtocol) -> list[torch.Tensor]:
    """The raw heads, on the CPU (decoding and NMS run there, as the references' numpy code)."""
    device = next(net.parameters()).device
    with torch.no_grad():
        return [o.cpu() for o in net(network_input(frames, p).to(device))]


def _syncnet_python_frame(net, frame: np.ndarray, p: S3FDProtocol) -> np.ndarray:
    h, w = frame.shape[:2]
    rows = []
    for s in p.scales:
        small = cv2.resize(frame, dsize=(0, 0), fx=s, fy=s, interpolation=cv2.INTER_LINEAR)
        out = syncnet_python_detect(_forward(net, small[None], p), small.shape[:2])
        dets = out[0, 1]
        scale = torch.Tensor([w, h, w, h])
        n = int((dets[:, 0] > p.conf_threshold).to(torch.int64).cumprod(0).sum())  # its while loop
        for j in range(n):
            pt = (dets[j, 1:] * scale).numpy()
            rows.append((pt[0], pt[1], pt[2], pt[3], float(dets[j, 0])))
    boxes = np.array(rows, dtype=np.float64).reshape(-1, 5)
    return boxes[greedy_nms(boxes, p.nms_threshold, p.nms_plus_one)]


def _filtered(cands: np.ndarray, p: S3FDProtocol) -> np.ndarray:
    """NMS then the score threshold, in that order (as face-alignment and TalkLip)."""
    kept = cands[greedy_nms(cands, p.nms_threshold, p.nms_plus_one)]
    return kept[kept[:, 4] > p.conf_threshold] if len(kept) else kept.reshape(0, 5)


def detect(net, frames: np.ndarray, protocol: S3FDProtocol) -> list[np.ndarray]:
    """Per frame an N×5 float64 array (x1, y1, x2, y2, score), best first, frame pixels."""
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = frames[None]
    if protocol.decoder == "syncnet_python":
        return [_syncnet_python_frame(net, f, protocol) for f in frames]
    if protocol.scales != (1.0,):
        raise ValueError(f"S3FD protocol {protocol.name}: detects at the frames' own size; "
                         "shrink the frames before, or use the syncnet_python protocol")
    out = []
    step = max(1, protocol.batch_size)
    for start in range(0, len(frames), step):
        raw = _forward(net, frames[start:start + step], protocol)
        cands = candidates(raw, protocol.decoder, protocol.candidate_threshold)
        out += [_filtered(c, protocol).astype(np.float64) for c in cands]
    return out
