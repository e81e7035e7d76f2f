"""talkbench_talklip plugin for talkbench (registered through the `talkbench` entry point)."""
