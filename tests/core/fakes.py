"""Fake plugins registered at run time by the core tests (no entry points involved)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from talkbench import (
    AGG_CORPUS, AGG_POOLED, NEEDS_AUDIO, NEEDS_GENERATED, NEEDS_TRANSCRIPT, ClipFailure, Clip, Dataset,
    Generator, Metric, MetricUnavailable, Option, hookimpl,
)

CALLS: Counter = Counter()      # generate calls per clip id
SCORED: Counter = Counter()     # compute calls per (metric, clip id)
BEHAVIOUR: dict[str, str] = {}  # clip id -> "crash" | "nan" | "empty" | "interrupt" | "shape"


def make_frames(idx: int, t: int = 10, size: int = 128) -> np.ndarray:
    """Smooth frames (H.264 keeps them within a few grey levels): a gradient, a colour per
    clip, brightening over time."""
    yy, xx = np.mgrid[0:size, 0:size]
    base = np.stack([xx + 40, yy + 40, np.full_like(xx, 60 + 10 * (idx % 8))], -1)[None]
    ramp = np.arange(t)[:, None, None, None] * 3
    return np.clip(base + ramp, 0, 255).astype(np.uint8)


class FakeDataset(Dataset):
    name = "fakeds"
    splits = ("test", "train")
    needs_root = False
    options = (Option("n", int, 6, "number of clips"), Option("transcripts", bool, True, "give transcripts"))

    def clip_ids(self, split):
        return [f"{split}{i:03d}" for i in range(self.options["n"])]

    def load_clip(self, split, clip_id):
        idx = int(clip_id[-3:])
        t = 10 + idx % 3
        return Clip(
            id=clip_id, frames_source=lambda: make_frames(idx, t),
            audio_source=lambda: np.sin(np.arange(t * 640) / 7.0).astype(np.float32) * 0.1,
            transcript="HELLO WORLD" if self.options["transcripts"] else None, speaker=f"s{idx % 2}",
            meta={"io": {"video": {"source_fps": 25.0, "resampled": False}}},
        )


class CopyGen(Generator):
    """Returns the source frames, brightened by ``gain`` (0 = exact copy)."""

    name = "copygen"
    version = "1"
    options = (Option("gain", int, 0, "added to every pixel", min=0, max=50),)

    def effective_options(self):
        # what a checkpoint-configured model reports after load(); needs the loaded device
        return {"gain": self.options["gain"], "device": self.device}

    def generate(self, source, audio, *, seed=None):
        CALLS[source.id] += 1
        mode = BEHAVIOUR.get(source.id)
        if mode == "crash":
            raise RuntimeError(f"boom on {source.id}")
        if mode == "interrupt":
            raise KeyboardInterrupt
        frames = source.frames.astype(np.int16) + self.options["gain"]
        if mode == "nan":
            f = frames.astype(np.float32)
            f[2] = np.nan
            return source.replace(frames=f)
        if mode == "empty":
            return source.replace(frames=np.zeros((0, 128, 128, 3), np.uint8))
        if mode == "shape":
            return source.replace(frames=np.zeros((4, 128, 128), np.uint8))
        return source.replace(frames=np.clip(frames, 0, 255).astype(np.uint8))


BATCHES: list[int] = []  # sizes of the generate_batch calls that BatchGen served


class BatchGen(CopyGen):
    """CopyGen that asks for its clips ``batch`` at a time; a batch holding a "crash" clip
    raises as a whole (as a model whose batch preparation fails on one clip)."""

    name = "batchgen"
    options = CopyGen.options + (Option("batch", int, 4, "clips per generate_batch", min=1, affects_output=False),)

    def batch_clips(self):
        return self.options["batch"]

    def generate_batch(self, items, *, seed=None):
        if any(BEHAVIOUR.get(src.id) == "crash" for src, _ in items):
            raise RuntimeError("one clip of the batch is bad")
        BATCHES.append(len(items))
        return [self.generate(src, audio, seed=seed) for src, audio in items]


class MAE(Metric):
    """Mean absolute pixel difference to the reference (pooled over frames)."""

    name = "mae"
    version = "2"
    higher_is_better = False
    aggregation = AGG_POOLED

    def compute(self, generated, reference):
        SCORED[("mae", generated.id)] += 1
        g = generated.frames.astype(np.float64)
        r = reference.frames.astype(np.float64)[: len(g)]
        return {"value": float(np.abs(g - r).mean()), "n": int(len(g))}


class Loud(Metric):
    """RMS of the driving audio (needs audio only)."""

    name = "loud"
    needs = frozenset({NEEDS_GENERATED, NEEDS_AUDIO})
    options = (Option("scale", float, 1.0, "multiplier"),)

    def compute(self, generated, reference):
        SCORED[("loud", generated.id)] += 1
        return {"value": float(np.sqrt(np.mean(generated.audio ** 2)) * self.options["scale"]), "n": 1}


class Words(Metric):
    """Counts transcript words (needs transcripts; corpus aggregation)."""

    name = "words"
    needs = frozenset({NEEDS_GENERATED, NEEDS_TRANSCRIPT})
    aggregation = AGG_CORPUS

    def compute(self, generated, reference):
        return {"value": float(len(reference.transcript.split())), "n": 1}


class NoWeights(Metric):
    name = "noweights"

    def load(self, device="cpu"):
        raise MetricUnavailable("noweights: file nw.pth missing; put it at /somewhere/nw.pth")

    def compute(self, generated, reference):
        raise AssertionError("never called")


class FlakyMetric(Metric):
    """Fails on clips listed in BEHAVIOUR with mode 'metricfail'."""

    name = "flaky"

    def compute(self, generated, reference):
        if BEHAVIOUR.get(generated.id) == "metricfail":
            raise ClipFailure("no face found")
        return {"value": 1.0, "n": 1}


class FakePlugin:
    @hookimpl
    def register_generators(self, register):
        register(CopyGen)

    @hookimpl
    def register_metrics(self, register):
        for m in (MAE, Loud, Words, NoWeights, FlakyMetric):
            register(m)

    @hookimpl
    def register_datasets(self, register):
        register(FakeDataset)


class BatchPlugin:
    """Registered only by the batching tests (other tests list the fake models)."""

    @hookimpl
    def register_generators(self, register):
        register(BatchGen)


def reset_counters() -> None:
    CALLS.clear()
    SCORED.clear()
    BEHAVIOUR.clear()
    BATCHES.clear()
