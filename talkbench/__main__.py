"""``python -m talkbench``: the same as the ``talkbench`` command (``python -m talkbench.cli`` too)."""

from talkbench.cli import main

if __name__ == "__main__":
    main()
