"""Device selection shared by every plugin (``--device auto|cpu|cuda|cuda:N|mps``)."""

from __future__ import annotations

from talkbench.errors import TalkbenchError


def resolve_device(device: str | None = "auto") -> str:
    """``auto`` → ``cuda`` if available, else ``mps``, else ``cpu``; validates explicit names."""
    import torch

    device = (device or "auto").lower()
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise TalkbenchError(f"--device {device}: CUDA is not available here; use --device cpu")
    return device


def autocast_dtype(device: str, precision: str = "auto"):
    """Mixed-precision dtype for inference/training: bf16 on CUDA, none on CPU unless asked."""
    import torch

    if precision == "fp32" or (precision == "auto" and not device.startswith("cuda")):
        return None
    return {"bf16": torch.bfloat16, "fp16": torch.float16, "auto": torch.bfloat16}[precision]


def make_accelerator(**kwargs):
    """An ``accelerate.Accelerator`` that trainers share, safe to build twice in one process.

    Accelerate keeps its state in a process-wide singleton, so a second training in the same
    process (a test session, a notebook, a sweep) with other settings (bf16 after fp32, say)
    would raise. Outside a multi-process launch (WORLD_SIZE unset or 1) the singleton is reset
    first; under torchrun/accelerate launch it is never touched.
    """
    import os

    from accelerate import Accelerator
    from accelerate.state import AcceleratorState

    if int(os.environ.get("WORLD_SIZE", "1")) == 1:
        AcceleratorState._reset_state(True)
    return Accelerator(**kwargs)
