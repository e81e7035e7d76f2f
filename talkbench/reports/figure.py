"""Figure strips like the paper's Figure 2: GT and each model, chosen frames, mouth zooms.

Rows are methods (GT first), columns the chosen frames; under each method a row of mouth-region
zooms. Column headers give the frame index and the syllable spoken then (when the clip has
timing meta). Text is drawn with PIL; the PNG is written atomically.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from talkbench.atomic import atomic_path
from talkbench.errors import TalkbenchError
from talkbench.reports.naming import display_model, row_key
from talkbench.reports.selection import select_runs

BG = (255, 255, 255)
INK = (20, 20, 20)
MISSING = (200, 200, 200)


@dataclass
class FigureLayout:
    """Where things went (tests and callers check that every label was drawn)."""

    size: tuple[int, int] = (0, 0)
    labels: list[tuple[str, tuple[int, int, int, int]]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1: bitmap font only
        return ImageFont.load_default()


def syllable_at(meta: dict, t: float) -> str | None:
    for s in meta.get("syllables") or ():
        if s["start"] <= t < s["end"]:
            return s["text"]
    return None


def mouth_box(meta: dict, frame_idx: int, shape: tuple[int, int]) -> tuple[float, float, float, float]:
    """Square around the lips (landmarks 48-67), else the lower middle of the face box/frame."""
    h, w = shape
    lm = meta.get("landmarks")
    if isinstance(lm, np.ndarray) and lm.ndim == 3 and frame_idx < len(lm):
        pts = lm[frame_idx, 48:68]
        (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
        # one zoom for the whole clip (the widest mouth), so open and closed frames compare
        extent = (lm[:, 48:68].max(1) - lm[:, 48:68].min(1)).max()
        cx, cy, side = (x0 + x1) / 2, (y0 + y1) / 2, 1.5 * max(float(extent), 8.0)
    else:
        box = meta.get("boxes")
        if isinstance(box, np.ndarray) and frame_idx < len(box):
            bx0, by0, bx1, by1 = box[frame_idx]
        else:
            bx0, by0, bx1, by1 = 0, 0, w, h
        cx, cy, side = (bx0 + bx1) / 2, by0 + 0.75 * (by1 - by0), 0.5 * (bx1 - bx0)
    return cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2


def _crop(frame: np.ndarray, box, scale: tuple[float, float], tile: int) -> np.ndarray:
    sx, sy = scale
    x0, y0, x1, y1 = box[0] * sx, box[1] * sy, box[2] * sx, box[3] * sy
    h, w = frame.shape[:2]
    # an affine warp handles boxes that cross the border (padded with grey)
    m = np.array([[tile / (x1 - x0), 0, -x0 * tile / (x1 - x0)], [0, tile / (y1 - y0), -y0 * tile / (y1 - y0)]])
    return cv2.warpAffine(frame, m, (tile, tile), flags=cv2.INTER_CUBIC, borderValue=MISSING)


def _tile(frame: np.ndarray, tile: int) -> np.ndarray:
    h, w = frame.shape[:2]
    s = tile / max(h, w)
    img = cv2.resize(frame, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    out = np.full((tile, tile, 3), 255, np.uint8)
    oy, ox = (tile - img.shape[0]) // 2, (tile - img.shape[1]) // 2
    out[oy : oy + img.shape[0], ox : ox + img.shape[1]] = img
    return out


def compose_strip(
    clips: Sequence[dict[str, Any]], frames: Sequence[int], tile: int = 160, zoom: bool = True,
) -> tuple[Image.Image, FigureLayout]:
    """``clips``: [{"id", "meta", "fps", "rows": [(label, T×H×W×3 array or None)]}] (GT row first)."""
    font, small = _font(max(12, tile // 10)), _font(max(10, tile // 13))
    label_w = int(tile * 0.9)
    head_h = max(22, tile // 6)
    n_rows = sum(len(c["rows"]) * (2 if zoom else 1) for c in clips)
    width = label_w + len(frames) * tile
    height = len(clips) * 2 * head_h + n_rows * tile
    canvas = Image.new("RGB", (width, height), BG)
    draw = ImageDraw.Draw(canvas)
    layout = FigureLayout(size=(width, height))

    def text(xy, s, f=font):
        draw.text(xy, s, fill=INK, font=f)
        layout.labels.append((s, tuple(int(v) for v in draw.textbbox(xy, s, font=f))))

    y = 0
    for clip in clips:
        text((4, y + 3), f"clip {clip['id']}", font)
        y += head_h
        gt_frames = clip["rows"][0][1]
        for k, f in enumerate(frames):
            syl = syllable_at(clip.get("meta") or {}, f / clip.get("fps", 25.0))
            text((label_w + k * tile + 4, y + 3), f"frame {f}" + (f"  /{syl}/" if syl else ""), small)
        y += head_h
        ref_shape = gt_frames.shape[1:3] if gt_frames is not None else None
        for label, arr in clip["rows"]:
            row_specs = [(label, False)] + ([(f"{label}\n(mouth)", True)] if zoom else [])
            for row_label, is_zoom in row_specs:
                text((4, y + tile // 2 - 10), row_label, small if is_zoom else font)
                for k, f in enumerate(frames):
                    x = label_w + k * tile
                    if arr is None or f >= len(arr):
                        canvas.paste(MISSING, (x + 1, y + 1, x + tile - 1, y + tile - 1))
                        layout.missing.append(f"{clip['id']}:{label}:{f}")
                        continue
                    frame = arr[f]
                    if is_zoom:
                        shape = ref_shape or frame.shape[:2]
                        box = mouth_box(clip.get("meta") or {}, f, shape)
                        scale = (frame.shape[1] / shape[1], frame.shape[0] / shape[0])
                        img = _crop(frame, box, scale, tile)
                    else:
                        img = _tile(frame, tile)
                    canvas.paste(Image.fromarray(img), (x, y))
                y += tile
    return canvas, layout


def save_png(image: Image.Image, path: str | Path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG")
    return path


def _video_of(record: dict, clip_id: str) -> Path | None:
    run_dir = Path(record["_path"]).parent
    videos = (record.get("model") or {}).get("videos_dir")
    for cand in ((Path(videos) / f"{clip_id}.mp4") if videos else None, run_dir / "videos" / f"{clip_id}.mp4"):
        if cand is not None and cand.is_file():
            return cand
    return None


def _reference(record: dict, clip_id: str):
    import talkbench

    ds = record["dataset"]
    dataset = talkbench.get_dataset(ds["name"])(root=ds.get("root"), **(ds.get("options") or {}))
    ids = dataset.clip_ids(ds["split"])
    if clip_id not in ids:
        raise TalkbenchError(f"clip {clip_id!r} is not in {ds['name']}/{ds['split']}; e.g. {', '.join(ids[:3])}")
    return dataset.load_clip(ds["split"], clip_id)


def render_figure(
    records: list[dict], clips: Sequence[str], frames: Sequence[int], out: str | Path, *,
    models: Sequence[str] | None = None, dataset: str | None = None, tile: int = 160, zoom: bool = True,
) -> FigureLayout:
    """Write the strip PNG for ``clips`` × ``frames`` from the latest run of each model."""
    from talkbench.io import read_frames

    runs = select_runs(records, models=models, datasets=[dataset] if dataset else None)
    runs = [r for r in runs if any(_video_of(r, c) for c in clips)]
    if not runs:
        raise TalkbenchError(f"no run has videos for clips {', '.join(clips)}; run `talkbench run` first")
    ds_name = dataset or runs[0]["dataset"]["name"]
    runs = [r for r in runs if r["dataset"]["name"] == ds_name and row_key(r) != "gt"]
    if models:
        runs.sort(key=lambda r: [m for m in models].index(row_key(r)) if row_key(r) in models else len(models))
    ref_record = runs[0] if runs else next(r for r in records if r["dataset"]["name"] == ds_name)
    blocks = []
    for cid in clips:
        ref = _reference(ref_record, cid)
        bad = [f for f in frames if not 0 <= f < ref.num_frames]
        if bad:
            raise TalkbenchError(f"clip {cid} has {ref.num_frames} frames; frame(s) {bad} are out of range")
        rows: list[tuple[str, np.ndarray | None]] = [("GT", ref.frames)]
        for r in runs:
            video = _video_of(r, cid)
            rows.append((display_model(row_key(r)), read_frames(video)[0] if video else None))
        blocks.append({"id": cid, "meta": ref.meta, "fps": ref.fps, "rows": rows})
    image, layout = compose_strip(blocks, frames, tile=tile, zoom=zoom)
    save_png(image, out)
    return layout
