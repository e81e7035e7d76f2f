"""What the real datasets share: finding the root, id lists, transcripts, helpful errors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from talkbench.clip import Clip
from talkbench.errors import DatasetNotFoundError
from talkbench.interfaces import Dataset
from talkbench.videofiles import VIDEO_SUFFIXES, is_video_file
from talkbench.io.audio import DEFAULT_RESAMPLER, RESAMPLERS
from talkbench.io.framerate import DEFAULT_FPS_POLICY, FPS_POLICIES
from talkbench.options import Option


def read_options(fps_policy: str = DEFAULT_FPS_POLICY) -> tuple[Option, ...]:
    """How a dataset's clips are read (``--dataset-option fps_policy=native``): in the run key
    with the other dataset options, so a run read another way is another run."""
    return (
        Option("fps_policy", str, fps_policy,
               "which source frames make the 25 fps frames: ffmpeg_r25_avi (syncnet_python's -r 25), "
               "ffmpeg_r25 (-r 25 into mp4), fps_filter (-vf fps=25), native (every frame, as "
               "Wav2Lip's LRS scoring)", choices=FPS_POLICIES),
        Option("resampler", str, DEFAULT_RESAMPLER,
               "audio to 16 kHz mono: ffmpeg_s16 (the reference's ffmpeg -acodec pcm_s16le -ar 16000), "
               "ffmpeg_float (the same without PCM16 rounding)", choices=RESAMPLERS),
    )

DATA_ENV = "TALKBENCH_DATA"
#: files next to a clip's video that are read with it (transcript, separate audio)
SIBLING_SUFFIXES = (".txt", ".wav", ".mp3", ".flac", ".m4a", ".aac", ".ogg")


def find_video(stem: Path) -> Path | None:
    """``stem`` + the first video suffix that exists (ids carry no extension)."""
    for suffix in VIDEO_SUFFIXES:
        cand = Path(str(stem) + suffix)
        if cand.is_file():
            return cand
    return None


def read_transcript(path: Path) -> str | None:
    """The words of an LRS-style transcript (``Text:  WORDS`` line); for a plain .txt without a
    ``Text:`` line, its first non-empty line."""
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("Text:"):
            return " ".join(line[len("Text:"):].split())
    for line in lines:
        if line.strip():
            return " ".join(line.split())
    return None


def normalise_id(token: str) -> str:
    """``main/6330311066473698535/00011.mp4`` or ``6330311066473698535/00011`` →
    ``6330311066473698535/00011`` (the last two path parts, no extension)."""
    p = Path(token.strip())
    if p.suffix.lower() in VIDEO_SUFFIXES + (".txt", ".wav"):
        p = p.with_suffix("")
    return "/".join(p.parts[-2:])


def read_id_list(path: Path) -> list[str]:
    """Clip ids from a filelist: one id per line (Wav2Lip/LRS2 style, extra tags after a space
    ignored) or an AV-HuBERT/TalkLip .tsv (first line = root dir, id in the first column)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".tsv" and lines and "\t" not in lines[0].strip():
        lines = lines[1:]  # the root-directory header line
    ids = []
    for line in lines:
        token = line.replace("\t", " ").split(" ")[0].strip()
        if token and "/" in token:
            ids.append(normalise_id(token))
    if not ids:
        raise DatasetNotFoundError(f"{path}: filelist has no <speaker>/<id> lines")
    return ids


class RootedDataset(Dataset):
    """A dataset under a root from ``--data-root`` or ``$TALKBENCH_DATA`` (or its <name>/)."""

    needs_root = True
    subdir_candidates: ClassVar[tuple[str, ...]] = ("",)

    def __init__(self, root: str | Path | None = None, **options: Any) -> None:
        super().__init__(root, **options)
        self._ids: dict[str, list[str]] = {}
        self._resolved: Path | None = None

    # ---- root ------------------------------------------------------------------------------
    def looks_valid(self, root: Path) -> bool:
        raise NotImplementedError

    def layout_error(self, problem: str) -> DatasetNotFoundError:
        return DatasetNotFoundError(
            f"{self.name}: {problem}; expected {self.expected_layout} "
            f"(pass --data-root DIR or set {DATA_ENV})"
        )

    def data_root(self) -> Path:
        """The directory that holds the layout; checked once, then remembered."""
        if self._resolved is not None:
            return self._resolved
        if self.root is not None:
            bases = [Path(self.root).expanduser()]
            origin = "--data-root"
        elif os.environ.get(DATA_ENV):
            env = Path(os.environ[DATA_ENV]).expanduser()
            bases = [env / self.name, env]  # TALKBENCH_DATA may hold several datasets
            origin = DATA_ENV
        else:
            raise self.layout_error("no data root given")
        for base in bases:
            for sub in self.subdir_candidates:
                cand = base / sub if sub else base
                if cand.is_dir() and self.looks_valid(cand):
                    self._resolved = cand
                    return cand
        base = bases[-1]
        if not base.exists():
            raise self.layout_error(f"{origin} {base} does not exist")
        if not base.is_dir():
            raise self.layout_error(f"{origin} {base} is not a directory")
        if not any(base.iterdir()):
            raise self.layout_error(f"{origin} {base} is empty")
        raise self.layout_error(f"{origin} {base} has the wrong layout")

    # ---- ids -------------------------------------------------------------------------------
    def check_split(self, split: str) -> None:
        if split not in self.splits:
            raise DatasetNotFoundError(
                f"{self.name}: unknown split {split!r}; use one of {', '.join(self.splits)}"
            )

    def _compute_ids(self, split: str) -> list[str]:
        raise NotImplementedError

    def clip_ids(self, split: str) -> list[str]:
        if split not in self._ids:
            self._ids[split] = self._compute_ids(split)
        return self._ids[split]

    def scan_ids(self, base: Path) -> list[str]:
        """``<speaker>/<id>`` for every video two levels under ``base``."""
        ids = sorted(
            f"{p.parent.name}/{p.stem}"
            for p in base.glob("*/*")
            if is_video_file(p) and not p.name.startswith(".")
        )
        if not ids:
            raise self.layout_error(f"no videos in {base}/<speaker>/")
        return ids

    # ---- what a clip is made of (cache keys) -------------------------------------------------
    def clip_base(self, split: str) -> Path:
        """The directory ``<clip id>.<ext>`` lives under for ``split``."""
        raise NotImplementedError

    def clip_files(self, split: str, clip_id: str) -> list[Path]:
        """The files that define a clip: its video and the siblings read with it (audio,
        transcript). Their content fingerprint keys the cached videos and scores, so replacing
        a file redoes that clip."""
        video = find_video(self.clip_base(split) / clip_id)
        if video is None:
            raise self.layout_error(f"clip {clip_id!r} not found under {self.clip_base(split)}")
        siblings = [video.with_suffix(s) for s in SIBLING_SUFFIXES if video.with_suffix(s) != video]
        return [video, *(p for p in siblings if p.is_file())]

    def read_kwargs(self) -> dict[str, Any]:
        """The read options of this dataset, for ``talkbench.io.load_clip``."""
        opts = dict(self.options)
        return {k: opts[k] for k in ("fps_policy", "resampler") if k in opts}

    def lrs_clip(self, base: Path, clip_id: str) -> Clip:
        """A lazy clip for ``base/<speaker>/<id>.mp4`` with its transcript (if the .txt exists)."""
        video = find_video(base / clip_id)
        if video is None:
            raise DatasetNotFoundError(
                f"{self.name}: clip {clip_id} not found: no {base / clip_id}"
                f"{{{','.join(VIDEO_SUFFIXES)}}}"
            )
        txt = video.with_suffix(".txt")
        transcript = read_transcript(txt) if txt.is_file() else None
        speaker = clip_id.split("/")[0] if "/" in clip_id else None
        from talkbench.io import load_clip  # late: media I/O loads PyAV

        clip = load_clip(video, clip_id=clip_id, transcript=transcript, speaker=speaker,
                          **self.read_kwargs())
        clip.meta["dataset"] = self.name
        return clip
