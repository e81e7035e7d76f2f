"""One dataclass of every setting the SyncNet-in-the-wild pipeline has (LatentSync / MoChaBench
variants are other values of it). Defaults = syncnet_python's run_pipeline.py + run_syncnet.py
as Wav2Lip's ``calculate_scores_real_videos.sh`` drives them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

COMBINE_RULES = ("all", "mean", "best", "first")
AUDIO_SPANS = ("track", "clip")


@dataclass(frozen=True)
class WildSettings:
    #: detector settings the reference passes to S3FD (recorded; a given geometry file bypasses them)
    facedet_scale: float = 0.25
    det_conf: float = 0.9
    det_nms: float = 0.1
    #: ``ffmpeg -qscale:v 2 -async 1 -r 25`` to avi, then the -qscale:v 2 jpg dump (False: decoded frames)
    convert: bool = True
    frame_rate: int = 25
    #: PySceneDetect ContentDetector shots (False: the whole clip is one shot)
    shot_split: bool = True
    #: a shot must span ≥ min_track frames and a track hold > min_track detections
    min_track: int = 100
    #: frames a track may go without a matching detection before it stops
    num_failed_det: int = 25
    iou_thres: float = 0.5
    #: max(mean width, mean height) of a track's boxes must exceed this (pixels)
    min_face_size: float = 100.0
    crop_scale: float = 0.4
    median_kernel: int = 13
    crop_size: int = 224
    #: the crop's XVID write (cv2.VideoWriter) and read back (False: crops straight to the net)
    xvid_roundtrip: bool = True
    #: SyncNetInstance's default-quality jpg dump of the crop video, read with cv2.imread
    jpeg_roundtrip: bool = True
    #: ``track``: the audio of the track's own frames (ffmpeg -ss/-to), ``clip``: the whole clip's
    audio_span: str = "track"
    vshift: int = 15
    batch_size: int = 20
    #: how tracks make the clip value: all (every track one sample of the dataset mean, as the lines
    #: of all_scores.txt), mean (mean over the clip's tracks), best (highest LSE-C), first
    combine: str = "all"

    def __post_init__(self) -> None:
        if self.combine not in COMBINE_RULES:
            raise ValueError(f"track combine rule {self.combine!r}: use one of {', '.join(COMBINE_RULES)}")
        if self.audio_span not in AUDIO_SPANS:
            raise ValueError(f"audio_span {self.audio_span!r}: use one of {', '.join(AUDIO_SPANS)}")
        if self.median_kernel < 1 or self.median_kernel % 2 == 0:
            raise ValueError(f"median_kernel {self.median_kernel}: must be odd and ≥ 1 (scipy medfilt)")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
