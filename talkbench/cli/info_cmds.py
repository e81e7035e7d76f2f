"""Commands that describe what is installed: models, metrics, datasets, plugins, weights, protocols."""

from __future__ import annotations

import click


@click.command(epilog="""\b
Examples:
  talkbench models
  talkbench models --options
""")
@click.option("--options", "show_options", is_flag=True, help="also list each model's options")
def models(show_options):
    """List installed generators (models): version, input they need, output they make."""
    from talkbench.plugins import get_generators

    for name, cls in sorted(get_generators().items()):
        click.echo(f"{name}  v{cls.version}  needs={cls.needs}  outputs={cls.outputs}  {cls.description}".rstrip())
        if show_options:
            for opt in cls.option_specs():
                click.echo(f"    --option {opt.describe()}")


@click.command(epilog="""\b
Examples:
  talkbench metrics
  talkbench metrics --json
""")
@click.option("--json", "as_json", is_flag=True, help="the cards as JSON")
def metrics(as_json):
    """List installed metrics with their cards (direction, range, needs, aggregation, options)."""
    import json

    from talkbench.plugins import get_metrics

    from talkbench.metric_options import shared_option_names

    cards = []
    classes = get_metrics()
    for name, cls in sorted(classes.items()):
        group = cls.option_group
        shared = shared_option_names(classes, group) if group else set()
        # a shared option is one setting for the whole group: show it under the group's name
        card = cls.card() | {"options": [f"{group if o.name in shared else name}.{o.describe()}"
                                         for o in cls.option_specs()], "option_group": group or None}
        cards.append(card)
    if as_json:
        click.echo(json.dumps(cards, indent=2, default=str))
        return
    for c in cards:
        arrow = "↑" if c["higher_is_better"] else "↓"
        click.echo(f"{c['name']} {arrow}  {c['label']}  v{c['version']}  range={c['range']}  "
                   f"needs={','.join(c['needs'])}  aggregation={c['aggregation']}")
        if c["description"]:
            click.echo(f"    {c['description']}")
        for w in c["weights"]:
            click.echo(f"    weights: {w}")
        for o in c["options"]:
            click.echo(f"    --metric-option {o}")


@click.command(epilog="""\b
Examples:
  talkbench datasets
  TALKBENCH_DATA=/data talkbench datasets
""")
def datasets():
    """List installed datasets, their splits, and whether they need --data-root."""
    from talkbench.plugins import get_datasets

    for name, cls in sorted(get_datasets().items()):
        root = "needs --data-root/TALKBENCH_DATA" if cls.needs_root else "built in"
        click.echo(f"{name}  splits={','.join(cls.splits)}  default={cls.default_split}  {root}  {cls.description}".rstrip())


@click.command(epilog="""\b
Examples:
  talkbench plugins
  TALKBENCH_LOAD_PLUGINS=builtins,imagequality talkbench plugins
""")
def plugins():
    """List installed plugins: name, distribution, version, hooks, load errors."""
    from talkbench.plugins import list_plugins

    for p in list_plugins():
        status = f"ERROR: {p.error}" if p.error else ",".join(p.hooks)
        click.echo(f"{p.name}  {p.distribution or '-'}  {p.version or '-'}  {p.module}  {status}")


@click.command(epilog="""\b
Examples:
  talkbench weights
  talkbench weights --download
  talkbench run --model wav2lip --dataset lrs2 --weights wav2lip=/models/wav2lip_gan.pth
""")
@click.option("--download", is_flag=True, help="try to download the missing files from their URLs")
def weights(download):
    """List registered weights files: present or missing, where they go, and their URLs."""
    from talkbench.errors import WeightsMissingError
    from talkbench.plugins import get_weight_specs
    from talkbench.weights import download_weight, weight_status

    for name, spec in sorted(get_weight_specs().items()):
        st = weight_status(spec)
        if download and st["status"] != "present" and spec.urls:
            try:
                download_weight(spec)
                st = weight_status(spec)
            except WeightsMissingError as exc:
                click.secho(f"  {exc}", fg="yellow", err=True)
        colour = {"present": "green", "missing": "yellow"}.get(st["status"], "red")
        click.secho(f"{name}  {st['status']}  {st['path']}", fg=colour)
        for url in spec.urls:
            click.echo(f"    url: {url}")
        if not spec.urls and spec.description:  # e.g. a file talkbench trains or ships itself
            click.echo(f"    {spec.description}")
        if st.get("error"):
            click.echo(f"    {st['error']}")


@click.command(epilog="""\b
Examples:
  talkbench protocols
  talkbench protocols --json
  talkbench protocols --markdown     # the README's protocols table
  talkbench run --model wav2lip --dataset lrs2 --protocol syncdiff-table1
""")
@click.option("--json", "as_json", is_flag=True, help="the presets as JSON")
@click.option("--markdown", is_flag=True, help="the README's protocols table")
def protocols(as_json, markdown):
    """List protocol presets (--protocol NAME): version, the reference pipeline each reproduces,
    the published numbers it is for, and the metric options it sets."""
    import json

    from talkbench.plugins import get_protocols

    if markdown:
        from talkbench.protocols import markdown_table

        click.echo(markdown_table(get_protocols()), nl=False)
        return
    presets = [p.describe() for _, p in sorted(get_protocols().items())]
    if as_json:
        click.echo(json.dumps(presets, indent=2, default=str))
        return
    for p in presets:
        click.echo(f"{p['name']}  v{p['version']}  {p['description']}")
        click.echo(f"    reference: {p['reference']}")
        click.echo(f"    for: {p['published']}")
        for key, opts in p["options"].items():
            for opt, value in opts.items():
                shown = str(value).lower() if isinstance(value, bool) else value
                click.echo(f"    --metric-option {key}.{opt}={shown}")


COMMANDS = [models, metrics, datasets, plugins, weights, protocols]
