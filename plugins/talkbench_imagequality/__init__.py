"""talkbench_imagequality plugin for talkbench (registered through the `talkbench` entry point)."""
