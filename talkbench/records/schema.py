"""The record schema as code: ``Record`` is ``record.json``, ``ScoreFile`` is ``scores/<clip>.json``.

Each field's annotation carries its one-line meaning (``Annotated[type, "doc"]``): the README's
record section is generated from these (``python -m talkbench.records.schema_check``), and
tests/core/test_record_schema.py checks that every record and score file the runner writes
validates (no unknown key, no missing key) and that the README matches. Structures decorated
``@open_keys`` may hold more keys than listed: a metric's own aggregate extras (``clip_mean``,
``note``, ``faces``...), its protocol, a dataset's I/O facts.
"""

# no `from __future__ import annotations` here: TypedDict must see NotRequired to tell optional keys
from typing import Annotated, Any, Literal, NotRequired, TypedDict

#: structures that may carry keys beyond the ones listed (what plugins add)
OPEN: set[type] = set()


def open_keys(cls: type) -> type:
    OPEN.add(cls)
    return cls


class TalkbenchInfo(TypedDict):
    version: Annotated[str, "talkbench's version"]
    git_hash: Annotated[str | None, "commit of the checkout (null when installed from a wheel)"]
    git_dirty: Annotated[bool | None, "whether tracked files had uncommitted changes"]


class Cuda(TypedDict):
    version: Annotated[str | None, "CUDA version torch was built with"]
    devices: Annotated[list[str], "names of the visible GPUs"]


class Environment(TypedDict):
    python: Annotated[str, "Python version"]
    platform: Annotated[str, "platform.platform()"]
    torch: Annotated[str, "torch version"]
    numpy: Annotated[str, "numpy version"]
    cuda: Annotated[Cuda | None, "null without a GPU"]
    device: Annotated[str | None, "the device the run used (null for a merge)"]
    hostname: Annotated[str, "the machine"]
    threads: Annotated[dict[str, Any], "torch intra-op threads and who chose them (`--threads`)"]


class Checkpoint(TypedDict):
    path: Annotated[str, "resolved path of the checkpoint file or directory"]
    sha256: Annotated[str, "its sha256 (a directory: of its sorted file hashes)"]


class ModelInfo(TypedDict):
    name: Annotated[str, "generator name (evaluate: the label or `videos-<folder>`)"]
    version: Annotated[str, "generator version (`external` for evaluate)"]
    options: Annotated[dict[str, Any], "resolved generator options"]
    checkpoint: Annotated[Checkpoint | None, "`--checkpoint`, or null"]
    label: Annotated[str | None, "`--label`"]
    weights_overrides: Annotated[dict[str, str], "`--weights NAME=PATH` given, resolved paths"]
    videos_dir: Annotated[str | None, "evaluate: the folder of videos scored"]
    effective_options: Annotated[dict[str, Any], "what the loaded generator reported (switches read from its checkpoint)"]
    needs: Annotated[str | None, "the generator's input (`source_video`, `single_image`, ...)"]
    outputs: Annotated[str | None, "what it returns (`full_frame`, `face_crop`)"]


class DatasetInfo(TypedDict):
    name: Annotated[str, "dataset name"]
    split: Annotated[str, "split"]
    n_clips: Annotated[int, "clips in this record"]
    split_size: Annotated[int | None, "clips the split holds (tables mark numbers on fewer)"]
    limit: Annotated[int | None, "`--limit`"]
    file_list_sha256: Annotated[str | None, "sha256 of the split's sorted clip ids (the dataset's file list)"]
    clip_ids_sha256: Annotated[str, "sha256 of this record's clip ids"]
    options: Annotated[dict[str, Any], "resolved dataset options"]
    root: Annotated[str | None, "resolved data root (null for built-in datasets)"]
    version: Annotated[str | None, "dataset plugin version"]


class Seeds(TypedDict):
    seed: Annotated[int, "`--seed`"]


class IOSummary(TypedDict):
    fps: Annotated[float, "frame rate everything is scored at (25)"]
    sample_rate: Annotated[int, "audio rate (16000)"]
    video_resampled_clips: Annotated[int, "clips whose source video was converted to 25 fps"]
    audio_resampled_or_downmixed_clips: Annotated[int, "clips whose audio was resampled or downmixed"]
    source_fps: Annotated[list[float], "the source frame rates seen"]
    source_sample_rates: Annotated[list[int], "the source audio rates seen"]
    scored_from: Annotated[str | list[str], "`lossless`, `encoded` or `external` (a list if clips differ)"]
    audio_from: Annotated[dict[str, int], "clips scored against the file's own audio / the dataset's: {file: n, dataset: n}"]
    length_mismatches: Annotated[dict[str, list[str]], "clip id -> how its scored and reference lengths differ"]


class WeightRecord(TypedDict):
    name: Annotated[str, "the weights name (`--weights` key)"]
    path: Annotated[str, "the file used"]
    sha256: Annotated[str, "its sha256"]
    override: Annotated[bool, "given with `--weights`"]


@open_keys
class MetricRecord(TypedDict):
    value: Annotated[float | None, "the aggregate (null when undefined, e.g. PSNR of GT, or unavailable)"]
    n: Annotated[int, "what the aggregate counts (frames for pooled metrics, clips, words)"]
    n_clips: Annotated[int, "clips with a current score"]
    n_failed: NotRequired[Annotated[int, "clips of the record without a score of this metric (when available)"]]
    label: Annotated[str, "display name"]
    higher_is_better: Annotated[bool, "direction"]
    version: Annotated[str, "metric version"]
    aggregation: Annotated[str, "`mean`, `pooled` or `corpus`"]
    protocol: Annotated[dict[str, Any] | None, "the metric's protocol (options, weights, face backend, table label)"]
    weights: Annotated[list[WeightRecord], "weights files the metric used"]
    status: Annotated[Literal["ok", "unavailable"], "`unavailable` with the reason when it could not run"]
    reason: Annotated[str | None, "why unavailable (or why the value is undefined)"]


class Failure(TypedDict):
    clip_id: Annotated[str, "the clip"]
    stage: Annotated[str, "`load`, `generate`, `decode`, `metric:<name>`, `missing` or `stale`"]
    reason: Annotated[str, "one line"]
    traceback: NotRequired[Annotated[str, "the last frames of the traceback"]]
    metric: NotRequired[Annotated[str, "the metric, for a metric failure"]]


class Coverage(TypedDict):
    clips: Annotated[int, "clips in the record"]
    scored_clips: Annotated[int, "clips without failure with a current score of every available metric"]
    failed_clips: Annotated[list[str], "the others (exit status 3 unless `--allow-failures`)"]
    split_size: Annotated[int | None, "clips the split holds"]
    complete: Annotated[bool, "no clip failed"]
    available_metrics: Annotated[list[str], "the invocation's metrics that could run"]


class ShardInfo(TypedDict):
    merged_from: Annotated[list[str], "the shard markers merged (`<i>-of-<N>`), only those of this record's split N (another invocation's stay in `shards/`, unlisted)"]
    index: NotRequired[Annotated[int, "this process's shard"]]
    count: NotRequired[Annotated[int, "number of shards (a merge: of the split finished last)"]]
    source: NotRequired[Annotated[str, "`none`, `manual` (`--shard`), `torchrun` or `workers` (`--workers`)"]]


class Invocation(TypedDict):
    generated_now: Annotated[int, "clips this invocation generated"]
    scored_now: Annotated[int, "clips this invocation scored"]
    workers: NotRequired[Annotated[int, "clip-level worker processes (`--workers`; 1 = this process alone)"]]


class RunProfile(TypedDict):
    seconds: Annotated[dict[str, float], "wall seconds per stage (load, generate, write, decode, `metric:<name>`, ...), before the record's build"]
    calls: Annotated[dict[str, int], "how often each stage ran"]


class EvaluateMatch(TypedDict):
    matched: Annotated[int, "videos matched to a clip"]
    unmatched_files: Annotated[list[str], "files that match no clip"]
    clips_without_video: Annotated[list[str], "clips with no file"]


class ProtocolRecord(TypedDict):
    name: Annotated[str, "the `--protocol` preset"]
    version: Annotated[str, "its version"]
    description: Annotated[str, "one line"]
    reference: Annotated[str, "the reference pipeline it reproduces"]
    published: Annotated[str, "the published numbers it is for"]
    sets: Annotated[dict[str, dict[str, Any]], "per metric of the run, the option values it set"]
    overridden: Annotated[dict[str, dict[str, Any]], "`metric.option`: the preset's value and the one `--metric-option` used"]
    not_in_run: Annotated[list[str], "preset keys this run has no metric for"]
    conforms: Annotated[list[str], "metrics of the record scored with the preset's values"]
    differs: Annotated[dict[str, list[str]], "metrics (scored by another invocation) whose options differ from it"]


class Record(TypedDict):
    schema_version: Annotated[int, "1"]
    run_id: Annotated[str, "`<run_dir>-<created_at, compact>`"]
    created_at: Annotated[str, "ISO-8601 UTC"]
    duration_s: Annotated[float, "wall seconds of the invocation that wrote it (0 for a merge)"]
    talkbench: TalkbenchInfo
    environment: Environment
    model: ModelInfo
    dataset: DatasetInfo
    seeds: Seeds
    io: IOSummary
    metrics: Annotated[dict[str, MetricRecord], "every metric with current scores for the record's clips"]
    failures: Annotated[list[Failure], "every failure of every clip"]
    n_failed_clips: Annotated[int, "clips with at least one failure"]
    coverage: Coverage
    shard: ShardInfo
    run_dir: Annotated[str, "the run directory's name, `<model>-<dataset>-<split>-<hash12>`"]
    generator_weights: Annotated[dict[str, str | None], "sha256 of each weights file the generator declares (null: absent)"]
    protocol: Annotated[ProtocolRecord | None, "the `--protocol` preset applied (null: none)"]
    invocation: NotRequired[Invocation]
    merged_by: NotRequired[Annotated[str, "`talkbench merge` when a merge wrote it"]]
    evaluate: NotRequired[Annotated[EvaluateMatch, "evaluate runs: what matched"]]
    profile: NotRequired[Annotated[RunProfile, "`--profile` runs: seconds per stage of this invocation"]]


class Lengths(TypedDict):
    scored_frames: Annotated[int, "frames of the scored file"]
    video_seconds: Annotated[float, "its length"]
    audio_seconds: NotRequired[Annotated[float, "its audio's length"]]
    reference_frames: Annotated[int | None, "the dataset clip's frames"]
    mismatch: Annotated[list[str], "how they differ (empty when they agree)"]


class VideoEntry(TypedDict):
    path: Annotated[str, "the video (relative to the run directory; evaluate: absolute)"]
    sha256: Annotated[str, "its sha256"]
    scored_from: Annotated[str, "`lossless`, `encoded` or `external`"]
    scored_sha256: Annotated[str | None, "sha256 of the file the metrics scored"]
    external: NotRequired[Annotated[bool, "evaluate: a video made elsewhere"]]
    lossless_path: NotRequired[Annotated[str, "the bit-exact copy of the generator's frames"]]
    lossless_sha256: NotRequired[Annotated[str, "its sha256"]]
    frames: NotRequired[Annotated[int, "frames generated"]]
    height: NotRequired[int]
    width: NotRequired[int]
    fps: NotRequired[float]
    generate_seconds: NotRequired[Annotated[float, "generator seconds for this clip"]]
    batch: NotRequired[Annotated[int, "clips in the generate_batch call that made it"]]
    audio_from: NotRequired[Annotated[str, "`file` (the scored file's own track) or `dataset`"]]
    lengths: NotRequired[Lengths]


@open_keys
class ClipScore(TypedDict):
    value: Annotated[float | None, "the clip's score, null for a corpus statistic with no per-clip value (FID, FVD: `n` and features only; + the metric's own per-clip extras)"]
    _key: Annotated[str, "the metric key it was computed with"]
    _inputs: Annotated[str, "fingerprint of the scored file and reference it was computed on"]


class ScoreFile(TypedDict):
    scores_version: Annotated[int, "2"]
    clip_id: str
    source: Annotated[str | None, "content fingerprint of the clip's files"]
    video: Annotated[VideoEntry | None, "null when the clip could not be generated"]
    metrics: dict[str, ClipScore]
    failures: list[Failure]
    io: NotRequired[Annotated[dict[str, Any], "the source clip's I/O facts (resampling)"]]
    n_frames: NotRequired[Annotated[int | None, "frames of the source clip"]]
