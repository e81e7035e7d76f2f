"""Seeded random ArcFace-layout ONNX graphs (input 'input.1' N×3×112×112, one 512-d output)
and the same computation in PyTorch, for checking the onnxruntime path without the real file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper


def random_weights(seed: int = 0, dim: int = 512) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {"conv_w": rng.normal(0, 0.2, (16, 3, 3, 3)).astype(np.float32),
            "conv_b": rng.normal(0, 0.1, 16).astype(np.float32),
            "fc_w": rng.normal(0, 0.2, (dim, 16)).astype(np.float32),
            "fc_b": rng.normal(0, 0.1, dim).astype(np.float32)}


def write_graph(path: Path, w: dict[str, np.ndarray], self_normalising: bool = False) -> Path:
    """Conv → Relu → GlobalAveragePool → Flatten → Gemm; optionally Sub 127.5 / Mul 1/127.5
    first (the graphs insightface feeds raw pixels to)."""
    nodes, inits, x = [], [numpy_helper.from_array(v, k) for k, v in w.items()], "input.1"
    if self_normalising:
        inits += [numpy_helper.from_array(np.array(127.5, np.float32), "m"),
                  numpy_helper.from_array(np.array(1 / 127.5, np.float32), "s")]
        nodes += [helper.make_node("Sub", [x, "m"], ["sub"]), helper.make_node("Mul", ["sub", "s"], ["mul"])]
        x = "mul"
    nodes += [helper.make_node("Conv", [x, "conv_w", "conv_b"], ["c"], strides=[2, 2], pads=[1, 1, 1, 1]),
              helper.make_node("Relu", ["c"], ["r"]), helper.make_node("GlobalAveragePool", ["r"], ["p"]),
              helper.make_node("Flatten", ["p"], ["f"]),
              helper.make_node("Gemm", ["f", "fc_w", "fc_b"], ["683"], transB=1)]
    graph = helper.make_graph(
        nodes, "arcface_random",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, ["None", 3, 112, 112])],
        [helper.make_tensor_value_info("683", TensorProto.FLOAT, ["None", w["fc_b"].shape[0]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def torch_embed(crops_rgb: np.ndarray, w: dict[str, np.ndarray]) -> np.ndarray:
    """The same network in PyTorch on N×112×112×3 uint8 RGB crops, insightface's normalisation."""
    x = torch.from_numpy((crops_rgb.astype(np.float32) - 127.5) / 127.5).permute(0, 3, 1, 2)
    t = {k: torch.from_numpy(v) for k, v in w.items()}
    y = F.relu(F.conv2d(x, t["conv_w"], t["conv_b"], stride=2, padding=1)).mean(dim=(2, 3))
    return (y @ t["fc_w"].T + t["fc_b"]).double().numpy()
