"""Done-when demo: a LARGE seq2seq AV-HuBERT with random weights, built from a config and
written in the official fairseq layout, reads a real clip end to end (the value is
meaningless, the path is real): the metric's compute directly, and `talkbench evaluate`."""

from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner

import talkbench
from talkbench import Clip, Dataset, hookimpl
from talkbench_avhubert.model import AVHubertSeq2Seq
from talkbench_avhubert.save import save_fairseq_checkpoint
from talkbench_avhubert.tokenizer import Tokenizer

pytestmark = pytest.mark.slow
LIP = "avhubert-large-vsr-lrs2"
VIDEO = "sadtalker_WDA_KatieHill_000.mp4"
TRANSCRIPT = "And I think that this is what we need to do"


@pytest.fixture(scope="module")
def large_lipreader(tmp_path_factory, calibration):
    spm = calibration / "avhubert" / "spm_tiny.model"
    tok = Tokenizer(spm)
    torch.manual_seed(0)
    model = AVHubertSeq2Seq.from_preset("large", vocab_size=len(tok)).eval()
    cfg = model.cfg
    assert (cfg.encoder_layers, cfg.encoder_embed_dim, cfg.decoder_layers) == (24, 1024, 9)
    path = tmp_path_factory.mktemp("large") / "large_random_vsr.pt"
    save_fairseq_checkpoint(path, cfg, model.encoder, model.decoder, tokenizer_model=str(spm),
                            symbols=tok.symbols, dtype=torch.float16)
    del model
    return path, spm


def test_large_metric_compute_on_real_clip(large_lipreader, realdata, monkeypatch):
    path, spm = large_lipreader
    monkeypatch.setenv("TALKBENCH_WEIGHTS", f"{LIP}={path},{LIP}-spm={spm}")
    metric = talkbench.get_metric("wer")(beam=3)
    metric.load("cpu")
    assert metric.model.cfg.encoder_layers == 24
    frames, _ = talkbench.read_frames(realdata / "video" / VIDEO)
    clip = Clip("katie", frames_source=frames[:50], transcript=TRANSCRIPT)
    out = metric.compute(clip, None)
    assert out["reference"] == TRANSCRIPT.lower() and out["words"] == 11
    assert isinstance(out["hypothesis"], str)
    assert out["edits"] >= 0 and out["value"] == pytest.approx(100.0 * out["edits"] / 11)


class _RealClipDataset(Dataset):
    """One real clip with a transcript (the realdata clips have none of their own)."""

    name = "avh_realclip"
    needs_root = False
    has_transcripts = True
    video = None  # set by the test to the realdata file

    def __init__(self, root=None, **options):
        super().__init__(root, **options)

    def clip_ids(self, split):
        return ["katie"]

    def load_clip(self, split, clip_id):
        return talkbench.load_clip(self.video, clip_id=clip_id, transcript=TRANSCRIPT)


class _Plugin:
    @hookimpl
    def register_datasets(self, register):
        register(_RealClipDataset)


def test_large_through_talkbench_evaluate(large_lipreader, realdata, tmp_path, monkeypatch):
    from talkbench.cli import cli
    from talkbench.plugins import pm

    path, spm = large_lipreader
    video = realdata / "video" / VIDEO
    monkeypatch.setattr(_RealClipDataset, "video", video)
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / "katie.mp4").symlink_to(video)  # a link: media stays in ../shared
    plugin = _Plugin()
    pm.register(plugin, name="avh_realclip_test")
    try:
        res = CliRunner().invoke(cli, [
            "evaluate", "--videos", str(videos), "--dataset", "avh_realclip", "--metrics", "wer",
            "--metric-option", "wer.beam=2", "--weights", f"{LIP}={path}",
            "--weights", f"{LIP}-spm={spm}", "--out", str(tmp_path / "results"), "--device", "cpu", "-q",
        ], catch_exceptions=False)
    finally:
        pm.unregister(plugin, name="avh_realclip_test")
    assert res.exit_code == 0, res.output
    records = list((tmp_path / "results").rglob("record.json"))
    assert len(records) == 1
    rec = json.loads(records[0].read_text())
    wer = rec["metrics"]["wer"]
    assert wer["status"] == "ok", wer
    assert wer["words"] == 11 and wer["n_clips"] == 1
    assert wer["value"] == pytest.approx(100.0 * wer["edits"] / 11)
    assert wer["protocol"]["beam"] == 2 and wer["protocol"]["resize"] == 160
    scores = json.loads(next(records[0].parent.rglob("scores/katie.json")).read_text())
    per = scores["metrics"]["wer"]
    assert per["reference"] == TRANSCRIPT.lower() and "hypothesis" in per
    print(f"LARGE random-weight WER on {VIDEO}: {wer['value']:.1f} (hyp {per['hypothesis'][:60]!r})")
