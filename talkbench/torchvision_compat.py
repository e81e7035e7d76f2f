"""The one place that makes torchvision importable next to the CPU torch wheel.

The torchvision 0.28.0 wheel on PyPI is built for CUDA torch; imported next to the CPU build of
torch 2.13.0 it fails with "operator torchvision::nms does not exist", because its Python code
registers fake kernels for C++ ops whose schemas the CPU torch never defined. Defining the two
schemas first lets the import succeed; nothing in talkbench calls nms. On a CUDA machine the
schemas already exist and this does nothing.
"""

from __future__ import annotations

import importlib
from types import ModuleType

_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_library = None  # keep the Library object alive: dropping it would unregister the schemas


def _define_missing_schemas() -> None:
    global _library
    import torch

    missing = []
    for op in _SCHEMAS:
        try:
            torch._C._dispatch_find_schema_or_throw(f"torchvision::{op}", "")
        except RuntimeError:
            missing.append(op)
    if not missing:
        return
    if _library is None:
        _library = torch.library.Library("torchvision", "DEF")
    for op in missing:
        _library.define(_SCHEMAS[op])


def import_torchvision() -> ModuleType:
    """``import torchvision``, defining the missing op schemas first when needed."""
    try:
        return importlib.import_module("torchvision")
    except RuntimeError as exc:
        if "does not exist" not in str(exc):
            raise
    _define_missing_schemas()
    import sys

    for mod in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
        del sys.modules[mod]
    return importlib.import_module("torchvision")
