"""The ``wav2lip`` generator: Wav2Lip inference (official inference.py behaviour) on a Clip."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from talkbench import NEEDS_SOURCE_VIDEO, OUTPUTS_FULL_FRAME, Clip, ClipFailure

from . import audio as w2l_audio
from .inpainting import MouthInpaintingGenerator, inpainting_options
from .weights import load_wav2lip

if TYPE_CHECKING:  # torch loads in decode(): importing the class (`talkbench models`) stays cheap
    import torch


class Wav2LipGenerator(MouthInpaintingGenerator):
    name = "wav2lip"
    version = "1"
    description = "Wav2Lip (Prajwal et al., ACM MM 2020): lower-half inpainting from a 16-column mel window"
    needs = NEEDS_SOURCE_VIDEO
    outputs = OUTPUTS_FULL_FRAME
    weights = ("wav2lip", "wav2lip_gan")
    options = inpainting_options(
        weights=weights, reference="same",
        reference_help="identity input: 'same' frame (official inference.py) or the 'first' frame of the clip",
        pads="0,10,0,0", smooth=True, smooth_help="average face boxes over 5 frames (official default)",
        batch_size=128, batch_help="faces per forward pass",
        pcm16_help="quantize audio to 16-bit PCM first, as the official ffmpeg → wav step",
    )
    #: the official script truncates the output to uint8 before resizing it into the frame
    face_dtype = np.uint8

    def load_network(self, path: Path, device: str) -> torch.nn.Module:
        return load_wav2lip(path, device)

    def audio_condition(self, source: Clip, audio: np.ndarray) -> dict[str, Any]:
        """``mel``: (T, 1, 80, 16) mel windows, one per video frame."""
        try:
            mel = w2l_audio.melspectrogram(audio)
        except ValueError as exc:
            raise ClipFailure(f"{source.id}: {exc}") from None
        return {"mel": w2l_audio.mel_windows(mel, source.num_frames, source.fps)}

    def decode(self, inputs: dict[str, Any], batch: slice, faces: torch.Tensor) -> torch.Tensor:
        import torch

        return self.model(torch.from_numpy(inputs["mel"][batch]).to(self.device), faces)
