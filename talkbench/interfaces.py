"""The three plugin kinds: Generator, Metric, Dataset.

Plugins subclass these and register the classes through the hooks in ``hookspecs``. Class
attributes describe the plugin (its card); instances are built with validated options.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any, ClassVar, Iterator, Mapping, Sequence

import numpy as np

from talkbench.clip import Clip
from talkbench.options import Option, resolve_options

# What a generator needs as its visual input.
NEEDS_SOURCE_VIDEO = "source_video"      # the clip's own frames (lip-sync inpainting: Wav2Lip, SyncDiff)
NEEDS_SINGLE_IMAGE = "single_image"      # one still face (SadTalker)
NEEDS_REFERENCE_FRAMES = "reference_frames"  # a few identity frames
# What a generator outputs.
OUTPUTS_FULL_FRAME = "full_frame"
OUTPUTS_FACE_CROP = "face_crop"

# What a metric needs.
NEEDS_GENERATED = "generated"
NEEDS_REFERENCE = "reference"
NEEDS_AUDIO = "audio"
NEEDS_TRANSCRIPT = "transcript"

# How a metric turns per-clip values into one number.
AGG_MEAN = "mean"          # plain mean over clips (LSE-C/LSE-D as the reference scripts)
AGG_POOLED = "pooled"      # frames pooled over the corpus (TalkLip's PSNR/SSIM): frame-weighted mean
AGG_CORPUS = "corpus"      # the metric's own corpus statistic (WER = Σ edits / Σ words)


class _Configurable:
    """Shared plumbing: declared ``options`` validated into ``self.options``."""

    name: ClassVar[str] = ""
    version: ClassVar[str] = "0"
    options: ClassVar[Sequence[Option]] = ()
    description: ClassVar[str] = ""

    def __init__(self, **options: Any) -> None:
        # The instance attribute shadows the class declaration with the resolved values.
        self.options = resolve_options(type(self).options, options, owner=self.name)  # type: ignore[misc]

    @classmethod
    def option_specs(cls) -> tuple[Option, ...]:
        return tuple(cls.options)


class Generator(_Configurable, ABC):
    """Makes a talking-head clip from a source (video/image) and driving audio."""

    needs: ClassVar[str] = NEEDS_SOURCE_VIDEO
    outputs: ClassVar[str] = OUTPUTS_FULL_FRAME
    #: names in the weights registry this generator may use (for `talkbench weights`)
    weights: ClassVar[Sequence[str]] = ()

    def load(self, device: str = "cpu", checkpoint: str | Path | None = None) -> None:
        """Load weights and move to ``device``; called once before the first ``generate``."""
        self.device = device
        self.checkpoint = checkpoint

    def effective_options(self) -> dict[str, Any]:
        """After ``load``: the settings in force (e.g. switches read from a checkpoint), recorded."""
        return {}

    def batch_clips(self) -> int:
        """How many clips the runner hands ``generate_batch`` at once (1: one by one)."""
        return 1

    @abstractmethod
    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        """Return a clip at ``source.fps`` whose lips follow ``audio`` (float32, 16 kHz mono)."""

    def generate_batch(
        self, items: Sequence[tuple[Clip, np.ndarray]], *, seed: int | None = None
    ) -> list[Clip]:
        """Several clips at once; the default loops, models override it to batch."""
        return [self.generate(src, audio, seed=seed) for src, audio in items]


class Metric(_Configurable, ABC):
    """Scores generated clips; carries its card (direction, range, needs, aggregation)."""

    higher_is_better: ClassVar[bool] = True
    needs: ClassVar[frozenset[str]] = frozenset({NEEDS_GENERATED, NEEDS_REFERENCE})
    aggregation: ClassVar[str] = AGG_MEAN
    value_range: ClassVar[tuple[float, float] | None] = None
    weights: ClassVar[Sequence[str]] = ()
    #: short label for tables (defaults to the upper-cased name)
    label: ClassVar[str] = ""
    #: metrics that read one shared computation declare the same group (e.g. "syncnet" for
    #: lse_c/lse_d): the options they all declare are one setting (talkbench.metric_options)
    option_group: ClassVar[str] = ""

    def load(self, device: str = "cpu") -> None:
        """Load weights; raise ``WeightsMissingError``/``MetricUnavailable`` if it cannot run."""
        self.device = device

    @abstractmethod
    def compute(self, generated: Clip, reference: Clip | None) -> dict[str, Any]:
        """Per-clip result: ``{"value": float, "n": frames or words, ...extras}`` (JSON-able)."""

    def uses_yuv420(self) -> bool:
        """True when ``compute`` reads ``generated.yuv420`` (the decoder's 4:2:0 planes, e.g. to
        repeat a reference's jpg dump): the runner then keeps them from the one decode of the
        scored file instead of the metric decoding it again. Default False (they cost memory)."""
        return False

    def batch_clips(self) -> int:
        """How many decoded clips the runner hands ``compute_batch`` at once (1: ``compute`` per
        clip). A metric that batches declares an option for it with ``affects_output=False``."""
        return 1

    def compute_batch(self, pairs: Sequence[tuple[Clip, Clip | None]]) -> list[dict[str, Any] | Exception]:
        """``compute`` for several (generated, reference) pairs: per pair its result, or the
        exception that is that clip's failure (the others still count). Must give each clip the
        same result as ``compute``. If the call itself raises, the runner scores clip by clip."""
        out: list[dict[str, Any] | Exception] = []
        for generated, reference in pairs:
            try:
                out.append(self.compute(generated, reference))
            except Exception as exc:  # this clip's failure, recorded on it alone
                out.append(exc)
        return out

    def aggregate(self, per_clip: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Dataset value from per-clip results, by ``aggregation``; WER-like metrics override."""
        values = np.array([r["value"] for r in per_clip], dtype=np.float64)
        if len(values) == 0:
            return {"value": None, "n": 0}
        out: dict[str, Any] = {"value": float(values.mean()), "n": int(len(values))}
        weights = np.array([r.get("n", 1) for r in per_clip], dtype=np.float64)
        frame_weighted = float((values * weights).sum() / weights.sum())
        if self.aggregation == AGG_POOLED:
            out["value"] = frame_weighted
            out["clip_mean"] = float(values.mean())
        else:
            out["frame_weighted_mean"] = frame_weighted
        return out

    def weight_records(self) -> list[dict[str, Any]]:
        """The weight files this loaded metric used (name, path, sha256), for the run record."""
        from talkbench.errors import WeightsInvalidError, WeightsMissingError
        from talkbench.weights import weight_record

        out = []
        for name in self.weights:
            try:
                out.append(weight_record(name))
            except (WeightsMissingError, WeightsInvalidError):
                continue  # not used by this instance (e.g. another backbone option)
        return out

    def protocol(self) -> dict[str, Any]:
        """Everything that defines how the number was computed (recorded in every run)."""
        return dict(self.options)

    @classmethod
    def card(cls) -> dict[str, Any]:
        return {
            "name": cls.name, "label": cls.label or cls.name.upper(), "version": cls.version,
            "higher_is_better": cls.higher_is_better, "range": cls.value_range,
            "needs": sorted(cls.needs), "aggregation": cls.aggregation,
            "weights": list(cls.weights), "description": cls.description,
        }


class Dataset(_Configurable, ABC):
    """A set of clips with splits; clips are loaded lazily."""

    splits: ClassVar[Sequence[str]] = ("test",)
    default_split: ClassVar[str] = "test"
    #: shown when the root is missing or wrong
    expected_layout: ClassVar[str] = ""
    #: True for datasets that need ``--data-root`` / ``TALKBENCH_DATA``
    needs_root: ClassVar[bool] = True
    #: metric options this dataset calls for unless the user sets them (``--metric-option``
    #: wins), e.g. the demo's own SyncNet: {"lse_c": {"net": "demo"}}
    metric_defaults: ClassVar[Mapping[str, Mapping[str, Any]]] = {}

    def __init__(self, root: str | Path | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.root = Path(root) if root is not None else None

    @abstractmethod
    def clip_ids(self, split: str) -> list[str]:
        """Sorted ids of the clips in ``split``."""

    @abstractmethod
    def load_clip(self, split: str, clip_id: str) -> Clip:
        """One clip (frames/audio may stay lazy)."""

    def iter_clips(self, split: str, limit: int | None = None) -> Iterator[Clip]:
        ids = self.clip_ids(split)
        for clip_id in ids[: limit if limit is not None else len(ids)]:
            yield self.load_clip(split, clip_id)

    def file_list_hash(self, split: str) -> str:
        """sha256 of the sorted clip ids of ``split``: records which files a number is about."""
        return hashlib.sha256("\n".join(self.clip_ids(split)).encode()).hexdigest()


class Trainer(_Configurable, ABC):
    """Trains a model (``talkbench train --model NAME --dataset D``); ``name`` = the model's name.

    ``presets`` maps a preset name (e.g. ``paper``, ``tiny``) to option values; the CLI's
    ``--preset`` picks one and ``--option`` overrides single values.
    """

    presets: ClassVar[Mapping[str, Mapping[str, Any]]] = {}
    default_preset: ClassVar[str | None] = None

    @abstractmethod
    def train(
        self,
        dataset: "Dataset",
        *,
        split: str,
        out_dir: Path,
        device: str = "cpu",
        seed: int = 0,
        resume: bool = False,
        max_steps: int | None = None,
    ) -> Path:
        """Train, writing checkpoints atomically under ``out_dir``; return the final checkpoint."""
