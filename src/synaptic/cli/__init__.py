"""The ``synaptic`` command: chat, batch, providers, models, emulator, demo (one module each).

Errors print one line on stderr and exit 1 (usage errors exit 2, Ctrl-C 130); ``--debug``
shows tracebacks, and debug logs on stderr, instead. A closed pipe (``| head``) ends the
command quietly. The command never prints or stores API keys.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from synaptic import __version__
from synaptic.cli._common import EXPECTED, one_line


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


def _register() -> None:
    from synaptic.cli._batch import batch  # noqa: PLC0415
    from synaptic.cli._chat import chat  # noqa: PLC0415
    from synaptic.cli._demo import demo  # noqa: PLC0415
    from synaptic.cli._emulator import emulator  # noqa: PLC0415
    from synaptic.cli._models import models  # noqa: PLC0415
    from synaptic.cli._providers import providers  # noqa: PLC0415

    for command in (chat, batch, providers, models, emulator, demo):
        cli.add_command(command)


_register()


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


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``synaptic`` command."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    from synaptic_core import SynapticError  # noqa: PLC0415

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
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except (SynapticError, *EXPECTED) as error:
        if debug:
            raise
        click.echo(f"error: {one_line(error)}", err=True)
        sys.exit(1)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    sys.exit(code if isinstance(code, int) else 0)


__all__ = ["cli", "main"]
