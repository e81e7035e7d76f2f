"""face-alignment's two weight files, registered in talkbench's weights registry.

The names, files and URLs are the ones face-alignment 1.4/1.5 downloads itself
(``face_alignment/api.py`` models_urls['2DFAN-4'] and ``detection/sfd/sfd_detector.py``).
torch hub keeps them in ``<torch hub dir>/checkpoints``, so a copy already downloaded by
face-alignment is found there too (``also_at``).
"""

from __future__ import annotations

import os
from pathlib import Path

from talkbench.weights import WeightSpec

S3FD = "face_alignment_s3fd"
FAN_2D = "face_alignment_2dfan4"
S3FD_FILE = "s3fd-619a316812.pth"
FAN_2D_FILE = "2DFAN4-11f355bf06.pth.tar"
S3FD_URL = "https://www.adrianbulat.com/downloads/python-fan/s3fd-619a316812.pth"
FAN_2D_URL = "https://www.adrianbulat.com/downloads/python-fan/2DFAN4-11f355bf06.pth.tar"


def torch_hub_checkpoints() -> Path:
    """Where torch hub (and so face-alignment) caches downloads, without importing torch."""
    hub = os.environ.get("TORCH_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch"
    )
    return Path(hub) / "hub" / "checkpoints"


def fan_weight_specs() -> list[WeightSpec]:
    ckpt = torch_hub_checkpoints()
    return [
        WeightSpec(
            name=S3FD, filename=S3FD_FILE, urls=(S3FD_URL,),
            description="S3FD face detector used by face-alignment (fan face backend)",
            license="BSD-3-Clause (face-alignment)", also_at=(str(ckpt / S3FD_FILE),),
        ),
        WeightSpec(
            name=FAN_2D, filename=FAN_2D_FILE, urls=(FAN_2D_URL,),
            description="2D-FAN-4 68-point landmark network (fan face backend, the paper's choice)",
            license="BSD-3-Clause (face-alignment)", also_at=(str(ckpt / FAN_2D_FILE),),
        ),
    ]
