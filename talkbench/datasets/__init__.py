"""Real datasets (lrs2, lrs3, folder) and the `prepare` command, registered via the entry point."""
