"""talkbench: a plugin-architecture benchmark for audio-driven talking-head generation.

This module is the public API. Plugins import only from here, plus the face pipeline's
public subpackage ``talkbench.faces`` (imported on demand: it loads dlib and friends).
"""

from talkbench.atomic import atomic_path, atomic_write_json, atomic_write_text, publish_dir, read_json
from talkbench.clip import DEFAULT_FPS, DEFAULT_SAMPLE_RATE, Clip
from talkbench.device import autocast_dtype, make_accelerator, resolve_device
from talkbench.errors import (
    ClipFailure,
    DatasetNotFoundError,
    MediaError,
    MetricUnavailable,
    OptionError,
    TalkbenchError,
    UnknownNameError,
    WeightsInvalidError,
    WeightsMissingError,
)
from talkbench.fingerprint import output_options
from talkbench.hashing import sha256_file, sha256_json, talkbench_home
from talkbench.hookspecs import hookimpl
from talkbench.interfaces import (
    AGG_CORPUS,
    AGG_MEAN,
    AGG_POOLED,
    NEEDS_AUDIO,
    NEEDS_GENERATED,
    NEEDS_REFERENCE,
    NEEDS_REFERENCE_FRAMES,
    NEEDS_SINGLE_IMAGE,
    NEEDS_SOURCE_VIDEO,
    NEEDS_TRANSCRIPT,
    OUTPUTS_FACE_CROP,
    OUTPUTS_FULL_FRAME,
    Dataset,
    Generator,
    Metric,
    Trainer,
)
from talkbench.io import Yuv420, load_clip, probe, read_audio, read_frames, resample_audio, write_video
from talkbench.options import Option, parse_option_strings
from talkbench.progress import announce, progress_bar
from talkbench.plugins import get_dataset, get_generator, get_metric, get_trainer
from talkbench.protocols import Protocol
from talkbench.torchvision_compat import import_torchvision
from talkbench.videofiles import VIDEO_SUFFIXES
from talkbench.weights import (
    WeightSpec, invalid_checkpoint, load_torch_checkpoint, resolve_weight, torch_load_errors, weight_record,
)

__version__ = "0.1.0"

# The public API, spelled out: what a plugin may use (tests/test_architecture.py checks it).
__all__ = [
    # files written atomically
    "atomic_path", "atomic_write_json", "atomic_write_text", "publish_dir", "read_json",
    # clips and devices
    "DEFAULT_FPS", "DEFAULT_SAMPLE_RATE", "Clip", "autocast_dtype", "make_accelerator", "resolve_device",
    # errors
    "ClipFailure", "DatasetNotFoundError", "MediaError", "MetricUnavailable", "OptionError",
    "TalkbenchError", "UnknownNameError", "WeightsInvalidError", "WeightsMissingError",
    # hashing and the home directory
    "output_options", "sha256_file", "sha256_json", "talkbench_home",
    # plugins: the hook marker, the interfaces and their constants, lookups
    "hookimpl",
    "AGG_CORPUS", "AGG_MEAN", "AGG_POOLED",
    "NEEDS_AUDIO", "NEEDS_GENERATED", "NEEDS_REFERENCE", "NEEDS_REFERENCE_FRAMES", "NEEDS_SINGLE_IMAGE",
    "NEEDS_SOURCE_VIDEO", "NEEDS_TRANSCRIPT", "OUTPUTS_FACE_CROP", "OUTPUTS_FULL_FRAME",
    "Dataset", "Generator", "Metric", "Trainer",
    "get_dataset", "get_generator", "get_metric", "get_trainer",
    # media I/O
    "load_clip", "probe", "read_audio", "read_frames", "resample_audio", "write_video", "Yuv420",
    # options, progress, torchvision, weights
    "Option", "parse_option_strings", "announce", "progress_bar", "import_torchvision",
    "WeightSpec", "invalid_checkpoint", "load_torch_checkpoint", "resolve_weight", "torch_load_errors",
    "weight_record",
    # which file suffixes are videos (datasets, evaluate --videos and metrics share it)
    "VIDEO_SUFFIXES",
    # protocol presets (hook register_protocols)
    "Protocol",
]
