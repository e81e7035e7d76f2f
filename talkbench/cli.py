"""The ``talkbench`` command line."""

from __future__ import annotations

import click

from talkbench.plugins import list_plugins, load_plugins, pm


@click.group()
def cli() -> None:
    """talkbench: benchmark talking-head generators."""


@cli.command()
def plugins() -> None:
    """List installed plugins."""
    for p in list_plugins():
        click.echo(f"{p.name} {p.distribution} {p.version} {','.join(p.hooks)} {p.error or ''}")


def main() -> None:
    load_plugins()
    pm.hook.register_commands(cli=cli)
    cli()
