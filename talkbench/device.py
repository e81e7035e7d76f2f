"""Device selection shared by every plugin (``--device auto|cpu|cuda|cuda:N|mps``)."""

from __future__ import annotations

import re

from talkbench.errors import TalkbenchError


def resolve_device(device: str | None = "auto") -> str:
    """``auto`` → ``cuda`` if available, else ``mps``, else ``cpu``; an explicit name must be one
    of cpu, cuda, cuda:N, mps and available here, or it is a one-line error with the fix."""
    import torch

    given = device
    device = (device or "auto").strip().lower()
    has_mps = bool(getattr(torch.backends, "mps", None) and torch.backends.mps.is_available())
    if device == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if has_mps:
            return "mps"
        return "cpu"
    if device == "cpu":
        return device
    if device == "cuda" or re.fullmatch(r"cuda:\d+", device):
        if not torch.cuda.is_available():
            raise TalkbenchError(f"--device {given}: CUDA is not available here; use --device cpu")
        if ":" in device and int(device.split(":")[1]) >= torch.cuda.device_count():
            n = torch.cuda.device_count()
            raise TalkbenchError(f"--device {given}: this machine has {n} CUDA device(s) (cuda:0..cuda:{n - 1})")
        return device
    if device == "mps":
        if not has_mps:
            raise TalkbenchError(f"--device {given}: Apple MPS is not available here; use --device cpu")
        return device
    hint = " (did you mean --device cuda?)" if device.startswith(("gpu", "nvidia", "cuda")) else ""
    raise TalkbenchError(f"--device {given}: unknown device; use auto, cpu, cuda, cuda:N or mps{hint}")


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
