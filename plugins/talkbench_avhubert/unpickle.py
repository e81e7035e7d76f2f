"""Read fairseq checkpoints without fairseq: fairseq classes become inert stubs.

A fairseq checkpoint pickles a ``fairseq.data.dictionary.Dictionary`` in ``task_state`` (and,
in older files, enums or omegaconf objects in ``cfg``), so a plain ``torch.load`` needs fairseq
importable and ``weights_only=True`` refuses the file. Here every global the file names that
torch does not already allow is mapped to an inert ``Stub`` that only keeps its pickled state,
and the file is read with ``weights_only=True``: no code from the file runs. Legacy non-zip
files fall back to a restricted unpickler with the same stubs.
"""

from __future__ import annotations

import pickle
import types
from pathlib import Path
from typing import Any

import torch

# Legacy (non-zip) files only: globals the fallback unpickler resolves for real.
_ALLOWED_PREFIXES = ("torch", "collections", "numpy", "copyreg", "_codecs")
_SAFE_BUILTINS = {"set", "frozenset", "slice", "range", "complex", "bytearray", "bytes", "dict",
                  "list", "tuple", "int", "float", "str", "bool", "object"}


class Stub:
    """Stand-in for a class we must not import: keeps constructor args and pickled state."""

    _stub_name = "?"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._args, self._kwargs = args, kwargs

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict):
            self.__dict__.update(state)
        else:
            self.__dict__["_state"] = state

    def __repr__(self) -> str:
        return f"<stub {self._stub_name}>"


_stub_classes: dict[str, type] = {}


def _stub_for(module: str, name: str) -> type:
    key = f"{module}.{name}"
    if key not in _stub_classes:
        _stub_classes[key] = type(name, (Stub,), {"_stub_name": key, "__module__": "stub." + module})
    return _stub_classes[key]


class StubbingUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] in _ALLOWED_PREFIXES or (module == "builtins" and name in _SAFE_BUILTINS):
            return super().find_class(module, name)
        return _stub_for(module, name)


# torch.load wants a module-like object with an Unpickler (and load) attribute.
stub_pickle = types.SimpleNamespace(Unpickler=StubbingUnpickler, load=pickle.load,
                                    __name__="talkbench_avhubert.stub_pickle")


def plain(obj: Any) -> Any:
    """Replace stubs by plain values: an enum-like stub becomes its value, others a dict."""
    if isinstance(obj, Stub):
        # omegaconf containers/nodes (cfg saved as a DictConfig): their value is in _content/_val
        if "_content" in obj.__dict__:
            return plain(obj.__dict__["_content"])
        if "_val" in obj.__dict__:
            return plain(obj.__dict__["_val"])
        if getattr(obj, "_args", None) and len(obj._args) == 1 and not obj.__dict__.get("_state"):
            extra = {k: v for k, v in obj.__dict__.items() if not k.startswith("_")}
            if not extra:
                return plain(obj._args[0])
        return {k: plain(v) for k, v in obj.__dict__.items() if not k.startswith("_")}
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain(v) for v in obj)
    return obj


def load_fairseq_checkpoint(path: str | Path) -> dict[str, Any]:
    """The checkpoint's top-level dict with tensors on CPU and fairseq objects stubbed."""
    path = str(path)
    try:
        unsafe = torch.serialization.get_unsafe_globals_in_checkpoint(path)
    except (RuntimeError, ValueError, pickle.UnpicklingError):
        unsafe = None  # not a zip checkpoint: legacy format
    if unsafe is None:
        return torch.load(path, map_location="cpu", pickle_module=stub_pickle, weights_only=False)
    stubs = [(_stub_for(*name.rsplit(".", 1)), name) for name in unsafe if "." in name]
    with torch.serialization.safe_globals(stubs):
        return torch.load(path, map_location="cpu", weights_only=True)
