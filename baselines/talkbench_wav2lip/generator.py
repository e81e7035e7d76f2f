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
    )

    def load(self, device: str = "cpu", checkpoint: str | Path | None = None) -> None:
        super().load(device, checkpoint)
        self.device = resolve_device(device)
        path = Path(checkpoint) if checkpoint else resolve_weight(self.options["weights"])
        self.model = load_wav2lip(path, self.device)
        self.pads = crop.parse_pads(self.options["pads"])
        self.weights_used = {"path": str(path), "sha256": sha256_file(path)}

    @torch.no_grad()
    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        if not hasattr(self, "model"):
            raise RuntimeError("wav2lip: call load() before generate()")
        frames = source.frames
        n = len(frames)
        try:
            mel = w2l_audio.melspectrogram(audio)
        except ValueError as exc:
            raise ClipFailure(f"{source.id}: {exc}") from None
        windows = w2l_audio.mel_windows(mel, n, source.fps)
        boxes = face_boxes(source, self.pads, smooth=self.options["smooth"])
        bgr = frames[..., ::-1]
        faces = crop.crop_faces(bgr, boxes)
        refs = faces if self.options["reference"] == "same" else np.repeat(faces[:1], n, axis=0)
        generated = np.empty_like(faces)
        bs = self.options["batch_size"]
        for lo in range(0, n, bs):
            x = torch.from_numpy(crop.face_input(faces[lo : lo + bs], refs[lo : lo + bs])).to(self.device)
            m = torch.from_numpy(windows[lo : lo + bs]).to(self.device)
            generated[lo : lo + bs] = crop.to_uint8(self.model(m, x).float().cpu().numpy())
        out_bgr = crop.paste_back(np.ascontiguousarray(bgr), generated, boxes)
        meta: dict[str, Any] = dict(source.meta)
        meta["generator"] = {"name": self.name, "options": dict(self.options),
                             "weights": getattr(self, "weights_used", None)}
        return source.replace(frames=np.ascontiguousarray(out_bgr[..., ::-1]), audio=audio, meta=meta)

