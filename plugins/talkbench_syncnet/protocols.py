"""The protocol presets of the SyncNet metrics (``talkbench run --protocol NAME``).

Each preset is one reference pipeline's LSE settings; other presets (syncdiff-table1) reuse
``LRS_SYNCNET`` for their LSE columns. Add a preset by appending one ``Protocol`` to
``PROTOCOLS`` (talkbench.protocols documents the fields).
"""

from __future__ import annotations

from talkbench import Protocol

#: Wav2Lip evaluation/scores_LSE calculate_scores_LRS, as the calibration fixture pins it
#: (whole frame → 224, the ffmpeg jpg dump, ±15 frames, fp32). min_windows stays talkbench's
#: guard: it never changes a number, it fails a clip too short to search every offset (recorded).
LRS_SYNCNET = {"protocol": "lrs", "jpeg_roundtrip": True, "vshift": 15, "precision": "fp32"}

LRS = Protocol(
    name="lrs",
    version="1",
    description="LSE-C/LSE-D as Wav2Lip's calculate_scores_LRS (talkbench's default SyncNet settings)",
    reference="Rudrabha/Wav2Lip evaluation/scores_LSE calculate_scores_LRS.py + syncnet_python SyncNetInstance",
    published="LSE-C/LSE-D of LRS2/LRS3 tables scored this way (Wav2Lip; SyncDiff Table 1 LSE columns)",
    options={"syncnet": dict(LRS_SYNCNET)},
    detector="none (LRS clips are face-centred)",
    crop="whole frame, cv2 resize to 224×224 after the ffmpeg → jpg → cv2 round trip",
    fps="reference: native frames counted as 25 fps (no -r); talkbench: the same on lrs2/lrs3 (fps_policy=native, their default; other datasets: --dataset-option fps_policy=native)",
    tracks="one per clip (the whole frame); dataset value = mean over clips",
)

#: the peer scripts (talkbench_syncnet/peers; fixtures in tests/fixtures/*_sync, syncnet_demo).
#: Their own steps are fixed by the protocol name; these are the options they share with lrs.
PEER_SYNCNET = {"vshift": 15, "precision": "fp32"}

LATENTSYNC = Protocol(
    name="latentsync",
    version="1",
    description="SyncNet confidence as LatentSync's eval/eval_sync_conf.py: face tracks > 50 frames, mean over tracks",
    reference="bytedance/LatentSync eval/eval_sync_conf.py + syncnet_detect.py + syncnet/syncnet_eval.py @ a229c39",
    published="LatentSync's Sync-C (HDTF, VoxCeleb2) and papers that run its eval script",
    options={"syncnet": {"protocol": "latentsync", **PEER_SYNCNET}},
    detector="S3FD ×0.25, conf 0.9, NMS 0.1 (s3fd-syncnet with sfd_face.pth, or boxes given via syncnet.face_geometry)",
    crop="run_pipeline's median-13 crop, 224², mp4v + AAC round trip, jpg dump",
    fps="ffmpeg -r 25 to libx264 mp4 (its default crf 23)",
    tracks="IoU tracks > 50 frames per PySceneDetect 0.6 shot; clip = mean conf, int(mean offset); no track = failure",
)

MOCHA = Protocol(
    name="mocha",
    version="1",
    description="Sync-Conf./Sync-Dist. as MoChaBench's SyncNetPipeline: a separate denoised speech file, best track",
    reference="congwei1230/MoChaBench eval-lipsync/script/syncnet_pipeline.py @ 043908d",
    published="the MoChaBench leaderboard (Sync-Conf., Sync-Dist.)",
    options={"syncnet": {"protocol": "mocha", "mocha_speech": "file", "mocha_denoise": "none", **PEER_SYNCNET}},
    detector="S3FD ×0.25, conf 0.9, NMS 0.1 (s3fd-syncnet with sfd_face.pth, or boxes given via syncnet.face_geometry)",
    crop="run_pipeline's median-13 crop, 224², XVID + PCM avi, jpg dump",
    fps="ffmpeg -q:v 2 -r 25 -async 1 avi; speech resampled to 16 kHz mono by ffmpeg",
    tracks="IoU tracks > 50 frames per PySceneDetect 0.6 shot; clip = max conf and min dist over tracks; no track = failure",
)

SYNCNET_DEMO = Protocol(
    name="syncnet-demo",
    version="1",
    description="syncnet_python's demo_syncnet.py on a video that is already a 224×224 face crop",
    reference="joonson/syncnet_python demo_syncnet.py (SyncNetInstance.evaluate) @ 6efbb1c",
    published="numbers computed with syncnet_python's demo on pre-cropped face videos",
    options={"syncnet": {"protocol": "syncnet-demo", **PEER_SYNCNET}},
    detector="none (the input is the crop)",
    crop="none: the file's 224² frames after the ffmpeg jpg dump (other sizes fail)",
    fps="none: native frames taken as 25 fps",
    tracks="one per clip (the whole file)",
)

#: syncnet_python run_pipeline.py + run_syncnet.py as Wav2Lip's calculate_scores_real_videos
#: drives them (tests/fixtures/syncnet_wild); every value is the reference's
WILD_SYNCNET = {
    "protocol": "wild", "vshift": 15, "precision": "fp32", "jpeg_roundtrip": True, "crop_scale": 0.4,
    "facedet_scale": 0.25, "det_conf": 0.9, "convert": True, "shot_split": True, "min_track": 100,
    "num_failed_det": 25, "min_face_size": 100.0, "xvid_roundtrip": True, "audio_span": "track",
    "track_combine": "all",
}

WILD = Protocol(
    name="wild",
    version="1",
    description="LSE-C/LSE-D of real videos as syncnet_python's run_pipeline + Wav2Lip's calculate_scores_real_videos",
    reference="joonson/syncnet_python run_pipeline.py + run_syncnet.py @ 6efbb1c, driven by Rudrabha/Wav2Lip "
              "evaluation/scores_LSE/calculate_scores_real_videos.sh @ 5c90fa9",
    published="LSE-C/LSE-D of in-the-wild / cross-driven videos (Wav2Lip's real-video protocol; HDTF and "
              "other unconstrained sets in papers that cite it)",
    options={"syncnet": dict(WILD_SYNCNET)},
    detector="S3FD ×0.25, conf 0.9, NMS 0.1 (s3fd-syncnet with sfd_face.pth, or boxes given via syncnet.face_geometry)",
    crop="median-13 smoothed track boxes, crop_scale 0.4 with padding, 224², XVID avi round trip, jpg dump",
    fps="ffmpeg -qscale:v 2 -async 1 -r 25 avi (the CLI, as the reference)",
    tracks="IoU tracks > 100 frames per PySceneDetect shot, mean face > 100 px; every track one sample "
           "(dataset value = mean over all tracks of all clips); no track = failure",
)

PROTOCOLS = (LRS, WILD, LATENTSYNC, MOCHA, SYNCNET_DEMO)
