"""Weight files for the Wav2Lip generator and loading them into the network."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import TYPE_CHECKING

from talkbench import WeightSpec, WeightsInvalidError

if TYPE_CHECKING:
    from .network import Wav2Lip

# torch and the network load inside the functions: `talkbench weights` and `talkbench models`
# read WEIGHT_SPECS from this module without importing torch.

_SHAREPOINT = "https://iiitaphyd-my.sharepoint.com/:u:/g/personal/radrabha_m_research_iiit_ac_in/"
_HF_MIRROR = "https://huggingface.co/numz/wav2lip_studio/resolve/main/Wav2lip/"

WEIGHT_SPECS = (
    WeightSpec(
        name="wav2lip",
        filename="wav2lip.pth",
        urls=(_SHAREPOINT + "Eb3LEzbfuKlJiR600lQWRxgBIY27JZg80f7V9jtMfbNDaQ?e=TBFBVW",
              _HF_MIRROR + "wav2lip.pth"),
        description="Wav2Lip generator (L1 + SyncNet loss), Prajwal et al. 2020, LRS2",
        license="research / non-commercial (Rudrabha/Wav2Lip README)",
    ),
    WeightSpec(
        name="wav2lip_gan",
        filename="wav2lip_gan.pth",
        urls=(_SHAREPOINT + "EdjI7bZlgApMqsVoEUUXpLsBxqXbn5z8VTmoxp55YNDcIA?e=n9ljGW",
              _HF_MIRROR + "wav2lip_gan.pth"),
        description="Wav2Lip generator trained with the visual-quality discriminator (Wav2Lip + GAN)",
        license="research / non-commercial (Rudrabha/Wav2Lip README)",
    ),
)


def read_checkpoint(path: str | Path) -> dict:
    """torch.load under ``weights_only=True``, with one-line errors for files that are not checkpoints."""
    import torch

    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WeightsInvalidError(f"{path}: not a loadable torch checkpoint ({first}); download it again") from None
    if not isinstance(state, dict):
        raise WeightsInvalidError(f"{path}: expected a state_dict or {{'state_dict': ...}}, got {type(state).__name__}")
    return state


def load_wav2lip(path: str | Path, device: str = "cpu") -> Wav2Lip:
    """A Wav2Lip in eval mode with the checkpoint at ``path`` (strict, mismatches listed)."""
    from .network import Wav2Lip, load_into

    model = Wav2Lip()
    load_into(model, read_checkpoint(path), str(path))
    return model.to(device).eval()
