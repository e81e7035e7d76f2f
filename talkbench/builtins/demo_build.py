"""Builds the demo dataset deterministically into ``$TALKBENCH_HOME/demo/<version>-<size>/``.

Everything derives from seeded generators, so two builds give byte-identical files. The build
goes to a temporary sibling directory that is renamed into place at the end: a reader never
sees half a dataset, and two processes building at once simply keep the first finished copy.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from talkbench import sha256_file, talkbench_home, write_video

if TYPE_CHECKING:
    from talkbench.builtins import demo_face as face

# The drawing (cv2) and speech synthesis (scipy.signal) modules load in the functions that
# build the dataset: the ``demo`` dataset class (`talkbench datasets`) and reading an already
# built demo import this module without them.

DEMO_VERSION = "v1"
FPS = 25.0
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class DemoConfig:
    size: int = 128
    n_speakers: int = 4
    clips_per_speaker: int = 8
    seconds: float = 3.0

    @property
    def n_test(self) -> int:
        """Test clips per speaker (a quarter, at least one); the rest are train."""
        return max(1, int(round(self.clips_per_speaker / 4)))

    def dirname(self) -> str:
        name = f"{DEMO_VERSION}-{self.size}"
        if self != DemoConfig(size=self.size):  # non-default shapes get their own cache
            name += f"-s{self.n_speakers}c{self.clips_per_speaker}t{self.seconds:g}"
        return name


def cache_dir(cfg: DemoConfig) -> Path:
    return talkbench_home() / "demo" / cfg.dirname()


def ensure_built(cfg: DemoConfig, progress: bool = True) -> Path:
    """The dataset directory for ``cfg``, building it first if it is not cached yet."""
    target = cache_dir(cfg)
    if (target / MANIFEST).is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    try:
        build(cfg, tmp, progress=progress)
        try:
            os.rename(tmp, target)
        except OSError:  # another process finished first; its copy is identical
            if not (target / MANIFEST).is_file():
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target


def _save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """npz with fixed zip timestamps (np.savez stamps the current time: not reproducible)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, arr in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arr), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buf.getvalue())


def _blink_track(n: int, rng: np.random.Generator) -> np.ndarray:
    blink = np.ones(n)
    t = int(rng.integers(10, 50))
    while t < n:
        shape = [0.5, 0.1, 0.1, 0.5]
        blink[t : t + 4] = shape[: max(0, min(4, n - t))]
        t += int(rng.integers(50, 100))
    return blink


def _sentences(cfg: DemoConfig) -> list[list[list[str]]]:
    """One unique sentence per clip (so test sentences are never seen in training)."""
    from talkbench.builtins import demo_speech as speech

    rng = np.random.default_rng([7, cfg.n_speakers, cfg.clips_per_speaker])
    n_words = max(2, int(cfg.seconds * 1.6))
    seen, out = set(), []
    while len(out) < cfg.n_speakers * cfg.clips_per_speaker:
        s = speech.make_sentence(rng, n_words)
        key = " ".join("".join(w) for w in s)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out


def build_clip(cfg: DemoConfig, sp: face.Speaker, words, clip_rng, base: np.ndarray) -> dict:
    from talkbench.builtins import demo_face as face
    from talkbench.builtins import demo_speech as speech

    n_frames = int(round(cfg.seconds * FPS))
    syllables = speech.plan_timing(words, cfg.seconds, clip_rng)
    audio, opening, width = speech.synthesize(syllables, cfg.seconds, sp.f0, clip_rng)
    mouth_open = np.clip(speech.per_frame(opening, n_frames), 0, 1)
    mouth_width = np.clip(speech.per_frame(width, n_frames), 0, 1)
    blink = _blink_track(n_frames, clip_rng)
    frames = np.empty((n_frames, cfg.size, cfg.size, 3), np.uint8)
    lms = np.empty((n_frames, 68, 2), np.float32)
    boxes = np.empty((n_frames, 4), np.float32)
    for t in range(n_frames):
        centre = face.head_centre(sp, cfg.size, t / FPS)
        lms[t] = face.landmarks(sp, cfg.size, centre, float(mouth_open[t]), float(mouth_width[t]), blink[t])
        boxes[t] = face.face_box(sp, centre, lms[t], cfg.size)
        frames[t] = face.draw(base, sp, centre, lms[t], cfg.size)
    used_words = sorted({s.word for s in syllables})
    transcript = " ".join("".join(s.text for s in syllables if s.word == w) for w in used_words)
    return {"frames": frames, "audio": audio, "landmarks": lms, "boxes": boxes,
            "mouth_open": mouth_open, "mouth_width": mouth_width,
            "transcript": transcript,
            "syllables": [{"text": s.text, "word": s.word, "start": round(s.start, 4),
                           "end": round(s.end, 4)} for s in syllables]}


def build(cfg: DemoConfig, out: Path, progress: bool = True) -> None:
    from scipy.io import wavfile

    from talkbench.builtins import demo_face as face
    from talkbench.builtins import demo_speech as speech
    from talkbench.progress import progress_bar

    sentences = _sentences(cfg)
    clips = []
    total = cfg.n_speakers * cfg.clips_per_speaker
    with progress_bar(total, f"building the demo dataset ({cfg.size}px, {total} clips, once)",
                      enabled=progress) as bar:
        for s in range(cfg.n_speakers):
            sp = face.make_speaker(s, np.random.default_rng([11, s]))
            base = face.background(sp, cfg.size)
            for c in range(cfg.clips_per_speaker):
                clip_id = f"spk{s:02d}_{c:03d}"
                data = build_clip(cfg, sp, sentences[s * cfg.clips_per_speaker + c],
                                  np.random.default_rng([13, s, c]), base)
                write_video(out / f"{clip_id}.mp4", data["frames"], FPS, data["audio"], speech.SR)
                wavfile.write(out / f"{clip_id}.wav", speech.SR,
                              np.round(data["audio"] * 32767).astype(np.int16))
                _save_npz(out / f"{clip_id}.npz", {k: data[k] for k in
                                                   ("landmarks", "boxes", "mouth_open", "mouth_width")})
                clips.append({
                    "id": clip_id, "split": "test" if c < cfg.n_test else "train",
                    "speaker": f"spk{s:02d}", "transcript": data["transcript"],
                    "frames": int(len(data["frames"])), "syllables": data["syllables"],
                    "files": {ext: {"name": f"{clip_id}.{ext}", "sha256": sha256_file(out / f"{clip_id}.{ext}")}
                              for ext in ("mp4", "wav", "npz")},
                })
                bar.advance()
    manifest = {"name": "demo", "version": DEMO_VERSION, "config": asdict(cfg), "fps": FPS,
                "sample_rate": speech.SR, "clips": clips}
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))


def load_manifest(root: Path) -> dict:
    return json.loads((root / MANIFEST).read_text())
