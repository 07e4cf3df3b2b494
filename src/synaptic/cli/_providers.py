"""``synaptic providers``: the installed providers, without importing the ones not asked for."""

from __future__ import annotations

import click

from synaptic.cli._common import one_line


@click.command()
def providers() -> None:
    """List the installed providers."""
    from synaptic_core import ConfigError, default_registry  # noqa: PLC0415

    registry = default_registry()
    for name in registry.names():
        try:
            provider = registry.get(name)
            detail = provider.description
            if provider.api_key_env:
                detail += f" (key: ${provider.api_key_env})"
        except ConfigError as error:
            detail = f"(cannot load: {one_line(error)})"
        click.echo(f"{name:<20} {detail}")
