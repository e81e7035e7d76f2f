"""TalkLip weight files and loading an official-layout checkpoint into ``TalkLip``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from talkbench import WeightSpec

if TYPE_CHECKING:
    from .network import TalkLip

# the networks (torch) load inside load_talklip: `talkbench weights` / `models` read WEIGHT_SPECS
# without importing torch.

_DRIVE = "https://drive.google.com/file/d/{}/view?usp=share_link"

WEIGHT_SPECS = (
    WeightSpec(
        name="talklip",
        filename="talklip_gc.pth",
        urls=(_DRIVE.format("1nfPHicsHr2bOzvkdyoMk_GCYzJ3fqvI-"),),
        description="TalkLip (g+c): global AV-HuBERT audio encoder + contrastive learning (LRS2)",
        license="see Sxjdwang/TalkLip",
    ),
    WeightSpec(
        name="talklip_g",
        filename="talklip_g.pth",
        urls=(_DRIVE.format("1iBXJmkS8rjzTBE6XOC3-XiXufEK2f1dj"),),
        description="TalkLip (g): global AV-HuBERT audio encoder, no contrastive loss (LRS2)",
        license="see Sxjdwang/TalkLip",
    ),
)


def load_talklip(path: str | Path, device: str = "cpu", heads: int = 0) -> TalkLip:
    """TalkLip in eval mode from an official checkpoint (strict; mismatches listed in one line)."""
    from talkbench_wav2lip.network import load_into
    from talkbench_wav2lip.weights import read_checkpoint

    from .network import TalkLip, from_talklip_state, infer_config

    state = from_talklip_state(read_checkpoint(path))
    model = TalkLip(infer_config(state, heads))
    load_into(model, state, str(path))
    return model.to(device).eval()
