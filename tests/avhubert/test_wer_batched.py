"""wer's batched path (compute_batch: one padded beam search over several clips) gives each clip
the per-clip beam's hypothesis and result on the fixture lip reader; a bad clip fails alone."""

from __future__ import annotations

import pytest

import talkbench
from talkbench import ClipFailure

LIP = "avhubert-large-vsr-lrs2"


def test_batched_wer_equals_per_clip(avh_ckpts, avh_dir, realdata, monkeypatch):
    monkeypatch.setenv("TALKBENCH_WEIGHTS", f"{LIP}={avh_ckpts['seq2seq']},{LIP}-spm={avh_dir / 'spm_tiny.model'}")
    frames, _ = talkbench.read_frames(realdata / "video" / "sadtalker_WDA_KatieHill_000.mp4")
    words = ["the quick brown fox", "a b c", "hello there world again", "one two"]
    # different lengths, so the batch is padded; clip 2 has no transcript: its failure only
    clips = [talkbench.Clip(f"c{i}", frames_source=frames[5 * i: 5 * i + n],
                            transcript=None if i == 2 else words[i % len(words)])
             for i, n in enumerate((75, 40, 60, 23, 52))]
    metric = talkbench.get_metric("wer")(beam=5, batch_clips=4)
    metric.load("cpu")
    assert metric.batch_clips() == 4
    got = metric.compute_batch([(c, None) for c in clips])
    assert len(got) == len(clips)
    assert isinstance(got[2], ClipFailure) and "no transcript" in str(got[2])
    for i, clip in enumerate(clips):
        if i == 2:
            continue
        want = metric.compute(clip, None)
        assert got[i] == want, f"clip {clip.id}: batched {got[i]} vs per clip {want}"
    assert len({g["hypothesis"] for i, g in enumerate(got) if i != 2}) > 1  # the clips differ
    # batch_clips does not enter the cache key (same scores either way)
    assert dict(talkbench.output_options(metric)) == dict(talkbench.output_options(talkbench.get_metric("wer")(beam=5)))
