"""syncdiff_model plugin for talkbench (registered through the `talkbench` entry point)."""
