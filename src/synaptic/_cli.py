"""The ``synaptic`` command: chat, providers, models, emulator, demo.

Errors print one line on stderr and exit 1 (usage errors exit 2, Ctrl-C 130); ``--debug``
shows tracebacks and debug logs instead. The command never prints or stores API keys.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import Any

import click

from synaptic import __version__

_EXPECTED = (ImportError, OSError, ValueError)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="synaptic")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
def cli(debug: bool) -> None:
    """synaptic: one clean interface to LLM providers, starting with Groq.

    Start with `synaptic demo`: it runs the Groq examples against an embedded emulator,
    with no API key and no network.
    """
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")


@cli.command()
@click.argument("prompt", required=False)
@click.option(
    "-m",
    "--model",
    "spec",
    metavar="PROVIDER:MODEL",
    help="Model by name (e.g. groq:openai/gpt-oss-120b) or a profile name; "
    "default: $SYNAPTIC_MODEL, else the config's default profile.",
)
@click.option(
    "-c",
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file (default: $SYNAPTIC_CONFIG, ./synaptic.toml, "
    "~/.config/synaptic/synaptic.toml).",
)
@click.option("-s", "--system", help="A system prompt.")
@click.option("-t", "--temperature", type=float, help="Sampling temperature override.")
@click.option(
    "--no-stream", is_flag=True, help="Wait for the whole answer instead of streaming it."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the whole response as JSON (implies --no-stream).",
)
def chat(  # click passes every option by keyword
    *,
    prompt: str | None,
    spec: str | None,
    config_file: str | None,
    system: str | None,
    temperature: float | None,
    no_stream: bool,
    as_json: bool,
) -> None:
    """Ask a model; the answer streams to the terminal as it arrives.

    PROMPT may be '-' (or left out when piping) to read it from standard input.
    """
    from synaptic_core import HumanMessage, SystemMessage, load_chat_model  # noqa: PLC0415

    if prompt is None or prompt == "-":
        if prompt is None and sys.stdin.isatty():
            raise click.UsageError("give a prompt, or pipe one on standard input")
        prompt = sys.stdin.read()
    overrides: dict[str, Any] = {} if temperature is None else {"temperature": temperature}
    messages = ([SystemMessage(system)] if system else []) + [HumanMessage(prompt)]
    with load_chat_model(spec, config_file=config_file, **overrides) as model:
        if as_json:
            click.echo(model.chat_sync(messages).model_dump_json(indent=2))
        elif no_stream:
            click.echo(model.chat_sync(messages).content)
        else:
            for chunk in model.stream_chat_sync(messages):
                click.echo(chunk.content, nl=False)
                sys.stdout.flush()
            click.echo()


@cli.command()
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
            detail = f"(cannot load: {_one_line(error)})"
        click.echo(f"{name:<20} {detail}")


@cli.command()
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
        )
    except ImportError as error:
        msg = 'listing models needs the groq extra: pip install "synaptic[groq]"'
        raise click.ClickException(msg) from error
    if live:
        config = GroqConfig(model=GroqModel.GPT_OSS_20B)
        with GroqChatModel(config) as groq:
            entries = groq.list_models_sync()
        click.echo(f"{len(entries)} models from {config.base_url}/models")
    else:
        entries = list(CATALOG.values())
        click.echo(f"synaptic's Groq catalog ({CATALOG_DATE}); `synaptic models --live` asks Groq")
    click.echo(f"{'model':<38} {'context':>9} {'max out':>9}  lifecycle       use instead")
    for info in entries:
        context = "-" if info.context_window is None else f"{info.context_window:,}"
        out = "-" if info.max_completion_tokens is None else f"{info.max_completion_tokens:,}"
        lifecycle = "?" if info.lifecycle is None else info.lifecycle.value
        click.echo(
            f"{info.id:<38} {context:>9} {out:>9}  {lifecycle:<15} "
            f"{live_replacement(info.id) or ''}".rstrip()
        )


@cli.command()
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


@cli.command()
@click.option("--live", is_flag=True, help="Run against Groq itself (needs GROQ_API_KEY).")
def demo(live: bool) -> None:
    """Walk through the Groq examples: chat, streaming, tools, a recovered 429, a provider swap."""
    from synaptic._demo import run_demo  # noqa: PLC0415

    run_demo(live=live)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``synaptic`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    from synaptic_core import SynapticError  # noqa: PLC0415

    try:
        code = cli.main(args=args, prog_name="synaptic", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except (SynapticError, *_EXPECTED) as error:
        if debug:
            raise
        click.echo(f"error: {_one_line(error)}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
