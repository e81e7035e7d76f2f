"""The S3FD weight files and loading either key layout into either architecture.

``sfd_face.pth`` is syncnet_python's (``download_model.sh`` fetches it from the VGG group's
site; no checksum is published). face-alignment's ``s3fd-619a316812.pth`` is registered by
talkbench's core (``face_alignment_s3fd``: the fan backend uses it too) and is what TalkLip's
README tells users to save as ``face_detection/detection/sfd/s3fd.pth``; its name carries the
first hex digits of its sha256 (torch hub's convention; no full checksum is published).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from talkbench import WeightSpec, WeightsInvalidError, load_torch_checkpoint, resolve_weight

if TYPE_CHECKING:  # the network (torch) loads in load_net: `talkbench weights` lists SYNCNET_SPEC
    from talkbench_s3fd.net import S3FDNet  # without importing torch

#: the registered weights name of syncnet_python's detector (protocols.py's syncnet_python uses it)
SYNCNET_S3FD = "syncnet_python_s3fd"
SYNCNET_S3FD_FILE = "sfd_face.pth"
SYNCNET_S3FD_URL = "https://www.robots.ox.ac.uk/~vgg/software/lipsync/data/sfd_face.pth"
#: torch hub's file-name convention: s3fd-<first hex digits of the sha256>.pth
FA_S3FD_SHA256_PREFIX = "619a316812"

SYNCNET_SPEC = WeightSpec(
    name=SYNCNET_S3FD, filename=SYNCNET_S3FD_FILE, urls=(SYNCNET_S3FD_URL,),
    description="S3FD face detector of syncnet_python's run_pipeline.py (s3fd face backends)",
    license="MIT (syncnet_python)",
)


def weight_file(name: str) -> Path:
    """The local file for ``name``; one-line WeightsMissingError naming file, URL and place."""
    return resolve_weight(name)


@lru_cache(maxsize=4)
def load_net(path: str, arch: str, device: str = "cpu") -> S3FDNet:
    """An eval-mode S3FDNet of ``arch`` with the weights at ``path`` (either key layout)."""
    from talkbench_s3fd.net import S3FDNet, canonical_state_dict, key_layout

    state = load_torch_checkpoint(path, what="S3FD weights")
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    try:
        layout = key_layout(state)
        state = canonical_state_dict(state)
    except (KeyError, TypeError, ValueError) as exc:
        raise WeightsInvalidError(f"{path}: not an S3FD checkpoint ({exc}); pass sfd_face.pth or "
                                  "s3fd-619a316812.pth") from None
    net = S3FDNet(arch)
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise WeightsInvalidError(f"{path}: S3FD checkpoint ({layout} layout) lacks {missing[:3]} / "
                                  f"has unknown {unexpected[:3]}; download the file again")
    return net.to(device).eval()
