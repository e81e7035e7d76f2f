"""PSNR/SSIM with TalkLip's face boxes (boxes=talklip) against TalkLip's own scripts.

tests/fixtures/talklip_quality/expected.npz holds what TalkLip's bbx_extract.py and
visual_quality.py computed, run unmodified (PROTOCOL.md there): its boxes and its per-frame
PSNR/SSIM. Given those boxes, talkbench must give the same per-frame values to 1e-9 (PSNR in
TalkLip's uint8 arithmetic, ``compat_uint8``) and say which boxes it used."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from talkbench import Clip, ClipFailure, MetricUnavailable
from talkbench_imagequality import PSNR, SSIM, psnr_frames, ssim_frames
from talkbench_imagequality.regions import paired_regions_info
from talkbench_imagequality.talklip_boxes import talklip_box

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "talklip_quality"
sys.path.insert(0, str(FIXTURE))
from talklip_fixture_inputs import CLIPS, generated_frames, reference_frames, sha256_array  # noqa: E402

META = json.loads((FIXTURE / "expected.json").read_text())
EXPECTED = np.load(FIXTURE / "expected.npz")
TOL = 1e-9


@pytest.fixture(scope="module")
def pairs(realdata):
    out = {}
    for cid in CLIPS:
        ref = reference_frames(realdata / "video", cid)
        out[cid] = (Clip(id=cid, frames_source=generated_frames(ref, cid)), Clip(id=cid, frames_source=ref))
    return out


@pytest.fixture
def boxes_dir(tmp_path):
    for cid in CLIPS:
        (tmp_path / cid).parent.mkdir(parents=True, exist_ok=True)
        np.save(tmp_path / f"{cid}.npy", EXPECTED[f"{cid}/boxes"])
    return tmp_path


def test_inputs_are_the_fixtures(pairs):
    got = {cid: {"reference": sha256_array(r.frames), "generated": sha256_array(g.frames)}
           for cid, (g, r) in pairs.items()}
    assert got == META["inputs_sha256"]


@pytest.mark.parametrize("cid", sorted(CLIPS))
def test_per_frame_psnr_ssim_equal_talklips_with_its_boxes(pairs, boxes_dir, cid):
    gen, ref = pairs[cid]
    options = dict(PSNR(boxes="talklip", boxes_dir=str(boxes_dir)).options)
    g, r, info = paired_regions_info(gen, ref, options, "psnr")
    assert g.shape == r.shape == (META["clips"][cid]["frames_compared"], 96, 96, 3)
    np.testing.assert_allclose(psnr_frames(g, r, 100.0, compat_uint8=True), EXPECTED[f"{cid}/psnr"], rtol=0, atol=TOL)
    np.testing.assert_allclose(ssim_frames(g, r), EXPECTED[f"{cid}/ssim"], rtol=0, atol=TOL)
    assert info["faces"]["source"] == "file" and info["faces"]["path"].endswith(f"{cid}.npy")
    assert len(info["faces"]["sha256"]) == 64


def test_metric_values_are_talklips_means_and_the_protocol_names_the_boxes(pairs, boxes_dir):
    psnr = PSNR(boxes="talklip", boxes_dir=str(boxes_dir), compat_uint8=True)
    ssim = SSIM(boxes="talklip", boxes_dir=str(boxes_dir))
    psnr.load(), ssim.load()  # boxes given: no S3FD weights needed
    per_psnr = [psnr.compute(*pairs[c]) for c in sorted(CLIPS)]
    per_ssim = [ssim.compute(*pairs[c]) for c in sorted(CLIPS)]
    # TalkLip prints the mean over all frames of all clips: the pooled aggregate
    all_psnr = np.concatenate([EXPECTED[f"{c}/psnr"] for c in sorted(CLIPS)])
    all_ssim = np.concatenate([EXPECTED[f"{c}/ssim"] for c in sorted(CLIPS)])
    assert abs(psnr.aggregate(per_psnr)["value"] - all_psnr.mean()) < TOL
    assert abs(ssim.aggregate(per_ssim)["value"] - all_ssim.mean()) < TOL
    proto = psnr.protocol()
    assert proto["face_boxes"]["protocol"] == "talklip" and proto["face_boxes"]["source"] == "files"
    assert proto["table_note"] == "TalkLip face boxes (given files)" and "table_label" not in proto
    assert per_psnr[0]["faces"]["backend"] == "talklip-files" and per_psnr[0]["faces"]["box_style"] == "talklip"
    agg = psnr.aggregate(per_psnr)
    assert agg["faces"]["backends"][0]["backend"] == "talklip-files" and agg["faces"]["backends"][0]["n_clips"] == 4


def test_talklips_psnr_wraps_uint8_and_talkbenchs_default_does_not(pairs, boxes_dir):
    """The fixture is TalkLip's uint8 arithmetic; the float PSNR (talkbench's default) differs
    (by ~0.02 dB at this noise level: only differences ≥ 16 wrap), far beyond the tolerance."""
    gen, ref = pairs["spk4/face3"]
    g, r, _ = paired_regions_info(gen, ref, dict(PSNR(boxes="talklip", boxes_dir=str(boxes_dir)).options))
    assert np.all(np.abs(psnr_frames(g, r) - EXPECTED["spk4/face3/psnr"]) > 1e-3)


def test_talklip_box_rule():
    from talkbench.faces import Detection

    lm = np.full((68, 2), np.nan, np.float32)
    dets = [Detection(np.array([-3.7, 10.99, 50.2, 80.9999], np.float32), lm, 0.9),
            Detection(np.array([0, 0, 5, 5], np.float32), lm, 0.8)]
    assert talklip_box(dets, (128, 112)) == (0, 10, 50, 80)  # the first (best), clipped at 0, int()
    assert talklip_box([], (128, 112)) == (8, 16, 104, 112)  # centred 96×96: int((112-96)/2)...


def test_missing_boxes_file_fails_the_clip_with_the_fix(pairs, tmp_path):
    gen, ref = pairs["spk4/face3"]
    with pytest.raises(ClipFailure, match=r"spk4/face3\.npy: no TalkLip boxes for clip spk4/face3; run TalkLip's bbx_extract"):
        PSNR(boxes="talklip", boxes_dir=str(tmp_path)).compute(gen, ref)
    np.save(tmp_path / "short.npy", np.zeros((2, 4), np.int64))
    with pytest.raises(ClipFailure, match=r"expected ≥ 5×4 boxes"):
        PSNR(boxes="talklip", boxes_dir=str(tmp_path)).compute(Clip(id="short", frames_source=gen.frames),
                                                              Clip(id="short", frames_source=ref.frames))


def test_empty_box_fails_the_clip(pairs, tmp_path):
    gen, ref = pairs["spk4/face3"]
    (tmp_path / "spk4").mkdir()
    np.save(tmp_path / "spk4" / "face3.npy", np.array([[10, 10, 10, 40]] * 5))
    with pytest.raises(ClipFailure, match=r"TalkLip box \[10, 10, 10, 40\] of frame 0 is empty"):
        SSIM(boxes="talklip", boxes_dir=str(tmp_path)).compute(gen, ref)


def test_talklip_boxes_without_s3fd_weights_is_unavailable_naming_file_and_fix():
    with pytest.raises(MetricUnavailable) as err:
        PSNR(boxes="talklip").load()
    msg = str(err.value)
    assert "s3fd-619a316812.pth" in msg and "https://www.adrianbulat.com/downloads/python-fan/s3fd-619a316812.pth" in msg
    assert "--metric-option psnr.boxes_dir=DIR" in msg and "\n" not in msg
    with pytest.raises(MetricUnavailable, match="boxes_dir /no/such: no such folder"):
        SSIM(boxes="talklip", boxes_dir="/no/such").load()
    PSNR().load()  # the default protocol does not need S3FD at load time


def test_the_boxes_are_part_of_the_metric_key(boxes_dir):
    """A changed box file must not reuse old scores: its folder's content is a weights entry."""
    from talkbench.fingerprint import metric_key

    def key():
        m = PSNR(boxes="talklip", boxes_dir=str(boxes_dir))
        return metric_key(m.name, m.version, dict(m.options), m.weight_records()), m.weight_records()

    before, records = key()
    assert records[0]["name"] == "talklip_boxes" and records[0]["path"] == str(boxes_dir)
    np.save(boxes_dir / "spk4" / "face3.npy", EXPECTED["spk4/face3/boxes"] + 1)
    assert key()[0] != before
    assert PSNR().weight_records() == []  # the default protocol adds nothing
