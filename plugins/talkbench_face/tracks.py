"""Face tracks of both videos through talkbench.faces, paired frame by frame."""

from __future__ import annotations

import numpy as np

from talkbench import ClipFailure, Clip, Option

FACE_OPTIONS = (
    Option("face_backend", str, "dlib", "talkbench.faces backend for the landmarks: dlib "
           "(offline) or fan (face-alignment, as the reference scripts)", choices=("dlib", "fan", "auto")),
)


def paired_tracks(generated: Clip, reference: Clip | None, backend: str, what: str):
    """(gen frames, ref frames, gen track, ref track, n): both tracked on their own pixels."""
    from talkbench.faces import track_faces

    if reference is None:
        raise ClipFailure(f"clip {generated.id}: {what} needs the ground-truth video")
    n = min(generated.num_frames, reference.num_frames)
    if n == 0:
        raise ClipFailure(f"clip {generated.id}: no frames")
    gt = track_faces(generated, backend=backend)
    rt = track_faces(reference, backend=backend)
    return generated.frames[:n], reference.frames[:n], gt, rt, n


def detected(track, n: int) -> np.ndarray:
    """Frames where the detector really saw the face (not interpolated or filled)."""
    return np.asarray(track.found[:n], dtype=bool)
