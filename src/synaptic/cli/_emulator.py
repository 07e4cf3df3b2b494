"""``synaptic emulator``: the offline Groq emulator in the foreground."""

from __future__ import annotations

import errno
import sys
from typing import Any

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "-p",
    "--port",
    default=8321,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0: any free port).",
)
@click.option(
    "--scenario",
    type=click.Path(exists=True, dir_okay=False),
    help="TOML/JSON file of scripted faults and budget.",
)
@click.option(
    "--rpm",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Requests per minute before 429s.",
)
@click.option(
    "--tpm",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Tokens per minute before 429s.",
)
def emulator(host: str, port: int, scenario: str | None, rpm: int, tpm: int) -> None:
    """Run the offline Groq emulator in the foreground (Ctrl-C stops it)."""
    try:
        from synaptic_groq.emulator import GroqEmulator, Scenario  # noqa: PLC0415
    except ImportError as error:
        msg = 'the emulator needs the groq extra: pip install "synaptic[groq]"'
        raise click.ClickException(msg) from error
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            "warning: the emulator accepts any API key; expose it only on trusted networks",
            err=True,
        )
    plan = Scenario.load(scenario) if scenario else None
    server = GroqEmulator(host, port, requests_per_minute=rpm, tokens_per_minute=tpm, scenario=plan)

    def ready(bound: Any) -> None:
        click.echo(f"Groq emulator listening on {bound.base_url} (Ctrl-C to stop)")
        click.echo(f"  export GROQ_BASE_URL={bound.base_url} GROQ_API_KEY=any-key")
        sys.stdout.flush()

    try:
        server.serve_forever(ready)
    except KeyboardInterrupt:
        click.echo("stopped")
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            msg = (
                f"port {port} on {host} is already in use (another emulator?); "
                "choose another with --port, or --port 0 for any free port"
            )
            raise click.ClickException(msg) from None
        raise
