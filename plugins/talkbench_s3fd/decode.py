"""From S3FD's raw head outputs to boxes, in each reference's own arithmetic.

The references decode the same SSD parametrisation (centre offsets × 0.1 × anchor size, sizes
× exp(0.2 · offset)) with anchors of 4 × stride pixels centred on each cell, but in different
precisions and orders, and each suppresses overlaps its own way. A box one ulp off can move an
``int()``-truncated TalkLip box by a pixel, so each path keeps its reference's dtypes and
operation order:

- ``syncnet_python_detect``: the SSD "Detect" layer of syncnet_python's S3FDNet: softmax over the
  flattened (prior, class) layout, anchors normalised by the input size (float32), candidates
  with score > 0.05, greedy NMS (IoU > 0.3 suppressed, at most 5,000 candidates, 750 kept).
- ``candidates``: face-alignment's ``get_predictions`` (numpy: float32 offsets times float64
  anchors) or TalkLip's/Wav2Lip's ``batch_detect`` (torch float32): every cell whose face score
  exceeds 0.05 in *any* frame of the batch becomes a candidate of every frame, as theirs do.
- ``greedy_nms``: numpy greedy NMS in the input's dtype, with face-alignment's "+1" pixel areas
  or syncnet_python's plain ones.

The exponentials are taken per candidate, on arrays shaped as the reference's: torch and numpy
switch between scalar and SIMD ``exp`` by array length, and the two differ in the last bit.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

VARIANCES = (0.1, 0.2)
#: the anchor side of head k is MIN_SIZES[k] pixels, its cell STEPS[k] pixels
MIN_SIZES = (16, 32, 64, 128, 256, 512)
STEPS = (4, 8, 16, 32, 64, 128)


# -- syncnet_python: the Detect layer inside its S3FDNet -----------------------------------------

def _normalised_priors(input_hw: tuple[int, int], feature_maps: list[tuple[int, int]]) -> torch.Tensor:
    """Anchors (cx, cy, w, h) as fractions of the input, computed in double, stored float32."""
    imh, imw = input_hw
    rows = []
    for k, (fh, fw) in enumerate(feature_maps):
        j, i = np.meshgrid(np.arange(fw, dtype=np.float64), np.arange(fh, dtype=np.float64))
        cx = (j.ravel() + 0.5) / (imw / STEPS[k])
        cy = (i.ravel() + 0.5) / (imh / STEPS[k])
        rows.append(np.stack([cx, cy, np.full_like(cx, MIN_SIZES[k] / imw),
                              np.full_like(cx, MIN_SIZES[k] / imh)], axis=1))
    return torch.from_numpy(np.concatenate(rows).astype(np.float32))


def _decode_torch(loc: torch.Tensor, priors: torch.Tensor) -> torch.Tensor:
    """SSD decode to corner form, float32, in the reference's operation order."""
    centre = priors[..., :2] + loc[..., :2] * VARIANCES[0] * priors[..., 2:]
    size = priors[..., 2:] * torch.exp(loc[..., 2:] * VARIANCES[1])
    boxes = torch.cat((centre, size), -1)
    boxes[..., :2] -= boxes[..., 2:] / 2
    boxes[..., 2:] += boxes[..., :2]
    return boxes


def _torch_nms(boxes: torch.Tensor, scores: torch.Tensor, overlap: float, top_k: int) -> list[int]:
    """Greedy NMS over the ``top_k`` best candidates; indices into ``boxes``, best first."""
    if boxes.numel() == 0:
        return []
    x1, y1, x2, y2 = boxes.unbind(1)
    area = (x2 - x1) * (y2 - y1)
    _, order = scores.sort(0)  # ascending: the best candidate is last
    order = order[-top_k:]
    keep = []
    while order.numel() > 0:
        best = order[-1]
        keep.append(int(best))
        if order.numel() == 1:
            break
        order = order[:-1]
        w = (torch.clamp(x2[order], max=x2[best]) - torch.clamp(x1[order], min=x1[best])).clamp(min=0.0)
        h = (torch.clamp(y2[order], max=y2[best]) - torch.clamp(y1[order], min=y1[best])).clamp(min=0.0)
        inter = w * h
        iou = inter / ((area[order] - inter) + area[best])
        order = order[iou.le(overlap)]
    return keep


def syncnet_python_detect(outputs: list[torch.Tensor], input_hw: tuple[int, int], *,
                          conf_thresh: float = 0.05, nms_thresh: float = 0.3,
                          nms_top_k: int = 5000, top_k: int = 750) -> torch.Tensor:
    """N×2×top_k×5 (score, x1, y1, x2, y2 as fractions of the input), class 1 = face, rows in
    NMS order and zero-padded: what syncnet_python's ``S3FDNet.forward`` returns."""
    cls, reg = outputs[0::2], outputs[1::2]
    n = cls[0].shape[0]
    feature_maps = [tuple(r.shape[2:]) for r in reg]
    loc = torch.cat([r.permute(0, 2, 3, 1).contiguous().view(n, -1) for r in reg], 1).view(n, -1, 4)
    conf = torch.cat([c.permute(0, 2, 3, 1).contiguous().view(n, -1) for c in cls], 1)
    conf = torch.softmax(conf.view(n, -1, 2), dim=-1).transpose(2, 1)
    priors = _normalised_priors(input_hw, feature_maps)
    decoded = _decode_torch(loc.reshape(-1, 4), priors.repeat(n, 1)).view(n, -1, 4)
    out = torch.zeros(n, 2, top_k, 5)
    for b in range(n):
        mask = conf[b, 1].gt(conf_thresh)
        scores, boxes = conf[b, 1][mask], decoded[b][mask]
        keep = _torch_nms(boxes, scores, nms_thresh, nms_top_k)[:top_k]
        if keep:
            idx = torch.tensor(keep)
            out[b, 1, :len(keep)] = torch.cat((scores[idx].unsqueeze(1), boxes[idx]), 1)
    return out


# -- face-alignment and TalkLip: per-cell candidates in pixels -----------------------------------

def softmax_classes(outputs: list[torch.Tensor]) -> list[torch.Tensor]:
    """The heads with each classification map soft-maxed over its two classes (dim 1)."""
    return [F.softmax(o, dim=1) if i % 2 == 0 else o for i, o in enumerate(outputs)]


def candidates(outputs: list[torch.Tensor], style: str, min_score: float = 0.05) -> np.ndarray:
    """B×N×5 (x1, y1, x2, y2, score) pixel boxes of every candidate cell, in the reference's
    order: head by head, then the batch's (frame, row, column) positions above ``min_score``.

    ``style`` "face_alignment": numpy, float32 offsets × float64 anchors (float64 result);
    "talklip": torch float32 throughout (float32 result). No candidate gives B×0×5 (TalkLip's
    code makes one all-zero row instead, which its 0.5 threshold then drops: the same result)."""
    if style not in ("face_alignment", "talklip"):
        raise ValueError(f"candidate style {style!r}: use face_alignment or talklip")
    outs = [o.detach().cpu() for o in softmax_classes(outputs)]
    batch = outs[0].shape[0]
    per_head = []
    for k in range(len(outs) // 2):
        ocls, oreg = outs[2 * k], outs[2 * k + 1]
        stride = 2 ** (k + 2)
        _, hs, ws = np.where(ocls[:, 1].numpy() > min_score)
        if len(hs) == 0:
            continue
        score = ocls[:, 1, hs, ws].T  # N×B
        loc = oreg[:, :, hs, ws].permute(2, 0, 1)  # N×B×4
        cx = stride / 2 + ws.astype(np.int64) * stride
        cy = stride / 2 + hs.astype(np.int64) * stride
        if style == "face_alignment":
            per_head.append(_fa_boxes(loc.numpy(), score.numpy(), cx, cy, stride))
        else:
            per_head.append(_talklip_boxes(loc, score, cx, cy, stride))
    if not per_head:
        dtype = np.float64 if style == "face_alignment" else np.float32
        return np.zeros((batch, 0, 5), dtype=dtype)
    return np.concatenate(per_head, axis=0).transpose(1, 0, 2)


def _fa_boxes(loc: np.ndarray, score: np.ndarray, cx: np.ndarray, cy: np.ndarray, stride: int) -> np.ndarray:
    """face-alignment's numpy decode: N×B×5 float64."""
    priors = np.stack([cx, cy, np.full(len(cx), stride * 4.0), np.full(len(cx), stride * 4.0)], 1)
    priors = priors.astype(np.float64)[:, None, :]  # N×1×4 against N×B×4 offsets
    centre = priors[..., :2] + loc[..., :2] * VARIANCES[0] * priors[..., 2:]
    scaled = loc[..., 2:] * VARIANCES[1]
    size = priors[..., 2:] * np.stack([np.exp(s) for s in scaled])  # per candidate, as theirs
    boxes = np.concatenate((centre, size), -1)
    boxes[..., :2] -= boxes[..., 2:] / 2
    boxes[..., 2:] += boxes[..., :2]
    return np.concatenate((boxes, score[..., None]), -1)


def _talklip_boxes(loc: torch.Tensor, score: torch.Tensor, cx, cy, stride: int) -> np.ndarray:
    """TalkLip's (Wav2Lip's) torch float32 batch decode: N×B×5 float32."""
    n = len(cx)
    priors = torch.from_numpy(np.stack([cx, cy, np.full(n, stride * 4.0), np.full(n, stride * 4.0)], 1)
                              .astype(np.float32))[:, None, :]
    centre = priors[..., :2] + loc[..., :2] * VARIANCES[0] * priors[..., 2:]
    scaled = loc[..., 2:] * VARIANCES[1]
    size = priors[..., 2:] * torch.stack([torch.exp(s.contiguous().view(-1, 1, 2)).view(-1, 2) for s in scaled])
    boxes = torch.cat((centre, size), -1)
    boxes[..., :2] -= boxes[..., 2:] / 2
    boxes[..., 2:] += boxes[..., :2]
    return torch.cat([boxes, score[..., None]], -1).numpy()


def greedy_nms(dets: np.ndarray, thresh: float, plus_one: bool) -> list[int]:
    """Greedy NMS of rows (x1, y1, x2, y2, score) in their dtype; kept indices, best first.

    ``plus_one``: pixel-inclusive areas (face-alignment, TalkLip), else plain (syncnet_python)."""
    if len(dets) == 0:
        return []
    x1, y1, x2, y2, scores = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3], dets[:, 4]
    one = 1 if plus_one else 0
    areas = (x2 - x1 + one) * (y2 - y1 + one) if plus_one else (x2 - x1) * (y2 - y1)
    order = scores.argsort()[::-1]
    keep = []
    while order.size > 0:
        best, rest = order[0], order[1:]
        keep.append(int(best))
        w = np.maximum(0.0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]) + one) \
            if plus_one else np.maximum(0.0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]))
        h = np.maximum(0.0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]) + one) \
            if plus_one else np.maximum(0.0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]))
        inter = w * h
        overlap = inter / (areas[best] + areas[rest] - inter)
        order = rest[np.flatnonzero(overlap <= thresh)]
    return keep
