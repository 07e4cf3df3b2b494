"""``synaptic demo``: the Groq examples, against the embedded emulator (or Groq with --live)."""

from __future__ import annotations

import click


@click.command()
@click.option("--live", is_flag=True, help="Run against Groq itself (needs GROQ_API_KEY).")
def demo(live: bool) -> None:
    """Walk through the Groq examples: chat, streaming, tools, a recovered 429, a provider swap."""
    from synaptic._demo import run_demo  # noqa: PLC0415

    run_demo(live=live)
