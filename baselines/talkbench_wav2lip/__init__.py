"""talkbench_wav2lip plugin for talkbench (registered through the `talkbench` entry point)."""
