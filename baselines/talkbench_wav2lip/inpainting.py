"""The mouth-inpainting generator base shared by Wav2Lip and TalkLip: crop → batch → paste.

Both models follow Wav2Lip's inference.py: face boxes padded by ``pads`` (optionally smoothed),
96×96 BGR crops, the lower half of each crop masked and stacked with an identity crop, a batch
of these through the network with the audio condition, and each generated face resized back
into its box. What differs is an override: the audio condition (Wav2Lip: mel windows; TalkLip:
AV-HuBERT features of the whole clip), the network call, the precision path (Wav2Lip
truncates the output to uint8 before pasting, TalkLip keeps floats until the paste) and the
paste's resize (``paste_back``: Wav2Lip cv2, TalkLip torchvision's antialiased bilinear).

It lives in this plugin, not in the core: every step reproduces Wav2Lip's reference code to the
pixel (integer box smoothing, cv2 resizes, BGR), so it is Wav2Lip's behaviour that TalkLip
inherits, not generic face machinery. TalkLip imports it as this plugin's public module.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from talkbench import Clip, Generator, Option, OptionError, resolve_device, resolve_weight, sha256_file

from . import crop
from .boxes import face_boxes

if TYPE_CHECKING:  # torch loads in generate(): the class (`talkbench models`) stays cheap to import
    import torch


def inpainting_options(*, weights: tuple[str, ...], reference: str, reference_help: str, pads: str,
                       smooth: bool, smooth_help: str, batch_size: int, batch_help: str,
                       pcm16_help: str) -> tuple[Option, ...]:
    """The options every mouth-inpainting generator has; the defaults are each reference's."""
    other = "first" if reference == "same" else "same"
    return (
        Option("weights", str, weights[0], "registered weights to use (--checkpoint overrides)", choices=weights),
        Option("reference", str, reference, reference_help, choices=(reference, other)),
        Option("pads", str, pads, "pixels added to the face box: top,bottom,left,right"),
        Option("smooth", bool, smooth, smooth_help),
        Option("batch_size", int, batch_size, batch_help, min=1),
        Option("pcm16", bool, True, pcm16_help),
    )


def to_pcm16(audio: np.ndarray) -> np.ndarray:
    """Round to 16-bit PCM with clipping, as the official scripts' ffmpeg → int16 wav step.

    Decoded AAC can overshoot ±1 (1.10 on the calibration clip); ffmpeg's s16 WAV clips it and
    librosa reads int16/32768. Skipping this moves that clip's mel by up to 0.37.
    """
    pcm = np.clip(np.round(np.asarray(audio, dtype=np.float64) * 32768.0), -32768, 32767)
    return (pcm / 32768.0).astype(np.float32)


class MouthInpaintingGenerator(Generator):
    """Subclasses set the class attributes and options and override the four hooks below."""

    #: dtype the generated faces keep until they are pasted (the precision path)
    face_dtype: Any = np.uint8

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        try:
            self.pads = crop.parse_pads(self.options["pads"])
        except ValueError as exc:
            raise OptionError(f"{self.name}: {exc}") from None

    # -- overrides -----------------------------------------------------------------------
    def load_network(self, path: Path, device: str) -> torch.nn.Module:
        """The network in eval mode from the checkpoint at ``path``."""
        raise NotImplementedError

    def audio_condition(self, source: Clip, audio: np.ndarray) -> dict[str, Any]:
        """Per-frame audio inputs from the (pcm16-quantized) audio, added to ``prepare``'s dict."""
        raise NotImplementedError

    def decode(self, inputs: dict[str, Any], batch: slice, faces: torch.Tensor) -> torch.Tensor:
        """(N, 3, 96, 96) output in (0, 1) for the frames in ``batch`` from the (N, 6, 96, 96) face input."""
        raise NotImplementedError

    def to_faces(self, pred: np.ndarray) -> np.ndarray:
        """Network output (N, 3, H, W) → (N, H, W, 3) faces in ``face_dtype``, 0..255."""
        return crop.to_uint8(pred)

    # -- the shared pipeline ---------------------------------------------------------------
    def paste_back(self, frames_bgr: np.ndarray, faces: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        """Generated faces resized into their boxes (Wav2Lip: cv2 INTER_LINEAR; TalkLip overrides)."""
        return crop.paste_back(frames_bgr, faces, boxes)

    def load(self, device: str = "cpu", checkpoint: str | Path | None = None) -> None:
        super().load(device, checkpoint)
        self.device = resolve_device(device)
        path = Path(checkpoint) if checkpoint else resolve_weight(self.options["weights"])
        self.model = self.load_network(path, self.device)
        self.weights_used = {"path": str(path), "sha256": sha256_file(path)}

    def prepare(self, source: Clip, audio: np.ndarray) -> dict[str, Any]:
        """Model inputs for every frame: the audio condition, then ``faces`` (T, 96, 96, 3) BGR
        crops, ``refs`` their identity crops and ``boxes`` (T, 4) integer crop boxes."""
        pcm = to_pcm16(audio) if self.options["pcm16"] else audio
        inputs = self.audio_condition(source, pcm)
        boxes = face_boxes(source, self.pads, smooth=self.options["smooth"],
                           device=getattr(self, "device", "cpu"))
        faces = crop.crop_faces(source.frames[..., ::-1], boxes)
        n = len(faces)
        refs = faces if self.options["reference"] == "same" else np.repeat(faces[:1], n, axis=0)
        return {**inputs, "faces": faces, "refs": refs, "boxes": boxes}

    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        import torch

        if not hasattr(self, "model"):
            raise RuntimeError(f"{self.name}: call load() before generate()")
        with torch.no_grad():
            return self._generate(source, audio)

    def _generate(self, source: Clip, audio: np.ndarray) -> Clip:
        import torch

        inputs = self.prepare(source, audio)
        faces, refs = inputs["faces"], inputs["refs"]
        generated = np.empty(faces.shape, dtype=self.face_dtype)
        bs = self.options["batch_size"]
        for lo in range(0, len(faces), bs):
            batch = slice(lo, lo + bs)
            x = torch.from_numpy(crop.face_input(faces[batch], refs[batch])).to(self.device)
            generated[batch] = self.to_faces(self.decode(inputs, batch, x).float().cpu().numpy())
        bgr = np.ascontiguousarray(source.frames[..., ::-1])
        out_bgr = self.paste_back(bgr, generated, inputs["boxes"])
        meta: dict[str, Any] = dict(source.meta)
        meta["generator"] = {"name": self.name, "options": dict(self.options),
                             "weights": getattr(self, "weights_used", None)}
        return source.replace(frames=np.ascontiguousarray(out_bgr[..., ::-1]), audio=audio, meta=meta)
