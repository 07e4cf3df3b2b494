"""The ``synaptic`` command: chat, logs, batch, providers, models, emulator, demo (one
module each, imported when its command runs).

Errors print one line on stderr and exit 1 (usage errors exit 2, Ctrl-C 130); ``--debug``
shows tracebacks, and debug logs on stderr, instead. A closed pipe (``| head``) ends the
command quietly. The command never prints or stores API keys.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from synaptic import __version__
from synaptic.cli._common import EXPECTED, Stopped, one_line, say

COMMANDS: dict[str, tuple[str, str]] = {
    "chat": (
        "synaptic.cli._chat",
        "Ask a model, or hold a conversation; every exchange is logged.",
    ),
    "logs": (
        "synaptic.cli._logs",
        "Show what `synaptic chat` logged: the latest exchanges, oldest first.",
    ),
    "batch": (
        "synaptic.cli._batch",
        "Run every line of INPUT.jsonl (Groq/OpenAI batch lines) and write OUTPUT.jsonl.",
    ),
    "transcribe": (
        "synaptic.cli._transcribe",
        "Transcribe (or translate) audio files: FILE... may be flac, mp3, mp4, mpeg, mpga, m4a, "
        "ogg, opus, wav or webm ('-': standard input).",
    ),
    "speak": (
        "synaptic.cli._speak",
        "Speak TEXT ('-': standard input) into a WAV file (-o -: standard output).",
    ),
    "providers": ("synaptic.cli._providers", "List the installed providers."),
    "models": ("synaptic.cli._models", "List Groq's models: the dated catalog, or the live list."),
    "emulator": (
        "synaptic.cli._emulator",
        "Run the offline Groq emulator in the foreground (Ctrl-C stops it).",
    ),
    "demo": (
        "synaptic.cli._demo",
        "Walk through the Groq examples: chat, streaming, tools, a recovered 429, a provider swap.",
    ),
}
"""Each command's module and one-line help. A command's module is imported only when
that command runs: ``synaptic --version`` and ``--help`` load neither asyncio, httpx
nor pydantic (DESIGN 18), so they answer at once."""


class LazyGroup(click.Group):
    """A group whose commands are imported when used, not when the group is built."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        import importlib  # noqa: PLC0415

        return getattr(importlib.import_module(COMMANDS[cmd_name][0]), cmd_name)  # type: ignore[no-any-return]

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl([(name, short) for name, (_, short) in COMMANDS.items()])


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="synaptic")
@click.option("--debug", is_flag=True, help="Show tracebacks, and debug logs on stderr.")
def cli(debug: bool) -> None:
    """synaptic: one clean interface to LLM providers, starting with Groq.

    Start with `synaptic demo`: it runs the Groq examples against an embedded emulator,
    with no API key and no network.
    """
    if debug:
        import logging  # noqa: PLC0415 (only with --debug)

        # stderr, always: debug lines must never mix into an answer on stdout.
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s", stream=sys.stderr)


def _quiet_broken_pipe() -> None:
    """The reader went away (``synaptic chat ... | head -c 10``): stop without a word.
    Later writes (and the interpreter's final flush) go to /dev/null instead."""
    import os  # noqa: PLC0415

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(0)


def _expected(error: Exception) -> bool:
    """An error a person can act on (one line), not a bug (a traceback)."""
    if isinstance(error, EXPECTED):
        return True
    from synaptic.cli._logstore import LogError  # noqa: PLC0415 (light: the standard library)

    if isinstance(error, LogError):
        return True
    if "synaptic_core" not in sys.modules:  # nothing of ours ran: not one of ours
        return False
    from synaptic_core import SynapticError  # noqa: PLC0415

    return isinstance(error, SynapticError)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``synaptic`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="synaptic", standalone_mode=False)
    except BrokenPipeError:
        _quiet_broken_pipe()
    except SystemExit as exit_:
        # click turns a closed stdout (EPIPE) into exit 1 behind a PacifyFlushWrapper.
        if exit_.code == 1 and type(sys.stdout).__name__.endswith("PacifyFlushWrapper"):
            _quiet_broken_pipe()
        raise
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Stopped as stop:  # SIGTERM, SIGHUP: as Ctrl-C, with the shell's exit code
        say(f"stopped ({stop.name})")  # the terminal may be gone
        sys.exit(128 + stop.signum)
    except click.UsageError as error:  # usage, with click's hint (exit 2)
        error.show()
        sys.exit(error.exit_code)
    except click.ClickException as error:  # a command's own failure: one line, as ours
        click.echo(f"error: {one_line(error)}", err=True)
        sys.exit(error.exit_code)
    except Exception as error:
        if debug or not _expected(error):
            raise
        click.echo(f"error: {one_line(error)}", err=True)
        sys.exit(1)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["cli", "main"]
