"""``syncdiff-table1``: the evaluation protocol behind the SyncDiff paper's Table 1.

Table 1 (LRS2 | LRS3) scores PSNR/SSIM as TalkLip's evaluation/visual_quality.py (the GT
frame's face box cut from both videos, 96×96 cv2 resize, per-frame values pooled over all
frames, and its PSNR arithmetic: uint8 subtraction that wraps, 100 dB for identical frames),
LSE-C/LSE-D as Wav2Lip's calculate_scores_LRS, and WER as TalkLip's AV-HuBERT evaluation
(infer_s2s, video only, beam 50). LPIPS: no reference fixes its backbone, so the preset leaves
talkbench's documented default (AlexNet, [-1, 1] inputs) and the record states it.
"""

from __future__ import annotations

from talkbench import Protocol

#: visual_quality.py's region: the GT frame's box from TalkLip's bbx_extract.py (S3FD per frame,
#: best box, int(), a centred 96×96 box when none), each crop resized to 96×96; RGB order
#: irrelevant (per-pixel and per-channel-mean metrics)
_REGION = {"region": "face", "boxes": "talklip", "size": 96, "color": "rgb"}

#: TalkLip's WER: AV-HuBERT infer_s2s, s2s_decode.yaml (beam 50, max_len_a 1, max_len_b 0,
#: lenpen 1), whole frame to grey at 160×160, centre crop 88, labels lowercased
_WER = {"protocol": "talklip", "resize": 160, "beam": 50, "max_len_a": 1.0, "max_len_b": 0,
        "lenpen": 1.0, "lowercase": True}


def table1_protocol() -> Protocol:
    from talkbench_syncnet.protocols import LRS_SYNCNET

    return Protocol(
        name="syncdiff-table1",
        version="2",  # 2: TalkLip's own boxes (boxes=talklip) instead of a talkbench face track
        description="SyncDiff Table 1: TalkLip face crops and PSNR arithmetic, lrs LSE, TalkLip WER",
        reference="Sxjdwang/TalkLip evaluation (visual_quality.py, infer_s2s WER) + Wav2Lip calculate_scores_LRS",
        published="SyncDiff (WACV 2025) Table 1 LRS2/LRS3 and Tables 2-6 (results/paper)",
        options={"psnr": {**_REGION, "max_db": 100.0, "compat_uint8": True}, "ssim": dict(_REGION),
                 "syncnet": dict(LRS_SYNCNET), "wer": dict(_WER)},
        detector="PSNR/SSIM: TalkLip's bbx_extract.py S3FD boxes of the GT clip (s3fd-talklip, or its "
                 ".npy files via boxes_dir); LSE: none; WER: none",
        crop="PSNR/SSIM: face box → 96×96; LSE: whole frame → 224; WER: grey 160×160, centre 88×88",
        fps="reference: native frames counted as 25 fps; talkbench: the same on lrs2/lrs3 (fps_policy=native, their default)",
        tracks="one face per frame (PSNR/SSIM pooled over all frames); LSE and WER per clip",
    )
