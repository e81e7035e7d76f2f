"""talkbench_syncnet plugin for talkbench (registered through the `talkbench` entry point)."""
