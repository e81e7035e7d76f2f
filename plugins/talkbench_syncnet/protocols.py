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
    fps="reference: native frames counted as 25 fps (no -r); talkbench: resampled to 25 fps on read",
    tracks="one per clip (the whole frame); dataset value = mean over clips",
)

PROTOCOLS = (LRS,)
