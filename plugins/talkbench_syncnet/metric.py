"""The ``lse_c`` and ``lse_d`` metrics: two views of one SyncNet computation per clip.

Both metrics declare the same options; a clip scored by both runs SyncNet once (results are
cached by clip id + content + everything that defines the number). The protocol record names
the weights (sha256), the protocol, the reference-compatibility steps and the net, so a table
built from a demo-SyncNet run is labelled as such.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from talkbench import (
    NEEDS_AUDIO,
    NEEDS_GENERATED,
    Clip,
    ClipFailure,
    Metric,
    MetricUnavailable,
    Option,
    WeightsInvalidError,
    invalid_checkpoint,
    output_options,
    sha256_file,
    torch_load_errors,
    weight_record,
)

from talkbench_syncnet.result_cache import RESULTS, SameArrays, same_arrays_key
from talkbench_syncnet.wild.metric_glue import WILD_OPTIONS, aggregate_tracks, wild_result
from talkbench_syncnet.peers import PEER_PROTOCOLS
from talkbench_syncnet.peers.glue import PEER_OPTIONS

if TYPE_CHECKING:  # prep (cv2) and scoring (torch) load in sync_result: `talkbench metrics` stays cheap
    from talkbench_syncnet.scoring import SyncResult

OPTIONS = (
    Option("protocol", str, "lrs", "lrs: whole frame → 224 (calculate_scores_LRS); wild: face-track crop; "
           "latentsync / mocha / syncnet-demo: those repositories' sync scripts (talkbench_syncnet/peers)",
           choices=("lrs", "wild") + PEER_PROTOCOLS),
    Option("jpeg_roundtrip", bool, True,
           "repeat the reference's ffmpeg→jpg→cv2 frame dump (moves LSE-D by ~0.05); off = decoded frames"),
    Option("net", str, "official",
           "official: syncnet_v2.model (weights 'syncnet'); demo: a SyncNet trained on the demo dataset",
           choices=("official", "demo")),
    Option("vshift", int, 15, "largest audio-video offset searched, in frames", min=1, max=100),
    Option("batch_size", int, 20, "windows per forward pass", min=1, affects_output=False),
    Option("min_windows", int, 0,
           "fewest 5-frame windows a clip needs, else it fails with the reason (0: 2·vshift+1, so "
           "every searched offset pairs mostly real audio; 1: the reference, which scores any clip "
           "of 6+ frames, e.g. LSE-C 0.0 for 0.5 s of audio under 4 s of video)", min=0),
    Option("precision", str, "fp32",
           "fp32: the reference numbers; bf16/fp16: declared fast mode (autocast; CUDA, or a CPU with native "
           "bf16/fp16), within 0.02 of fp32 LSE on the calibration clips, named in the table label",
           choices=("fp32", "bf16", "fp16")),
    Option("crop_scale", float, 0.4, "wild protocol: syncnet_python's crop_scale", min=0.0, max=2.0),
    Option("face_backend", str, "auto",
           "wild protocol: talkbench.faces backend run on every converted frame (auto|dlib|fan) when no "
           "face_geometry file is given"),
) + WILD_OPTIONS + PEER_OPTIONS

_MODELS: dict[tuple[str, str, str], Any] = {}


def clear_caches() -> None:
    _MODELS.clear()
    RESULTS.clear()  # lrs, wild and peer results share one cache


class _SyncNetMetric(Metric):
    needs = frozenset({NEEDS_GENERATED, NEEDS_AUDIO})
    weights = ("syncnet",)
    options = OPTIONS
    option_group = "syncnet"  # one SyncNet pass per clip: `--metric-option syncnet.net=demo`
    version = "1"
    result_key: ClassVar[str] = ""
    #: keep embeddings/distances/MFCC on the cached SyncResult (calibration and tests)
    keep_arrays: bool = False

    def load(self, device: str = "cpu") -> None:
        from talkbench_syncnet.fast import FastSyncNet
        from talkbench_syncnet.model import load_syncnet

        self.device = device
        from talkbench_syncnet.wild.metric_glue import reference_detector_missing

        why = reference_detector_missing(self.options)
        if why:  # no silent fallback to another face detector
            raise MetricUnavailable(why)
        if self.options["net"] == "demo":
            from talkbench_syncnet.demo_net import ensure_demo_weights

            path = ensure_demo_weights(progress=True)
            self.weights = ()  # the official file is not used; protocol()["weights"] names this one
            self.weights_info = {"name": "syncnet_demo", "path": str(path), "sha256": sha256_file(path),
                                 "override": False}
        else:
            self.weights_info = weight_record("syncnet")  # raises WeightsMissingError: run goes on
            path = Path(self.weights_info["path"])
        precision = self.options["precision"]
        if precision != "fp32":
            from talkbench_syncnet.fast import check_precision

            check_precision(precision, device)  # OptionError where it would be slower than fp32
        key = (str(path), self.weights_info["sha256"], device, precision)
        if key not in _MODELS:
            try:
                # same arithmetic as SyncNet, scheduled for speed (fast.py; float rounding only)
                _MODELS[key] = FastSyncNet(load_syncnet(path, device), precision)
            except torch_load_errors() as exc:
                if isinstance(exc, ValueError) and str(path) in str(exc):  # model.py's layout checks
                    why = str(exc).replace(f"{path}: ", "", 1)
                    raise WeightsInvalidError(
                        f"{path}: cannot load as SyncNet ({why}); pass the official syncnet_v2.model") from None
                raise invalid_checkpoint(path, exc, "SyncNet weights") from None
        self.net = _MODELS[key]

    def weight_records(self) -> list[dict[str, Any]]:
        """The file load() used: the official/overridden ``syncnet`` or the demo-trained net."""
        info = getattr(self, "weights_info", None)
        return [dict(info)] if info else []

    def protocol(self) -> dict[str, Any]:
        out = dict(self.options)
        out["reference"] = ("Wav2Lip evaluation/scores_LSE calculate_scores_LRS" if out["protocol"] == "lrs"
                            else "syncnet_python run_pipeline + run_syncnet (Wav2Lip calculate_scores_real_videos)")
        if out["protocol"] in PEER_PROTOCOLS:
            from talkbench_syncnet.peers.glue import references

            out["reference"] = references()[out["protocol"]]
        out["mfcc"] = "python_speech_features defaults on int16-scale 16 kHz mono"
        out["windows"] = "min(frames, samples//640) - 5 (reference drops the last window)"
        out["io"] = ("the file itself, converted by the ffmpeg CLI as run_pipeline does" if out["protocol"] == "wild"
                     else "the file itself, through the ffmpeg CLI as the reference script calls it"
                     if out["protocol"] in PEER_PROTOCOLS
                     else "video resampled to 25 fps and audio to 16 kHz mono on read (talkbench.load_clip)")
        info = getattr(self, "weights_info", None)
        if info:
            out["weights"] = {"name": info["name"], "sha256": info["sha256"], "override": info["override"]}
        notes = (["demo SyncNet"] if out["net"] == "demo" else []) + (
            [f"{out['precision']} fast mode"] if out.get("precision", "fp32") != "fp32" else [])
        if notes:
            out["table_label"] = f"{self.label} ({', '.join(notes)})"
        if (out["protocol"] not in ("lrs", "syncnet-demo") and not out["face_geometry"]
                and out["face_backend"] not in ("auto", "s3fd-syncnet")):
            # the user picked another detector than the reference's S3FD: the table says so
            out["table_note"] = f"{out['face_backend']} face boxes instead of S3FD"
        return out

    def uses_yuv420(self) -> bool:
        """The lrs protocol's jpg dump starts from the decoder's planes (one decode per clip)."""
        return self.options["protocol"] == "lrs" and bool(self.options["jpeg_roundtrip"])

    def sync_result(self, generated: Clip, reference: Clip | None) -> SyncResult:
        """The shared per-clip computation (cached: lse_c and lse_d reuse it)."""
        from talkbench_syncnet.prep import clip_audio, coverage, io_facts, prepare_frames
        from talkbench_syncnet.scoring import score_arrays

        if not hasattr(self, "net"):
            raise MetricUnavailable(f"{self.name}: call load() before compute()")
        audio, audio_from = clip_audio(generated, reference)
        frames = generated.frames
        if frames.ndim != 4 or len(frames) < 5:
            raise ClipFailure(
                f"clip {generated.id}: {len(frames) if frames.ndim == 4 else 0} frames; "
                "SyncNet needs at least 5 frames (one 0.2 s window) plus one"
            )
        opts = output_options(self)  # the core's rule: options declared affects_output=False stay out
        # lse_c and lse_d of a clip get the same arrays: keyed by those objects (weakly, see
        # result_cache.same_arrays_key), not by hashing them; the scored audio may be the
        # reference's (clip_audio), so both arrays are named
        arrays = (frames, audio)
        key = (generated.id, same_arrays_key(*arrays), tuple(sorted(opts.items())),
               self.weights_info["sha256"], self.device, self.keep_arrays)
        if (hit := RESULTS.get(key)) is not None and hit.valid_for(arrays):
            return hit.value
        size = self.net.config.img_size
        bgr, info = prepare_frames(
            generated, protocol=self.options["protocol"], size=size,
            jpeg_roundtrip=self.options["jpeg_roundtrip"],
        )
        min_windows = self.options["min_windows"] or 2 * self.options["vshift"] + 1
        res = score_arrays(self.net, bgr, audio, vshift=self.options["vshift"], min_windows=min_windows,
                           batch_size=self.options["batch_size"], device=self.device, keep=self.keep_arrays)
        res.extras.update(info)
        res.extras["audio_from"] = audio_from
        res.extras.update(coverage(len(frames), len(audio), res.min_length))
        res.extras["io"] = io_facts(generated)
        return RESULTS.put(key, SameArrays(arrays, res)).value

    def compute(self, generated: Clip, reference: Clip | None) -> dict[str, Any]:
        if self.options["protocol"] in PEER_PROTOCOLS:
            if not hasattr(self, "net"):
                raise MetricUnavailable(f"{self.name}: call load() before compute()")
            from talkbench_syncnet.peers.glue import peer_result

            res = peer_result(self, generated, reference)
            return {"value": float(res[self.result_key]), "n": len(res["tracks"]), **res}
        if self.options["protocol"] == "wild":
            if not hasattr(self, "net"):
                raise MetricUnavailable(f"{self.name}: call load() before compute()")
            res = wild_result(self, generated)
            return {"value": float(res[self.result_key]), "n": len(res["tracks"]), **res}
        res = self.sync_result(generated, reference)
        out = res.to_json()
        return {"value": float(out[self.result_key]), "n": int(res.min_length), **out}


    def aggregate(self, per_clip):
        pooled = aggregate_tracks(per_clip, self.result_key) if self.options["protocol"] == "wild" else None
        return pooled if pooled is not None else super().aggregate(per_clip)


class LSEC(_SyncNetMetric):
    name = "lse_c"
    label = "LSE-C"
    higher_is_better = True
    value_range = (0.0, None)
    result_key = "lse_c"
    description = "SyncNet confidence: median − min of the mean audio-video distance over offsets ±vshift"


class LSED(_SyncNetMetric):
    name = "lse_d"
    label = "LSE-D"
    higher_is_better = False
    value_range = (0.0, None)
    result_key = "lse_d"
    description = "SyncNet distance: min over offsets ±vshift of the mean audio-video embedding distance"
