"""``synaptic models``: Groq's models from the dated catalog, or live from ``GET /models``."""

from __future__ import annotations

import click


@click.command()
@click.option(
    "--live",
    is_flag=True,
    help="Ask Groq's GET /models (needs GROQ_API_KEY; honours GROQ_BASE_URL).",
)
def models(live: bool) -> None:
    """List Groq's models: the dated catalog, or the live list."""
    try:
        from synaptic_groq import (  # noqa: PLC0415
            CATALOG,
            CATALOG_DATE,
            GroqChatModel,
            GroqConfig,
            GroqModel,
            live_replacement,
            model_info,
        )
    except ImportError as error:
        from synaptic_core._install import install_hint  # noqa: PLC0415

        msg = f"listing models needs the groq extra: {install_hint('groq')}"
        raise click.ClickException(msg) from error
    if live:
        config = GroqConfig(model=GroqModel.GPT_OSS_20B)
        with GroqChatModel(config) as groq:
            entries = groq.list_models_sync()
        click.echo(f"{len(entries)} models from {config.base_url}/models")
    else:
        entries = list(CATALOG.values())
        click.echo(f"synaptic's Groq catalog ({CATALOG_DATE}); `synaptic models --live` asks Groq")
    width = max([len("model"), *(len(info.id) for info in entries)])  # long ids keep columns
    header = f"{'model':<{width}} {'kind':<13} {'context':>9} {'max out':>9}  lifecycle"
    click.echo(f"{header}       use instead")
    for info in entries:
        known = model_info(info.id)
        kind = getattr(known, "kind", None) or getattr(info, "kind", None) or "?"
        context = "-" if info.context_window is None else f"{info.context_window:,}"
        out = "-" if info.max_completion_tokens is None else f"{info.max_completion_tokens:,}"
        lifecycle = "?" if info.lifecycle is None else info.lifecycle.value
        click.echo(
            f"{info.id:<{width}} {kind:<13} {context:>9} {out:>9}  {lifecycle:<15} "
            f"{live_replacement(info.id) or ''}".rstrip()
        )
