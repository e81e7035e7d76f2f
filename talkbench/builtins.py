"""Built-in generators (gt, static) and datasets, registered via the entry point like any plugin."""
