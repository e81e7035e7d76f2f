"""The ``wav2lip`` generator: Wav2Lip inference (official inference.py behaviour) on a Clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from talkbench import (
    NEEDS_SOURCE_VIDEO,
    Clip,
    OUTPUTS_FULL_FRAME,
    ClipFailure,
    Generator,
    Option,
    OptionError,
    resolve_device,
    resolve_weight,
    sha256_file,
)

from . import audio as w2l_audio
from . import crop
from .boxes import face_boxes
from .weights import load_wav2lip


class Wav2LipGenerator(Generator):
    name = "wav2lip"
    version = "1"
    description = "Wav2Lip (Prajwal et al., ACM MM 2020): lower-half inpainting from a 16-column mel window"
    needs = NEEDS_SOURCE_VIDEO
    outputs = OUTPUTS_FULL_FRAME
    weights = ("wav2lip", "wav2lip_gan")
    options = (
        Option("weights", str, "wav2lip", "registered weights to use (--checkpoint overrides)",
               choices=("wav2lip", "wav2lip_gan")),
        Option("reference", str, "same",
               "identity input: 'same' frame (official inference.py) or the 'first' frame of the clip",
               choices=("same", "first")),
        Option("pads", str, "0,10,0,0", "pixels added to the face box: top,bottom,left,right"),
        Option("smooth", bool, True, "average face boxes over 5 frames (official default)"),
        Option("batch_size", int, 128, "faces per forward pass", min=1),
        Option("pcm16", bool, True, "quantize audio to 16-bit PCM first, as the official ffmpeg → wav step"),
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        try:
            self.pads = crop.parse_pads(self.options["pads"])
        except ValueError as exc:
            raise OptionError(f"wav2lip: {exc}") from None

    def load(self, device: str = "cpu", checkpoint: str | Path | None = None) -> None:
        super().load(device, checkpoint)
        self.device = resolve_device(device)
        path = Path(checkpoint) if checkpoint else resolve_weight(self.options["weights"])
        self.model = load_wav2lip(path, self.device)
        self.weights_used = {"path": str(path), "sha256": sha256_file(path)}

    def prepare(self, source: Clip, audio: np.ndarray) -> dict[str, np.ndarray]:
        """Model inputs for every frame, as the official inference.py builds them.

        ``faces`` (T, 96, 96, 3) BGR crops, ``refs`` their identity crops, ``mel`` (T, 1, 80, 16)
        windows and ``boxes`` (T, 4) integer crop boxes.
        """
        n = source.num_frames
        if self.options["pcm16"]:
            audio = to_pcm16(audio)
        try:
            mel = w2l_audio.melspectrogram(audio)
        except ValueError as exc:
            raise ClipFailure(f"{source.id}: {exc}") from None
        boxes = face_boxes(source, self.pads, smooth=self.options["smooth"],
                           device=getattr(self, "device", "cpu"))
        faces = crop.crop_faces(source.frames[..., ::-1], boxes)
        refs = faces if self.options["reference"] == "same" else np.repeat(faces[:1], n, axis=0)
        return {"faces": faces, "refs": refs, "mel": w2l_audio.mel_windows(mel, n, source.fps), "boxes": boxes}

    @torch.no_grad()
    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        if not hasattr(self, "model"):
            raise RuntimeError("wav2lip: call load() before generate()")
        inputs = self.prepare(source, audio)
        faces, refs, windows = inputs["faces"], inputs["refs"], inputs["mel"]
        generated = np.empty_like(faces)
        bs = self.options["batch_size"]
        for lo in range(0, len(faces), bs):
            x = torch.from_numpy(crop.face_input(faces[lo : lo + bs], refs[lo : lo + bs])).to(self.device)
            m = torch.from_numpy(windows[lo : lo + bs]).to(self.device)
            generated[lo : lo + bs] = crop.to_uint8(self.model(m, x).float().cpu().numpy())
        bgr = np.ascontiguousarray(source.frames[..., ::-1])
        out_bgr = crop.paste_back(bgr, generated, inputs["boxes"])
        meta: dict[str, Any] = dict(source.meta)
        meta["generator"] = {"name": self.name, "options": dict(self.options),
                             "weights": getattr(self, "weights_used", None)}
        return source.replace(frames=np.ascontiguousarray(out_bgr[..., ::-1]), audio=audio, meta=meta)


def to_pcm16(audio: np.ndarray) -> np.ndarray:
    """Round to 16-bit PCM with clipping, as the official script's ffmpeg → temp.wav step.

    Decoded AAC can overshoot ±1 (1.10 on the calibration clip); ffmpeg's s16 WAV clips it and
    librosa reads int16/32768. Skipping this moves that clip's mel by up to 0.37.
    """
    pcm = np.clip(np.round(np.asarray(audio, dtype=np.float64) * 32768.0), -32768, 32767)
    return (pcm / 32768.0).astype(np.float32)
