"""``wer``: word error rate of an AV-HuBERT lip reader on the generated video.

Default protocol ``talklip`` (TalkLip's evaluation, used by the paper): video only; the whole
frame to grey, resized to 160×160 (LRS3's 224 frames; LRS2 is already 160), /255, centre crop
88×88, (x − 0.421)/0.165; beam 50, max_len_a 1.0, max_len_b 0, lenpen 1, no LM; lowercase.
Protocol ``roi`` cuts the mouth with talkbench.faces instead of the centre crop.
Corpus WER = 100 · Σ word edits / Σ reference words.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping, Sequence

import numpy as np

from talkbench import (AGG_CORPUS, NEEDS_GENERATED, NEEDS_TRANSCRIPT, ClipFailure, Clip, Metric,
                       MetricUnavailable, Option, WeightsMissingError, resolve_weight)
from talkbench_avhubert.weight_specs import LIPREADER_LRS2, SPECS
from talkbench_avhubert.wer import word_errors

if TYPE_CHECKING:  # torch and the video features (torch) load in the methods that run the model,
    import torch   # so `talkbench metrics` imports this class without torch


class WER(Metric):
    name = "wer"
    version = "1"
    label = "WER"
    higher_is_better = False
    needs = frozenset({NEEDS_GENERATED, NEEDS_TRANSCRIPT})
    aggregation = AGG_CORPUS
    value_range = (0.0, None)
    weights = tuple(s.name for s in SPECS if s.name.startswith("avhubert-large-vsr"))
    description = "Lip-reading word error rate (AV-HuBERT seq2seq on the generated video)"
    #: agreement with the reference stack (fairseq 0.12.3 + av_hubert 258fb50) on the
    #: ../shared/calibration/avhubert fixture, measured on CPU (tests/avhubert reproduce it)
    calibration: ClassVar[dict[str, Any]] = {
        "encoder_out_max_rel_err": 2e-6, "decoder_logits_max_rel_err": 9e-7,
        "beam5_tokens": "identical, all 5 beams, av/audio/video",
        "beam5_positional_scores_max_abs_err": 1.5e-5, "hypothesis_strings": "identical",
        "official_lrs2_wer": "not measured here (the official lip reader is not available offline)",
    }
    options = (
        Option("protocol", str, "talklip", "input crop: talklip (whole frame, centre 88) or roi "
               "(mouth crop from the face pipeline)", choices=("talklip", "roi")),
        Option("lipreader", str, LIPREADER_LRS2, "weights name of the seq2seq lip reader "
               "(its tokenizer is NAME-spm)"),
        Option("resize", int, 160, "resize whole frames to this square size first (0 = off)", min=0),
        Option("beam", int, 50, "beam size", min=1),
        Option("max_len_a", float, 1.0, "max length = a · source length + b"),
        Option("max_len_b", int, 0, "max length = a · source length + b"),
        Option("lenpen", float, 1.0, "length penalty"),
        Option("lowercase", bool, True, "lowercase hypothesis and reference (false is not the reference: "
               "AV-HuBERT's label encoder lowercases every label)"),
        Option("batch_clips", int, 1, "clips per batched beam search (same hypotheses as one by one)",
               min=1, affects_output=False),
    )

    def load(self, device: str = "cpu") -> None:
        from talkbench_avhubert.checkpoint import CheckpointError, load_checkpoint
        from talkbench_avhubert.tokenizer import Tokenizer

        super().load(device)
        name = self.options["lipreader"]
        path = resolve_weight(name)  # WeightsMissingError -> "unavailable" with the fix
        try:
            loaded = load_checkpoint(path)
            model = loaded.build_seq2seq()
        except CheckpointError as exc:
            raise MetricUnavailable(f"wer: {exc}") from None
        spm_path, spm_registered = self._tokenizer_path(name, path, loaded.cfg)
        self.tokenizer = Tokenizer(spm_path, loaded.symbols)
        if len(self.tokenizer) != loaded.config.vocab_size:
            raise MetricUnavailable(
                f"wer: tokenizer {self.tokenizer.path} has {len(self.tokenizer)} symbols but "
                f"{path} decodes {loaded.config.vocab_size}; pass the checkpoint's own spm model")
        self.model = model.to(device)
        self.config = loaded.config
        # the run record hashes exactly the files used (instance attribute shadows the card's)
        self.weights = (name, f"{name}-spm") if spm_registered else (name,)
        self._weights = {"lipreader": str(path), "tokenizer": str(self.tokenizer.path)}

    @staticmethod
    def _tokenizer_path(name: str, ckpt_path: Path, cfg: Mapping[str, Any]) -> tuple[Path, bool]:
        """--weights NAME-spm=PATH or the registered copy; else the path in the checkpoint cfg
        (as given, or next to the checkpoint). Returns (path, found through the registry)."""
        try:
            return resolve_weight(f"{name}-spm"), True
        except WeightsMissingError as exc:
            missing = str(exc)
        named = (cfg.get("task") or {}).get("tokenizer_bpe_model")
        if named:
            for cand in (Path(named), ckpt_path.parent / Path(named).name):
                if cand.is_file():
                    return cand, False
        raise WeightsMissingError(
            f"wer: tokenizer for {ckpt_path.name} not found (its cfg names {named!r}); "
            f"pass --weights {name}-spm=PATH/TO/spm.model ({missing})")

    def protocol(self) -> dict[str, Any]:
        out = dict(self.options)
        out.update(modality="video", min_len=1, lm=None, image_mean=0.421, image_std=0.165,
                   crop=88, weights=getattr(self, "_weights", None))
        return out

    def video_tensor(self, clip: Clip) -> torch.Tensor:
        from talkbench_avhubert.features import grey_frames, video_input

        frames = clip.frames
        cfg = self.config
        if self.options["protocol"] == "roi":
            from talkbench.faces import face_facts, metric_backend, mouth_rois, track_faces

            # the protocol's backend or the clip's exact geometry; never a silent dlib fallback
            backend, why = metric_backend(clip, "auto", self.name)
            track = track_faces(clip, backend=backend, device=str(self.device), role="the generated clip")
            self._faces = face_facts(track, "auto", why)  # for this clip's result
            grey = mouth_rois(frames, track, size=96, crop=cfg.image_crop_size)
        else:
            grey = grey_frames(frames, resize=self.options["resize"] or None)
        return video_input(grey, cfg.image_crop_size, cfg.image_mean, cfg.image_std)

    def transcribe(self, clip: Clip) -> str:
        import torch

        video = self.video_tensor(clip).to(self.device)
        mask = torch.zeros(1, video.shape[2], dtype=torch.bool, device=self.device)
        o = self.options
        hyps = self.model.generate(video=video, padding_mask=mask, beam=o["beam"],
                                   max_len_a=o["max_len_a"], max_len_b=o["max_len_b"],
                                   lenpen=o["lenpen"])
        text = self.tokenizer.decode(hyps[0]["tokens"].tolist()) if hyps else ""
        return text.lower() if o["lowercase"] else text

    def _reference_text(self, generated: Clip, reference: Clip | None) -> str:
        transcript = generated.transcript or (reference.transcript if reference else None)
        if not transcript or not transcript.strip():
            raise ClipFailure(f"clip {generated.id}: no transcript; WER needs a dataset with "
                              "transcripts (e.g. lrs2, lrs3)")
        text = transcript.lower() if self.options["lowercase"] else transcript
        return self.tokenizer.normalize(text)

    def compute(self, generated: Clip, reference: Clip | None) -> dict[str, Any]:
        ref = self._reference_text(generated, reference)
        try:
            hyp = self.transcribe(generated)
        except ValueError as exc:  # e.g. frames smaller than the crop
            raise ClipFailure(f"clip {generated.id}: {exc}") from None
        return self._result(generated, hyp, ref)

    def batch_clips(self) -> int:
        return int(self.options["batch_clips"])

    def compute_batch(self, pairs: Sequence[tuple[Clip, Clip | None]]) -> list[dict[str, Any] | Exception]:
        """One padded beam search (``beam.generate_batch``) over the clips: their video
        front-ends (ResNet) run together, the transformer encoder per clip (no padding enters
        it), and each clip gets the per-clip beam's hypothesis (tests/avhubert check it on the
        fixture)."""
        import torch

        from talkbench_avhubert.beam import generate_batch

        out: list[Any] = [None] * len(pairs)
        inputs, where, refs, faces = [], [], [], []
        for i, (generated, reference) in enumerate(pairs):
            try:
                ref = self._reference_text(generated, reference)
                video = self.video_tensor(generated).to(self.device)
            except ValueError as exc:  # e.g. frames smaller than the crop
                out[i] = ClipFailure(f"clip {generated.id}: {exc}")
                continue
            except Exception as exc:  # this clip's failure only
                out[i] = exc
                continue
            mask = torch.zeros(1, video.shape[2], dtype=torch.bool, device=self.device)
            inputs.append({"video": video, "padding_mask": mask})
            where.append(i), refs.append(ref), faces.append(getattr(self, "_faces", None))
        if inputs:
            o = self.options
            hyps = generate_batch(self.model, inputs, beam=o["beam"], max_len_a=o["max_len_a"],
                                  max_len_b=o["max_len_b"], lenpen=o["lenpen"])
            for i, h, ref, face in zip(where, hyps, refs, faces):
                text = self.tokenizer.decode(h[0]["tokens"].tolist()) if h else ""
                self._faces = face
                try:
                    out[i] = self._result(pairs[i][0], text.lower() if o["lowercase"] else text, ref)
                except Exception as exc:  # e.g. a transcript without words
                    out[i] = exc
        return out

    def _result(self, generated: Clip, hyp: str, ref: str) -> dict[str, Any]:
        edits, words = word_errors(hyp, ref)
        if words == 0:
            raise ClipFailure(f"clip {generated.id}: transcript {ref!r} has no words")
        out = {"value": 100.0 * edits / words, "n": words, "edits": edits, "words": words,
               "hypothesis": hyp, "reference": ref}
        if self.options["protocol"] == "roi":
            out["faces"] = self._faces
        return out

    def aggregate(self, per_clip: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        if not per_clip:
            return {"value": None, "n": 0}
        edits = sum(int(r["edits"]) for r in per_clip)
        words = sum(int(r["words"]) for r in per_clip)
        return {"value": 100.0 * edits / words if words else None, "n": len(per_clip),
                "edits": edits, "words": words,
                "clip_mean": float(np.mean([r["value"] for r in per_clip]))}
