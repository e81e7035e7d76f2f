"""talkbench_external: run any talking-head model behind a command line as a generator.

``talkbench run --model external --option preset=sadtalker --option cwd=~/SadTalker --dataset lrs2``
``talkbench run --model external --option cmd="python infer.py --face {video} --audio {audio} --outfile {out}"``
"""

from talkbench import hookimpl


@hookimpl
def register_generators(register):
    from talkbench_external.generator import ExternalGenerator

    register(ExternalGenerator)
