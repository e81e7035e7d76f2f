"""Video and audio I/O (PyAV): read any common container, write mp4 H.264 + AAC."""

from talkbench.io.audio import DEFAULT_RESAMPLER, RESAMPLERS, read_audio, resample_audio, to_mono
from talkbench.io.clipfile import load_clip, probe
from talkbench.io.framerate import DEFAULT_FPS_POLICY, FPS_POLICIES
from talkbench.io.lossless import LOSSLESS_SUFFIX, lossless_path_for, write_lossless
from talkbench.io.video import Yuv420, read_frames, write_video

__all__ = ["read_audio", "resample_audio", "to_mono", "read_frames", "write_video", "Yuv420", "load_clip", "probe",
           "LOSSLESS_SUFFIX", "lossless_path_for", "write_lossless",
           "FPS_POLICIES", "DEFAULT_FPS_POLICY", "RESAMPLERS", "DEFAULT_RESAMPLER"]
