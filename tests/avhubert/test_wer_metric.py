"""The wer metric end to end on the fixture lip reader, and its failure modes."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import talkbench
from talkbench import ClipFailure, MetricUnavailable, WeightsMissingError
from talkbench_avhubert.wer import corpus_wer, edit_distance, word_errors

LIP = "avhubert-large-vsr-lrs2"


@pytest.fixture
def weights_env(monkeypatch):
    def set_(**pairs):
        monkeypatch.setenv("TALKBENCH_WEIGHTS", ",".join(f"{k}={v}" for k, v in pairs.items()))
    return set_


@pytest.fixture(scope="module")
def katie_clip(realdata):
    frames, _ = talkbench.read_frames(realdata / "video" / "sadtalker_WDA_KatieHill_000.mp4")
    return talkbench.Clip("katie", frames_source=frames[:75], transcript="The quick brown fox")


def test_edit_distance_counts():
    assert edit_distance([], []) == 0
    assert edit_distance("a b c".split(), "a x c".split()) == 1
    assert edit_distance("a b".split(), "a b c d".split()) == 2
    assert edit_distance("x a b".split(), "a b".split()) == 1
    assert word_errors("", "one two three") == (3, 3)  # empty hypothesis: all deletions
    assert corpus_wer([(1, 4), (3, 6)]) == pytest.approx(40.0)
    with pytest.raises(ValueError, match="no reference words"):
        corpus_wer([(0, 0)])


def test_wer_reads_fixture_video_like_the_reference(avh_ckpts, avh_dir, avh_json, katie_clip, weights_env):
    weights_env(**{LIP: avh_ckpts["seq2seq"], f"{LIP}-spm": avh_dir / "spm_tiny.model"})
    metric = talkbench.get_metric("wer")(beam=5)
    metric.load("cpu")
    out = metric.compute(katie_clip, None)
    expected_hyp = avh_json["beam_search"]["results"]["video"]["hypo_str"]
    assert out["hypothesis"] == expected_hyp.lower()
    assert out["reference"] == "the quick brown fox"
    edits, words = word_errors(expected_hyp, "the quick brown fox")
    assert (out["edits"], out["words"]) == (edits, words) and words == 4
    assert out["value"] == pytest.approx(100.0 * edits / words)
    agg = metric.aggregate([out, {"value": 0.0, "n": 6, "edits": 0, "words": 6}])
    assert agg["value"] == pytest.approx(100.0 * edits / 10) and agg["words"] == 10
    proto = metric.protocol()
    assert proto["beam"] == 5 and proto["resize"] == 160 and proto["modality"] == "video"
    assert proto["weights"] == {"lipreader": str(avh_ckpts["seq2seq"]),
                                "tokenizer": str(avh_dir / "spm_tiny.model")}
    assert metric.weights == (LIP, f"{LIP}-spm")  # what the run record hashes


def test_wer_card_and_defaults():
    cls = talkbench.get_metric("wer")
    card = cls.card()
    assert card["higher_is_better"] is False and card["aggregation"] == "corpus"
    assert "transcript" in card["needs"]
    opts = talkbench.get_metric("wer")().options
    assert (opts["beam"], opts["max_len_a"], opts["max_len_b"], opts["lenpen"]) == (50, 1.0, 0, 1.0)
    assert opts["protocol"] == "talklip" and opts["lowercase"] is True


def test_clip_without_transcript_is_a_clip_failure(avh_ckpts, avh_dir, katie_clip, weights_env):
    weights_env(**{LIP: avh_ckpts["seq2seq"], f"{LIP}-spm": avh_dir / "spm_tiny.model"})
    metric = talkbench.get_metric("wer")(beam=2)
    metric.load("cpu")
    with pytest.raises(ClipFailure, match="no transcript; WER needs a dataset with transcripts"):
        metric.compute(katie_clip.replace(transcript=None), None)


def test_pretraining_checkpoint_is_refused(avh_ckpts, avh_dir, weights_env):
    weights_env(**{LIP: avh_ckpts["pretrain"], f"{LIP}-spm": avh_dir / "spm_tiny.model"})
    metric = talkbench.get_metric("wer")()
    with pytest.raises(MetricUnavailable, match="pretraining checkpoint .*fine-tuned seq2seq"):
        metric.load("cpu")


def test_missing_lipreader_names_the_weights_flag(weights_env, monkeypatch):
    monkeypatch.delenv("TALKBENCH_WEIGHTS", raising=False)
    with pytest.raises(WeightsMissingError, match=f"--weights {LIP}=PATH"):
        talkbench.get_metric("wer")().load("cpu")


def test_missing_tokenizer_is_a_clear_error(avh_ckpts, weights_env, tmp_path, monkeypatch):
    # the fixture cfg names 'spm_tiny.model' relative to the CWD; here nothing provides it
    ckpt = tmp_path / "lip.pt"
    shutil.copy(avh_ckpts["seq2seq"], ckpt)
    monkeypatch.chdir(tmp_path)
    weights_env(**{LIP: ckpt})
    with pytest.raises(WeightsMissingError, match=f"tokenizer for lip.pt not found .*--weights {LIP}-spm="):
        talkbench.get_metric("wer")().load("cpu")


def test_tokenizer_found_next_to_checkpoint(avh_ckpts, avh_dir, weights_env, tmp_path):
    ckpt = tmp_path / "lip.pt"
    shutil.copy(avh_ckpts["seq2seq"], ckpt)
    shutil.copy(avh_dir / "spm_tiny.model", tmp_path / "spm_tiny.model")
    weights_env(**{LIP: ckpt})
    metric = talkbench.get_metric("wer")(beam=1)
    metric.load("cpu")
    assert metric.tokenizer.path == tmp_path / "spm_tiny.model"
    assert metric.weights == (LIP,)


def test_frames_smaller_than_the_crop_fail_one_clip(avh_ckpts, avh_dir, weights_env):
    weights_env(**{LIP: avh_ckpts["seq2seq"], f"{LIP}-spm": avh_dir / "spm_tiny.model"})
    metric = talkbench.get_metric("wer")(beam=1, resize=0)
    metric.load("cpu")
    clip = talkbench.Clip("small", frames_source=np.zeros((4, 64, 64, 3), np.uint8), transcript="a b")
    with pytest.raises(ClipFailure, match=r"clip small: frames 64×64 are smaller than the 88×88 crop"):
        metric.compute(clip, None)


def test_empty_hypothesis_counts_all_words(avh_ckpts, avh_dir, weights_env, katie_clip, monkeypatch):
    weights_env(**{LIP: avh_ckpts["seq2seq"], f"{LIP}-spm": avh_dir / "spm_tiny.model"})
    metric = talkbench.get_metric("wer")(beam=1)
    metric.load("cpu")
    monkeypatch.setattr(metric, "transcribe", lambda clip: "")
    out = metric.compute(katie_clip, None)
    assert (out["hypothesis"], out["edits"], out["words"], out["value"]) == ("", 4, 4, 100.0)


def test_roi_protocol_uses_face_geometry(avh_ckpts, avh_dir, weights_env):
    weights_env(**{LIP: avh_ckpts["seq2seq"], f"{LIP}-spm": avh_dir / "spm_tiny.model"})
    metric = talkbench.get_metric("wer")(protocol="roi", beam=1)
    metric.load("cpu")
    rng = np.random.default_rng(0)
    T = 6
    frames = rng.integers(0, 255, (T, 128, 128, 3), dtype=np.uint8)
    lm = np.zeros((T, 68, 2), np.float32)
    lm[:, :17, 0] = np.linspace(30, 98, 17)   # jaw 68 px wide
    lm[:, :17, 1] = 90
    lm[:, 48:68] = (64, 96)                   # mouth centre
    boxes = np.tile(np.array([30, 30, 98, 110], np.float32), (T, 1))
    clip = talkbench.Clip("roi", frames_source=frames, transcript="a b",
                          meta={"landmarks": lm, "boxes": boxes})
    x = metric.video_tensor(clip)
    assert x.shape == (1, 1, T, 88, 88)
    from talkbench.faces import mouth_rois
    rois = mouth_rois(frames, lm, size=96, crop=88)
    np.testing.assert_allclose(x[0, 0].numpy(), (rois / 255.0 - 0.421) / 0.165, atol=1e-5)
