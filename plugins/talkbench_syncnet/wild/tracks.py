"""IoU face tracking within a shot, as run_pipeline's ``track_shot`` (same order, same quirks).

Per pass over the shot's frames a track grows greedily: the first face seen starts it; a later
face joins when its frame is at most ``num_failed_det`` frames after the track's last face and
their IoU exceeds ``iou_thres``; a face more than ``num_failed_det`` frames later ends the scan
of that frame. Passes repeat until one finds no face left. The reference removes a face from
the frame's list while iterating over that list, so the face right after a taken one is not
looked at in that pass: repeated here on purpose (it decides which of two overlapping faces a
track gets). Tracks with more than ``min_track`` detections are interpolated linearly over
their missing frames (scipy ``interp1d``) and kept when max(mean width, mean height) exceeds
``min_face_size``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.interpolate import interp1d


@dataclass
class Track:
    frames: np.ndarray   # consecutive frame numbers of the converted video
    boxes: np.ndarray    # len(frames)×4 float64 x1, y1, x2, y2 (interpolated where not detected)
    detected: int        # how many of the frames had a detection

    @property
    def start(self) -> int:
        return int(self.frames[0])

    @property
    def end(self) -> int:
        return int(self.frames[-1])


def iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / float((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _grow(pool: list[list[tuple[int, list[float]]]], num_failed_det: int, iou_thres: float) -> list:
    track: list[tuple[int, list[float]]] = []
    for faces in pool:
        i = 0
        while i < len(faces):
            frame, box = faces[i]
            if track and frame - track[-1][0] > num_failed_det:
                break
            if not track or iou(box, track[-1][1]) > iou_thres:
                track.append(faces.pop(i))
                i += 1  # the reference's list iterator steps over the face that moved into slot i
                continue
            i += 1
    return track


def track_shot(detections: list[list[list[float]]], start: int, end: int, *, min_track: int = 100,
               num_failed_det: int = 25, iou_thres: float = 0.5, min_face_size: float = 100.0,
               grow=None) -> list[Track]:
    """Tracks in frames [start, end) of ``detections`` (per frame: [[x1, y1, x2, y2, score], ...]).

    ``grow``: the per-pass track builder (default: run_pipeline's ``_grow``; peers with another
    loop, e.g. MoChaBench's, pass theirs)."""
    grow = grow or _grow
    pool = [[(f, [float(v) for v in d[:4]]) for d in detections[f]] for f in range(start, min(end, len(detections)))]
    tracks = []
    while True:
        track = grow(pool, num_failed_det, iou_thres)
        if not track:
            return tracks
        if len(track) <= min_track:
            continue
        frame_num = np.array([f for f, _ in track])
        boxes = np.array([b for _, b in track])
        frames = np.arange(frame_num[0], frame_num[-1] + 1)
        interp = np.stack([interp1d(frame_num, boxes[:, j])(frames) for j in range(4)], axis=1)
        size = max(np.mean(interp[:, 2] - interp[:, 0]), np.mean(interp[:, 3] - interp[:, 1]))
        if size > min_face_size:
            tracks.append(Track(frames, interp, len(track)))


def all_tracks(detections: list[list[list[float]]], shots: list[tuple[int, int]], **kw) -> list[Track]:
    """Every track of every shot spanning at least ``min_track`` frames, in shot order."""
    min_track = kw.get("min_track", 100)
    out: list[Track] = []
    for a, b in shots:
        if b - a >= min_track:
            out.extend(track_shot(detections, a, b, **kw))
    return out
