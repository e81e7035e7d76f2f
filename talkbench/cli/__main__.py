"""``python -m talkbench.cli`` (what torchrun / accelerate launch run): same as ``talkbench``."""

from talkbench.cli import main

main()
