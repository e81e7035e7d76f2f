"""The ``talkbench`` command line (click). Plugins add commands through ``register_commands``."""

from __future__ import annotations

import sys

import click

from talkbench.errors import TalkbenchError

EPILOG = """\b
Examples:
  talkbench demo                                   # gt + static on the embedded demo, LaTeX table
  talkbench run --model wav2lip --dataset lrs3 --limit 10 --metrics psnr,ssim
  talkbench evaluate --videos out/ --dataset lrs2 --metrics lse_c,lse_d
  talkbench models --options
"""


class TalkbenchGroup(click.Group):
    """A group whose commands turn TalkbenchError into one red line and exit code 2."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except TalkbenchError as exc:
            click.secho(f"talkbench: error: {exc}", fg="red", err=True)
            sys.exit(2)


@click.group(cls=TalkbenchGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="talkbench", prog_name="talkbench")
@click.option("--threads", default=None, metavar="N",
              help="torch intra-op threads per process (default 1, or TALKBENCH_THREADS; 0 = torch's per-core default)")
def cli(threads: str | None) -> None:
    """talkbench: benchmark audio-driven talking-head (lip-sync) generators.

    Generate with any installed model, score with PSNR/SSIM/LPIPS/LSE-C/LSE-D/WER, keep one
    JSON record per run, and print paper-style tables.
    """
    from talkbench.threads import apply_threads

    apply_threads(threads)  # before any model loads; the run record's environment names the choice


def _add_builtin_commands() -> None:
    from talkbench.cli import info_cmds, run_cmds

    for mod in (run_cmds, info_cmds):
        for command in mod.COMMANDS:
            cli.add_command(command)


_add_builtin_commands()
_commands_registered = False


def _installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("talkbench")
    except PackageNotFoundError:  # a source tree on sys.path without an install
        from talkbench import __version__

        return __version__


def register_plugin_commands() -> None:
    """Let plugins add their commands (table, sweep, prepare, ...) once per process."""
    global _commands_registered
    if _commands_registered:
        return
    _commands_registered = True
    from talkbench.plugins import load_plugins, pm

    load_plugins()
    pm.hook.register_commands(cli=cli)


def main() -> None:
    if sys.argv[1:] == ["--version"]:  # answer at once: loading every plugin imports torch & co.
        click.echo(f"talkbench, version {_installed_version()}")
        return
    try:
        register_plugin_commands()
    except TalkbenchError as exc:
        click.secho(f"talkbench: error: {exc}", fg="red", err=True)
        sys.exit(2)
    cli()


__all__ = ["cli", "main", "register_plugin_commands"]
