"""Region metrics: no silent face-backend fallback, the backend recorded, clear no-face errors,
and a result computed on fewer frames than the reference says so."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from talkbench import Clip, ClipFailure
from talkbench_imagequality import PSNR, SSIM


def _noise(n=4, size=64, seed=0, path=None):
    frames = np.random.default_rng(seed).integers(0, 255, (n, size, size, 3), dtype=np.uint8)
    return Clip(id=f"noise{seed}", frames_source=frames, path=path)


def _given(n=6, size=64):
    frames = np.full((n, size, size, 3), 120, np.uint8)
    lm = np.tile(np.stack(np.meshgrid(np.linspace(16, 48, 17), [20, 44]), -1).reshape(-1, 2)[:68], (n, 1, 1))
    lm = np.concatenate([lm, np.full((n, 68 - lm.shape[1], 2), 32.0)], axis=1).astype(np.float32)
    return Clip(id="given", frames_source=frames, meta={"landmarks": lm})


def test_auto_without_face_alignment_weights_fails_with_the_fix(monkeypatch):
    from talkbench.errors import WeightsMissingError
    import talkbench.faces.backends.fan_backend as fb

    def missing():
        raise WeightsMissingError("weights 'face_alignment_s3fd' missing: download s3fd-619a316812.pth")

    monkeypatch.setattr(fb, "fan_weight_paths", missing)
    with pytest.raises(ClipFailure) as e:
        PSNR().compute(_noise(seed=1), _noise(seed=2))
    msg = str(e.value)
    assert msg.startswith("psnr: the protocol's face backend (face-alignment S3FD boxes) is unavailable: "
                          "weights 'face_alignment_s3fd' missing")
    assert "--metric-option psnr.face_backend=dlib" in msg  # never a quiet switch to dlib


def test_no_face_names_the_file_the_role_and_region_full(tmp_path):
    ref = _noise(seed=3, path=Path("/data/spk1/00001.mp4"))
    with pytest.raises(ClipFailure) as e:
        SSIM(face_backend="dlib").compute(_noise(seed=4), ref)
    assert str(e.value) == (
        "/data/spk1/00001.mp4 (the reference clip): no face found in any of its 4 frames; check that the file "
        "shows a face, or compare whole frames: --metric-option ssim.region=full"
    )


def test_explicit_other_backend_is_recorded_and_labelled():
    m = PSNR(face_backend="dlib")
    proto = m.protocol()
    assert proto["table_label"] == "PSNR (dlib faces)" and proto["table_note"] == "dlib face boxes"
    assert "table_label" not in PSNR().protocol() and "table_label" not in PSNR(face_backend="fan").protocol()


def test_face_backend_version_and_weights_in_every_result():
    ref = _given()
    out = SSIM(size=32).compute(ref, ref)
    assert out["value"] == 1.0
    assert out["faces"] == {"backend": "given", "version": "given-1", "requested": "auto", "box_style": "given",
                            "reason": "clip carries exact landmarks in clip.meta", "weights": [], "labelled": False}
    agg = SSIM(size=32).aggregate([out, out])
    assert agg["faces"] == {"backends": [{"backend": "given", "version": "given-1", "weights": [], "n_clips": 2}]}


def test_fewer_generated_frames_than_the_reference_says_so():
    ref = _given(n=6)
    short = ref.replace(frames=ref.frames[:3])
    out = PSNR(size=32).compute(short, ref)
    assert out["n"] == 3 and out["frames_compared"] == 3 and out["reference_frames"] == 6
    assert out["note"] == "computed on 3 of the reference's 6 frames (the generated clip is shorter)"
    assert "note" not in PSNR(size=32).compute(ref, ref)
    assert PSNR(size=32).aggregate([out])["clips_on_fewer_frames"] == 1
