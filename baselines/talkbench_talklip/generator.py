"""The ``talklip`` generator: TalkLip inference (its inf_test.py behaviour) on a Clip."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from talkbench import NEEDS_SOURCE_VIDEO, OUTPUTS_FULL_FRAME, Clip, Option
from talkbench_wav2lip.inpainting import MouthInpaintingGenerator, inpainting_options

from .weights import load_talklip

if TYPE_CHECKING:  # torch (and the torch-based audio/paste modules) load in the methods that use
    import torch   # them, so importing the class (`talkbench models`) stays cheap


class TalkLipGenerator(MouthInpaintingGenerator):
    name = "talklip"
    version = "2"
    description = "TalkLip (Wang et al., CVPR 2023): Wav2Lip-style inpainting with AV-HuBERT audio features"
    needs = NEEDS_SOURCE_VIDEO
    outputs = OUTPUTS_FULL_FRAME
    weights = ("talklip", "talklip_g")
    options = inpainting_options(
        weights=weights, reference="first",
        reference_help="identity input: the 'first' frame (TalkLip's inf_test.py) or the 'same' frame (inf_demo.py)",
        pads="0,0,0,0", smooth=False, smooth_help="average face boxes over 5 frames (TalkLip does not)",
        batch_size=64, batch_help="faces per decoder pass",
        pcm16_help="quantize audio to 16-bit PCM first (TalkLip reads int16 wavs)",
    ) + (Option("heads", int, 0, "AV-HuBERT attention heads when the width matches no preset", min=0),)
    #: kept as float until pasted: TalkLip resizes pred·255 and truncates only when writing
    face_dtype = np.float32

    def load_network(self, path: Path, device: str) -> torch.nn.Module:
        return load_talklip(path, device, heads=self.options["heads"])

    def audio_condition(self, source: Clip, audio: np.ndarray) -> dict[str, Any]:
        """``embedding``: (T, ...) AV-HuBERT audio embedding of the whole clip."""
        import torch

        from .audio import talklip_features

        with torch.no_grad():
            feats = talklip_features(audio, source.num_frames).to(self.device)
            # the whole clip through AV-HuBERT at once: its self-attention sees the full context
            return {"embedding": self.model.audio_embedding(feats[None])}

    def decode(self, inputs: dict[str, Any], batch: slice, faces: torch.Tensor) -> torch.Tensor:
        return self.model.decode(inputs["embedding"][batch], faces)

    def to_faces(self, pred: np.ndarray) -> np.ndarray:
        return np.transpose(pred, (0, 2, 3, 1)) * 255.0

    def paste_back(self, frames_bgr: np.ndarray, faces: np.ndarray, boxes: np.ndarray) -> np.ndarray:
        # TalkLip's emb_roi2im: torchvision Resize (antialiased bilinear), not cv2 (version 2)
        from .paste import paste_back_antialiased

        return paste_back_antialiased(frames_bgr, faces, boxes)
