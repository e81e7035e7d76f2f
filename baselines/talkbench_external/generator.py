"""The ``external`` generator: any talking-head model behind a command line (SadTalker, ...)."""

from __future__ import annotations

import glob
import os
import shutil
import sys
import tempfile
import wave
from pathlib import Path
from typing import Any

import numpy as np

from talkbench import (
    NEEDS_SOURCE_VIDEO,
    OUTPUTS_FULL_FRAME,
    Clip,
    ClipFailure,
    Generator,
    MediaError,
    Option,
    OptionError,
    load_clip,
    write_video,
)

from .command import build_argv, fill, parse_pairs, run_command, tail
from .presets import load_preset, preset_names


def write_wav(path: Path, audio: np.ndarray, sample_rate: int) -> None:
    """16-bit PCM mono WAV: what every reference inference script reads without surprises."""
    pcm = (np.clip(np.asarray(audio, dtype=np.float32), -1.0, 1.0) * 32767.0).round().astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())


class ExternalGenerator(Generator):
    name = "external"
    version = "1"
    description = "any model behind a command line: inputs written to a temp dir, output video read back"
    needs = NEEDS_SOURCE_VIDEO
    outputs = OUTPUTS_FULL_FRAME
    options = (
        Option("preset", str, "", "named YAML preset: " + ", ".join(preset_names())),
        Option("cmd", str, "", "command template with {video} {audio} {image} {out} {outdir} {python} {id} {fps}"),
        Option("output", str, "", "where the tool writes its video (template/glob; default {out})"),
        Option("cwd", str, "", "working directory ($VARS and ~ expanded)"),
        Option("env", str, "", "extra environment, K=V;K=V"),
        Option("vars", str, "", "extra placeholders, K=V;K=V (e.g. checkpoint=/path/model.pth)"),
        Option("timeout", float, 0.0, "seconds per clip before the tool is killed (0: preset or 3600)", min=0),
        Option("label", str, "", "name shown in tables and records (default: the preset, else 'external')"),
        Option("resize", bool, True, "resize output frames to the source size when they differ"),
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        preset = load_preset(self.options["preset"]) if self.options["preset"] else {}
        # explicit options win over the preset, the preset over built-in defaults
        self.settings: dict[str, Any] = {
            "cmd": self.options["cmd"] or preset.get("cmd", ""),
            "output": self.options["output"] or preset.get("output", "{out}"),
            "cwd": self.options["cwd"] or preset.get("cwd", ""),
            "env": {**parse_pairs(str(preset.get("env", "")), "env"), **parse_pairs(self.options["env"], "env")},
            "vars": {**parse_pairs(str(preset.get("vars", "")), "vars"), **parse_pairs(self.options["vars"], "vars")},
            "timeout": self.options["timeout"] or float(preset.get("timeout", 3600)),
        }
        if not self.settings["cmd"]:
            raise OptionError(
                "external: pass --option cmd=\"python inference.py --face {video} --audio {audio} --outfile {out}\" "
                f"or --option preset=NAME ({', '.join(preset_names())})"
            )
        self.label = self.options["label"] or self.options["preset"] or "external"
        # records keep options: store the resolved label there so tables can show it
        self.options["label"] = self.label

    def load(self, device: str = "cpu", checkpoint: str | Path | None = None) -> None:
        """Check the setup once, so that a wrong cwd stops the run instead of failing every clip."""
        super().load(device, checkpoint)
        try:
            self._cwd()
        except ClipFailure as exc:
            raise OptionError(str(exc)) from None

    def _cwd(self) -> Path | None:
        raw = self.settings["cwd"]
        if not raw:
            return None
        path = Path(os.path.expandvars(os.path.expanduser(raw)))
        if "$" in str(path) or not path.is_dir():
            raise ClipFailure(
                f"external({self.label}): working directory {raw!r} does not exist; "
                f"pass --option cwd=/path/to/checkout (or set the variable it names)"
            )
        return path

    def _write_inputs(self, work: Path, source: Clip, audio: np.ndarray) -> dict[str, str]:
        inputs = work / "inputs"
        inputs.mkdir()
        video, wav, image = inputs / "source.mp4", inputs / "audio.wav", inputs / "source.png"
        write_wav(wav, audio, source.sample_rate)
        write_video(video, source.frames, source.fps, audio, source.sample_rate)
        import cv2  # here, not at module top: `talkbench models` imports this class

        cv2.imwrite(str(image), np.ascontiguousarray(source.frames[0][..., ::-1]))
        outdir = work / "output"
        outdir.mkdir()
        values = {
            "video": str(video), "audio": str(wav), "image": str(image), "outdir": str(outdir),
            "out": str(outdir / "result.mp4"), "python": sys.executable, "id": source.id,
            "fps": f"{source.fps:g}",
        }
        return {**values, **self.settings["vars"]}

    def _find_output(self, values: dict[str, str]) -> Path | None:
        pattern = fill(self.settings["output"], values)
        hits = [Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file()]
        return max(hits, key=lambda p: p.stat().st_mtime) if hits else None

    def generate(self, source: Clip, audio: np.ndarray, *, seed: int | None = None) -> Clip:
        who = f"external({self.label})"
        cwd = self._cwd()
        work = Path(tempfile.mkdtemp(prefix=f"talkbench-{self.label}-"))
        try:
            values = self._write_inputs(work, source, audio)
            argv = build_argv(self.settings["cmd"], values)
            try:
                done = run_command(argv, cwd=cwd, env=self.settings["env"], timeout=self.settings["timeout"])
            except OSError as exc:
                raise ClipFailure(f"{who}: cannot start {argv[0]!r} ({exc})") from None
            if done.returncode is None:
                raise ClipFailure(f"{who}: timed out after {self.settings['timeout']:g} s; "
                                  f"stderr tail:\n{tail(done.stderr)}")
            if done.returncode != 0:
                raise ClipFailure(f"{who}: command exited with status {done.returncode}; "
                                  f"stderr tail:\n{tail(done.stderr) or tail(done.stdout)}")
            out_path = self._find_output(values)
            if out_path is None:
                raise ClipFailure(f"{who}: the command succeeded but wrote no video matching "
                                  f"{fill(self.settings['output'], values)!r}; stderr tail:\n{tail(done.stderr)}")
            return self._read_back(out_path, source, audio, done.seconds)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _read_back(self, path: Path, source: Clip, audio: np.ndarray, seconds: float) -> Clip:
        try:
            # read as the dataset read the source (its frame-rate policy), so a tool's 30 fps
            # output is brought to 25 fps by the same rule as the reference videos
            read = (source.meta.get("io") or {}).get("read") or {} if isinstance(source.meta, dict) else {}
            policy = {k: read[k] for k in ("fps_policy",) if read.get(k)}
            clip = load_clip(path, fps=source.fps, require_audio=False, **policy)
            frames = clip.frames  # decode now: the temp dir is removed on return
        except MediaError as exc:
            raise ClipFailure(f"external({self.label}): unreadable output video ({exc})") from None
        h, w = source.frames.shape[1:3]
        resized = frames.shape[1:3] != (h, w) and self.options["resize"]
        if resized:
            import cv2

            frames = np.stack([cv2.resize(f, (w, h), interpolation=cv2.INTER_AREA) for f in frames])
        meta = dict(source.meta)
        meta["generator"] = {
            "name": self.name, "label": self.label, "options": dict(self.options),
            "output_frames": int(len(frames)), "source_frames": int(source.num_frames),
            "output_size": list(clip.frames.shape[1:3]), "resized": bool(resized),
            "seconds": round(seconds, 3), "io": clip.meta.get("io", {}),
        }
        return source.replace(frames=np.ascontiguousarray(frames), audio=audio, meta=meta)
