"""The s3fd-talklip backend reproduces TalkLip's bbx_extract.py boxes exactly.

The fixture's boxes (tests/fixtures/talklip_quality) were made by TalkLip's own bbx_extract.py
with seeded random S3FD weights; here talkbench's detector runs the same weights (saved to a
file and passed as ``--weights face_alignment_s3fd=...`` would) on the same frames, and PSNR/SSIM
with boxes=talklip and no boxes_dir detect them as TalkLip does."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from talkbench import Clip
from talkbench.weights import clear_weight_overrides, set_weight_override

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "talklip_quality"
sys.path.insert(0, str(FIXTURE))
from talklip_fixture_inputs import CLIPS, generated_frames, reference_frames, weights  # noqa: E402

from talkbench_s3fd.random_weights import state_sha256  # noqa: E402

META = json.loads((FIXTURE / "expected.json").read_text())
EXPECTED = np.load(FIXTURE / "expected.npz")


@pytest.fixture
def talklip_weights(tmp_path):
    def use(variant: str):
        state = weights(variant)
        assert state_sha256(state) == META["weights_sha256"][variant]
        path = tmp_path / f"s3fd-{variant}.pth"
        torch.save(state, path)
        set_weight_override("face_alignment_s3fd", path)
        return path

    yield use
    clear_weight_overrides()


def _check_clip(realdata, cid):
    from talkbench_imagequality import PSNR, SSIM

    ref = reference_frames(realdata / "video", cid)
    gen, reference = Clip(id=cid, frames_source=generated_frames(ref, cid)), Clip(id=cid, frames_source=ref)
    psnr = PSNR(boxes="talklip", compat_uint8=True)
    psnr.load()
    res = psnr.compute(gen, reference)
    faces = res["faces"]
    assert faces["source"] == "detector" and faces["backend"] == "s3fd-talklip" and faces["version"].startswith(
        "talkbench_s3fd-1+talklip+s3fd-")
    from talkbench_imagequality.talklip_boxes import talklip_boxes

    boxes, _ = talklip_boxes(reference, dict(psnr.options), len(ref))
    np.testing.assert_array_equal(boxes, EXPECTED[f"{cid}/boxes"])  # exactly, every frame
    assert abs(res["value"] - EXPECTED[f"{cid}/psnr"].mean()) < 1e-9
    ssim = SSIM(boxes="talklip")
    ssim.load()
    assert abs(ssim.compute(gen, reference)["value"] - EXPECTED[f"{cid}/ssim"].mean()) < 1e-9
    return faces


def test_no_face_frames_take_talklips_centred_box(realdata, talklip_weights):
    talklip_weights("noface")
    faces = _check_clip(realdata, "spk3/katie")
    assert faces["no_face_frames"] == 2 and EXPECTED["spk3/katie/boxes"].tolist() == [[12, 12, 108, 108]] * 2


@pytest.mark.slow
@pytest.mark.parametrize("cid", [c for c, spec in CLIPS.items() if spec[3] == "random"])
def test_detected_boxes_equal_bbx_extracts(realdata, talklip_weights, cid):
    talklip_weights("random")
    faces = _check_clip(realdata, cid)
    assert faces["no_face_frames"] == 0
