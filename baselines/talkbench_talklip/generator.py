"""The ``talklip`` generator: TalkLip inference (its inf_test.py behaviour) on a Clip."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from talkbench import (
    NEEDS_SOURCE_VIDEO,
    OUTPUTS_FULL_FRAME,
    Clip,
    Generator,
    Option,
    OptionError,
    resolve_device,
    resolve_weight,
    sha256_file,
)
from talkbench_wav2lip import crop
from talkbench_wav2lip.boxes import face_boxes
from talkbench_wav2lip.generator import to_pcm16

from .audio import talklip_features
from .weights import load_talklip


class TalkLipGenerator(Generator):
    name = "talklip"
    version = "1"
    description = "TalkLip (Wang et al., CVPR 2023): Wav2Lip-style inpainting with AV-HuBERT audio features"
    needs = NEEDS_SOURCE_VIDEO
    outputs = OUTPUTS_FULL_FRAME
    weights = ("talklip", "talklip_g")
    options = (
        Option("weights", str, "talklip", "registered weights (--checkpoint overrides)",
               choices=("talklip", "talklip_g")),
        Option("reference", str, "first",
               "identity input: the 'first' frame (TalkLip's inf_test.py) or the 'same' frame (inf_demo.py)",
               choices=("first", "same")),
        Option("pads", str, "0,0,0,0", "pixels added to the face box: top,bottom,left,right"),
        Option("smooth", bool, False, "average face boxes over 5 frames (TalkLip does not)"),
        Option("batch_size", int, 64, "faces per decoder pass", min=1),
        Option("pcm16", bool, True, "quantize audio to 16-bit PCM first (TalkLip reads int16 wavs)"),
        Option("heads", int, 0, "AV-HuBERT attention heads when the width matches no preset", min=0),
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        try:
            self.pads = crop.parse_pads(self.options["pads"])
        except ValueError as exc:
            raise OptionError(f"talklip: {exc}") from None

    def load(self, device: str = "cpu", checkpoint: str | Path | None = None) -> None:
        super().load(device, checkpoint)
        self.device = resolve_device(device)
        path = Path(checkpoint) if checkpoint else resolve_weight(self.options["weights"])
        self.model = load_talklip(path, self.device, heads=self.options["heads"])
        self.weights_used = {"path": str(path), "sha256": sha256_file(path)}

    @torch.no_grad()
    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        if not hasattr(self, "model"):
            raise RuntimeError("talklip: call load() before generate()")
        frames = source.frames
        n = len(frames)
        pcm = to_pcm16(audio) if self.options["pcm16"] else audio
        feats = talklip_features(pcm, n).to(self.device)
        # the whole clip through AV-HuBERT at once: its self-attention sees the full context
        embedding = self.model.audio_embedding(feats[None])
        boxes = face_boxes(source, self.pads, smooth=self.options["smooth"],
                           device=getattr(self, "device", "cpu"))
        bgr = frames[..., ::-1]
        faces = crop.crop_faces(bgr, boxes)
        refs = faces if self.options["reference"] == "same" else np.repeat(faces[:1], n, axis=0)
        # kept as float until pasted: TalkLip resizes pred·255 and truncates only when writing
        generated = np.empty(faces.shape, dtype=np.float32)
        bs = self.options["batch_size"]
        for lo in range(0, n, bs):
            x = torch.from_numpy(crop.face_input(faces[lo : lo + bs], refs[lo : lo + bs])).to(self.device)
            pred = self.model.decode(embedding[lo : lo + bs], x)
            generated[lo : lo + bs] = np.transpose(pred.float().cpu().numpy(), (0, 2, 3, 1)) * 255.0
        out_bgr = crop.paste_back(np.ascontiguousarray(bgr), generated, boxes)
        meta: dict[str, Any] = dict(source.meta)
        meta["generator"] = {"name": self.name, "options": dict(self.options),
                             "weights": getattr(self, "weights_used", None)}
        return source.replace(frames=np.ascontiguousarray(out_bgr[..., ::-1]), audio=audio, meta=meta)
