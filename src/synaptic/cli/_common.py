"""What the commands share: one-line errors, warnings as one clean line, colour, terminals."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import click

EXPECTED = (ImportError, OSError, ValueError)


def one_line(error: BaseException) -> str:
    """An error as one line (a person reads it; a traceback is for ``--debug``), with
    every API key the process knows scrubbed: the last stop before a terminal or a log."""
    from synaptic_core._secrets import scrub  # noqa: PLC0415 (error path only)

    return " ".join(scrub(str(error)).split()) or type(error).__name__


@contextmanager
def clean_warnings() -> Iterator[None]:
    """Warnings raised inside (a retired model, plain HTTP to a remote host) become one
    ``warning: ...`` line each on stderr, once, without Python's source-line noise."""
    seen: set[str] = set()

    def show(message: Warning | str, *_: object, **__: object) -> None:
        text = one_line(message) if isinstance(message, Warning) else " ".join(message.split())
        if text not in seen:  # as it happens: a store outage mid-conversation shows then
            seen.add(text)
            click.echo(f"warning: {text}", err=True)

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = show
        yield


class Stopped(BaseException):
    """SIGTERM or SIGHUP (a closed terminal) arrived: the command stops as on Ctrl-C, so
    what it was doing is finished properly (an exchange logged, a history written)."""

    def __init__(self, signum: int) -> None:
        import signal  # noqa: PLC0415

        super().__init__(signum)
        self.signum = signum
        self.name = signal.Signals(signum).name


@contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Inside, SIGTERM and SIGHUP raise ``Stopped`` (main thread, where they exist)."""
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415

    wanted = [getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: object) -> None:
        # Once: a closed terminal may send SIGHUP again while the command finishes what
        # it was doing (logging the exchange, writing the history); that must not cut it.
        for each in wanted:
            signal.signal(each, signal.SIG_IGN)
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in wanted}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def say(text: str, *, newline: bool = True) -> None:
    """A line on stderr that never fails: the terminal may be gone (closed: EIO)."""
    with suppress(OSError, ValueError):
        click.echo(text, err=True, nl=newline)


def is_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal (False for None, a closed stream, a test's stand-in)."""
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def use_color(no_color: bool) -> bool:
    """Colour only on a terminal, and never with ``--no-color`` or ``$NO_COLOR``."""
    return not no_color and "NO_COLOR" not in os.environ and sys.stderr.isatty()


retries_option = click.option(
    "--retries",
    type=click.IntRange(min=0),
    help="Retry rate limits, server errors and cut connections this many times "
    "(default: the profile's retry settings, else 2; 0: never).",
)
"""``--retries N``, the same on every command that sends requests."""


def writable_folder(folder: Path, what: str) -> None:
    """``folder`` made if missing and checked writable, before anything is sent (a
    result that cannot be written was paid for for nothing)."""
    import tempfile  # noqa: PLC0415

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        msg = f"cannot write {what} in {folder}: {error.strerror or error}; nothing was sent"
        raise click.ClickException(msg) from None
