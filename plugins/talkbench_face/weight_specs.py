"""ArcFace recognition models of insightface (ONNX), for CSIM. Never downloaded implicitly.

insightface distributes them inside model-pack zips; the file to extract is ``filename``.
insightface's own copy (``~/.insightface/models/<pack>/``) is found too.
"""

from __future__ import annotations

from pathlib import Path

from talkbench import WeightSpec

ARCFACE_R100 = "arcface-glintr100"
ARCFACE_R50 = "arcface-w600k-r50"

_REL = "https://github.com/deepinsight/insightface/releases/download/v0.7"
_HOME = Path("~/.insightface/models")
_LICENSE = "insightface models: non-commercial research use (deepinsight/insightface)"

SPECS = (
    WeightSpec(ARCFACE_R100, "glintr100.onnx", (f"{_REL}/antelopev2.zip",),
               description="ArcFace iresnet100 trained on Glint360K (insightface antelopev2 pack; "
                           "extract glintr100.onnx from the zip); 512-d embedding of 112×112 crops",
               license=_LICENSE, also_at=(str(_HOME / "antelopev2" / "glintr100.onnx"),)),
    WeightSpec(ARCFACE_R50, "w600k_r50.onnx", (f"{_REL}/buffalo_l.zip",),
               description="ArcFace iresnet50 trained on WebFace600K (insightface buffalo_l pack; "
                           "extract w600k_r50.onnx from the zip); 512-d embedding of 112×112 crops",
               license=_LICENSE, also_at=(str(_HOME / "buffalo_l" / "w600k_r50.onnx"),)),
)
