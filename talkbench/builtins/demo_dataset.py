"""The ``demo`` dataset: synthetic talking faces built on first use, no download, no root."""

from __future__ import annotations

import hashlib

import numpy as np

from talkbench import Clip, Dataset, DatasetNotFoundError, Option, load_clip
from talkbench.builtins.demo_build import DEMO_VERSION, DemoConfig, ensure_built, load_manifest


class DemoDataset(Dataset):
    """Synthetic speakers saying syllables; mouth opening follows loudness, width the vowel.

    Each clip's meta carries exact face geometry: ``landmarks`` (T×68×2 float32, iBUG-68,
    pixels), ``boxes`` (T×4 x1,y1,x2,y2), ``mouth_open``/``mouth_width`` (T,) in 0..1 and
    ``syllables`` (text, word, start, end in seconds) for figures.
    """

    name = "demo"
    version = DEMO_VERSION
    description = "embedded synthetic talking faces (built deterministically on first use)"
    splits = ("train", "test")
    default_split = "test"
    # no official SyncNet can score cartoon faces: LSE on the demo uses the SyncNet trained on it
    metric_defaults = {"syncnet": {"net": "demo"}}  # the lse_c/lse_d option group
    needs_root = False
    options = (
        Option("size", int, 128, "frame side in pixels", choices=(64, 128, 256)),
        Option("n_speakers", int, 4, "number of synthetic speakers", min=1, max=24),
        Option("clips_per_speaker", int, 8, "clips per speaker (a quarter go to test)", min=2, max=200),
        Option("seconds", float, 3.0, "clip length in seconds", min=1.0, max=20.0),
    )

    def __init__(self, root=None, **options) -> None:
        # the demo lives in $TALKBENCH_HOME/demo; a --data-root meant for real datasets is ignored
        super().__init__(None, **options)
        self.config = DemoConfig(**self.options)
        self._manifest: dict | None = None

    @property
    def directory(self):
        return ensure_built(self.config)

    def manifest(self) -> dict:
        if self._manifest is None:
            self._manifest = load_manifest(self.directory)
            self.root = self.directory
        return self._manifest

    def _entries(self, split: str) -> dict[str, dict]:
        if split not in self.splits:
            raise DatasetNotFoundError(f"demo: no split {split!r}; choose one of {', '.join(self.splits)}")
        return {c["id"]: c for c in self.manifest()["clips"] if c["split"] == split}

    def clip_ids(self, split: str) -> list[str]:
        return sorted(self._entries(split))

    def file_list_hash(self, split: str) -> str:
        """sha256 over each clip's id and its files' sha256: names *and* contents of the split."""
        entries = self._entries(split)
        lines = [f"{cid} {f['name']} {f['sha256']}" for cid in sorted(entries)
                 for f in sorted(entries[cid]["files"].values(), key=lambda f: f["name"])]
        return hashlib.sha256("\n".join(lines).encode()).hexdigest()

    def load_clip(self, split: str, clip_id: str) -> Clip:
        entries = self._entries(split)
        if clip_id not in entries:
            raise DatasetNotFoundError(f"demo: no clip {clip_id!r} in split {split!r}")
        entry, root = entries[clip_id], self.directory
        files = entry["files"]
        # the exact PCM wav next to the mp4 is the audio (the AAC track is for viewers)
        clip = load_clip(root / files["mp4"]["name"], clip_id=clip_id, audio_path=root / files["wav"]["name"],
                         transcript=entry["transcript"], speaker=entry["speaker"])
        with np.load(root / files["npz"]["name"]) as arrays:
            clip.meta.update({k: arrays[k] for k in arrays.files})
        clip.meta.update(syllables=entry["syllables"], split=split, dataset="demo",
                         demo_version=DEMO_VERSION, size=self.config.size)
        return clip
