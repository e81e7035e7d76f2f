"""talkbench_difftalk plugin for talkbench (registered through the `talkbench` entry point)."""
