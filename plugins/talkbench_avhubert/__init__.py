"""talkbench_avhubert plugin for talkbench (registered through the `talkbench` entry point)."""
