"""Seeded random S3FD weights, bit-identical on every machine (numpy's PCG64 + ziggurat normals,
no platform maths), for fixtures that check the port against the reference code.

He-scaled convolutions keep activations alive through the 15 VGG layers (at the input's pixel
scale). The heads are rescaled so that face logits spread over a few units and box offsets stay
small: up on the three L2-normalised sources (unit-norm features), down on the three others
(``conf_gain`` widens the logits further). The scores mean nothing, but some cells clear the
references' 0.5 and 0.9 thresholds, so their thresholds and NMS have boxes to work on, and
softmax never saturates to exact ties at 1.0.
"""

from __future__ import annotations

import numpy as np
import torch

from talkbench_s3fd.net import S3FDNet


#: head weight scales on L2-normalised and on raw (pixel-scale) sources
_NORMALISED_GAIN = 3.0
_RAW_GAIN = 0.01


def random_state_dict(seed: int = 0, conf_gain: float = 1.0) -> dict[str, torch.Tensor]:
    """A state dict in this package's (face-alignment's) key layout."""
    rng = np.random.default_rng(seed)
    shapes = {k: tuple(v.shape) for k, v in S3FDNet("face_alignment").state_dict().items()}
    out = {}
    for key in sorted(shapes):
        shape = shapes[key]
        noise = rng.standard_normal(shape)
        if key.endswith("_norm.weight"):
            base = {"conv3_3_norm": 10.0, "conv4_3_norm": 8.0, "conv5_3_norm": 5.0}[key.split(".")[0]]
            value = base * (1.0 + 0.1 * noise)
        elif key.endswith(".weight"):
            fan_in = int(np.prod(shape[1:]))
            value = noise * np.sqrt(2.0 / fan_in)
            if "_mbox_" in key:
                normalised = key.startswith(("conv3_3_norm", "conv4_3_norm", "conv5_3_norm"))
                value = value * (_NORMALISED_GAIN if normalised else _RAW_GAIN)
                if "_mbox_conf" in key:
                    value = value * conf_gain
        else:
            value = 0.01 * noise
        out[key] = torch.from_numpy(value.astype(np.float32))
    return out


def state_sha256(state: dict[str, torch.Tensor]) -> str:
    """sha256 over the keys and raw float32 bytes, in sorted key order."""
    import hashlib

    h = hashlib.sha256()
    for key in sorted(state):
        h.update(key.encode())
        h.update(np.ascontiguousarray(state[key].numpy()).tobytes())
    return h.hexdigest()
