"""talkbench_external plugin for talkbench (registered through the `talkbench` entry point)."""
