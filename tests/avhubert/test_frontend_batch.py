"""The video front-end of several clips in one call (3D stem per clip, the per-frame ResNet trunk
over the frames of all clips) gives each clip its own front-end output, encoder output and beam
hypotheses."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from avh_util import assert_close_rel
from talkbench_avhubert.beam import generate_batch, video_features_batch

LENGTHS = (75, 61, 38, 30)
BEAM = dict(beam=5, max_len_a=1.0, max_len_b=0, min_len=1, lenpen=1.0)


def _inputs(video, lengths=LENGTHS):
    return [{"video": video[:, :, :t].contiguous(), "padding_mask": torch.zeros(1, t, dtype=torch.bool)}
            for t in lengths]


@pytest.mark.parametrize("max_frames", [None, 37])  # 37: trunk calls that cut across clips
def test_resnet_forward_clips_equals_per_clip(avh_model, avh_tensors, avh_expected, max_frames):
    res = avh_model.encoder.feature_extractor_video.resnet
    video = avh_tensors["video"][1]
    clips = [video[:, :, :t].contiguous() for t in LENGTHS]
    with torch.no_grad():
        together = res.forward_clips(clips, max_frames=max_frames)
        alone = [res(c) for c in clips]
    assert [tuple(o.shape) for o in together] == [(1, 512, t) for t in LENGTHS]
    for t, a, b in zip(LENGTHS, together, alone):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6 * float(b.abs().max()), msg=f"T={t}")
    # the whole clip still reproduces the reference front-end at the fixture tolerance
    assert_close_rel(together[0], avh_expected["video__video_resnet_out_BCT"], what="resnet (batched)")


def test_zero_frames_after_a_clip_equal_the_stems_own_padding(avh_model, avh_tensors):
    """Why the stem may also run padded: frames of zeros after a clip's end are what the 3D
    convolution's temporal padding (2) puts there, so the clip's own time steps do not change."""
    stem = avh_model.encoder.feature_extractor_video.resnet.frontend3D
    short = avh_tensors["video"][1][:, :, :30].contiguous()
    with torch.no_grad():
        own = stem(short)
        padded = stem(F.pad(short, (0, 0, 0, 0, 0, 45)))[:, :, :30]
    torch.testing.assert_close(padded, own, rtol=0, atol=1e-6 * float(own.abs().max()))


def test_encoder_outputs_from_batched_front_end(avh_model, avh_tensors):
    inputs = _inputs(avh_tensors["video"][1])
    feats = video_features_batch(avh_model, inputs)
    with torch.no_grad():
        for x, f in zip(inputs, feats):
            t = x["video"].shape[2]
            assert f.shape == (1, 256, t)
            got, _ = avh_model.encode(None, None, x["padding_mask"], video_feats=f)
            want, _ = avh_model.encode(None, x["video"], x["padding_mask"])
            assert got.shape == want.shape == (t, 1, 256)
            assert_close_rel(got, want.numpy(), rel=1e-5, what=f"encoder out T={t}")


def test_generate_batch_same_hypotheses_with_and_without_batched_front_end(avh_model, avh_tensors):
    inputs = _inputs(avh_tensors["video"][1])
    per_clip = [avh_model.generate(video=x["video"], padding_mask=x["padding_mask"], **BEAM) for x in inputs]
    batched = generate_batch(avh_model, inputs, **BEAM)
    unbatched = generate_batch(avh_model, inputs, batch_frontend=False, **BEAM)
    for ref, a, b in zip(per_clip, batched, unbatched):
        assert len(ref) == len(a) == len(b) == 5
        for r, x, y in zip(ref, a, b):
            assert r["tokens"].tolist() == x["tokens"].tolist() == y["tokens"].tolist()
            assert x["score"] == pytest.approx(r["score"], abs=1e-5)
            torch.testing.assert_close(x["positional_scores"], r["positional_scores"], rtol=0, atol=1e-4)


def test_clips_of_different_frame_sizes_are_not_batched(avh_model, avh_tensors):
    video = avh_tensors["video"][1]
    inputs = [{"video": video[:, :, :20]}, {"video": video[:, :, :20, :80, :80]}, {"audio": torch.zeros(1, 104, 5)}]
    assert video_features_batch(avh_model, inputs) == [None, None, None]
    feats = video_features_batch(avh_model, [inputs[0], inputs[2], inputs[0]])
    assert feats[1] is None and feats[0].shape == feats[2].shape == (1, 256, 20)
