"""Linear layers for inference with weights prepacked once (oneDNN on CPU, float32).

Why: the beam search's GEMMs are small (rows = clips × beams, 256–4096 wide). On the AVX-512
machine this was measured on, torch's default CPU GEMM (MKL) ran them at ~80 GFLOPS while
oneDNN's prepacked GEMM reached ~140 at 40 rows and ~200 at 400 rows. oneDNN's result is also
batch-invariant: a row's output is bitwise the same whatever the number of rows in the call
(checked at 1–400 rows; MKL differs at 1 row), so a clip decoded alone and in a batch sees the
same numbers (tests/avhubert/test_step_decoder.py checks it).

``torch.ops.mkldnn._linear_pointwise`` is the op torch's own CPU compiler (inductor) emits for
a prepacked linear. Where it is missing (no oneDNN build, another device, another dtype) or
refuses the weights, :func:`linear_fn` falls back to ``F.linear`` with the same (concatenated)
weights.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

#: typical rows per call (a hint for oneDNN's weight layout; results do not depend on it)
ROWS_HINT = 40


def _onednn_ok(weight: torch.Tensor) -> bool:
    return (weight.device.type == "cpu" and weight.dtype == torch.float32
            and torch.backends.mkldnn.is_available()
            and hasattr(torch.ops.mkldnn, "_linear_pointwise")
            and hasattr(torch.ops.mkldnn, "_reorder_linear_weight"))


def linear_fn(weight: torch.Tensor, bias: torch.Tensor | None, relu: bool = False
              ) -> Callable[[torch.Tensor], torch.Tensor]:
    """``x (N, in) -> relu?(x @ weight.T + bias)`` with ``weight`` copied into a prepacked
    layout once. Inference only (no autograd through the packed weight)."""
    weight, bias = weight.detach(), None if bias is None else bias.detach()
    if _onednn_ok(weight):
        try:
            packed = torch.ops.mkldnn._reorder_linear_weight(weight.contiguous(), ROWS_HINT)
            attr = "relu" if relu else "none"
            op = torch.ops.mkldnn._linear_pointwise
            # one row through both GEMMs: a layout this build gets wrong falls back
            probe = torch.linspace(-1, 1, weight.shape[1]).unsqueeze(0)
            ref = F.linear(probe, weight, bias)
            got = op(probe, packed, bias, attr, [], "")
            if torch.allclose(got, F.relu(ref) if relu else ref, rtol=1e-4, atol=1e-4):
                return lambda x: op(x, packed, bias, attr, [], "")
        except RuntimeError:  # this build refuses the op: the plain GEMM below
            pass
    if relu:
        return lambda x: F.relu(F.linear(x, weight, bias))
    return lambda x: F.linear(x, weight, bias)
