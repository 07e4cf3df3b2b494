"""``synaptic chat`` as a conversation: a prompt that edits and remembers, commands, and
errors that leave the conversation as it was (DESIGN 18).

A failed request (a 500, a timeout, a cut stream) prints ``error: ...`` on its own line
and returns to the prompt; the question that failed is not added to the history, so
asking again sends the same conversation. Ctrl-C while an answer is written stops that
answer only; Ctrl-C at the prompt clears the line; Ctrl-D or ``/exit`` leaves.

On a terminal the prompt uses readline where Python has it: arrows, editing, and a
history kept between runs in ``$SYNAPTIC_HOME/chat_history``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from synaptic.cli._common import EXPECTED, one_line

if TYPE_CHECKING:
    from synaptic_core import AnyMessage

PROMPT, MORE = "> ", "... "
BLOCK = '"""'
HELP = f"""\
/help    this help
/reset   start a new conversation (the system prompt stays)
/exit    leave (also /quit, or Ctrl-D)
{BLOCK}      on a line of its own: several lines follow, up to the next {BLOCK}
Ctrl-C   stops the answer being written (at the prompt: clears the line)
Up/Down  earlier questions (kept between runs)"""
COMMANDS = ("/help", "/reset", "/exit", "/quit")
HISTORY_LENGTH = 1000


def _failure(error: BaseException) -> bool:
    """An error the conversation survives: a request that failed, not a bug of ours."""
    if isinstance(error, EXPECTED):
        return True
    from synaptic_core import SynapticError  # noqa: PLC0415

    return isinstance(error, SynapticError)


def _read_block(read: Callable[[str], str]) -> str:
    lines: list[str] = []
    while True:
        line = read(MORE)
        if line.strip() == BLOCK:
            return "\n".join(lines)
        lines.append(line)


def _command(word: str) -> str:
    """What ``/help``, ``/reset`` or an unknown command says."""
    if word == "/help":
        return HELP
    if word == "/reset":
        return "(new conversation)"
    return f"unknown command {word}; /help lists them (start with // to send a /)"


def converse(
    model: Any,
    system: Sequence[AnyMessage],
    *,
    read: Callable[[str], str] = input,
    answer: Callable[[list[AnyMessage]], Any] | None = None,
    write: Callable[[str], None] = lambda text: click.echo(text, err=True),
    history: list[AnyMessage] | None = None,
    on_reset: Callable[[], None] | None = None,
) -> None:
    """The conversation loop. ``history`` starts it (a continued conversation);
    ``on_reset`` is told when ``/reset`` starts a new one."""
    from synaptic_core import AIMessage, HumanMessage  # noqa: PLC0415

    said: list[AnyMessage] = list(system) if history is None else list(history)
    write("Chatting with the model; /help lists commands, /exit or Ctrl-D leaves.")
    while True:
        try:
            line = read(PROMPT)
            text = _read_block(read) if line.strip() == BLOCK else line.strip()
        except EOFError:
            write("")
            return
        except KeyboardInterrupt:
            write("")
            continue
        if not text:
            continue
        if text.startswith("/") and not text.startswith("//"):
            word = text.split()[0].lower()
            if word in ("/exit", "/quit"):
                return
            if word == "/reset":
                said = list(system)
                if on_reset is not None:
                    on_reset()
            write(_command(word))
            continue
        if text.startswith("//"):
            text = text[1:]
        turn = [*said, HumanMessage(text)]
        try:
            reply = answer(turn) if answer is not None else None
        except KeyboardInterrupt:
            write("(answer stopped)")
            continue
        except Exception as error:
            if not _failure(error):
                raise
            write(f"error: {one_line(error)}")
            continue
        said = [*turn, AIMessage(getattr(reply, "content", "") or "")]


@contextlib.contextmanager
def line_editing(history_file: Path) -> Iterator[None]:
    """readline on the prompt (where Python has it), with ``history_file`` read at the
    start and written at the end; without readline, plain input."""
    try:
        import readline  # noqa: PLC0415
    except ImportError:  # Windows without pyreadline: input() still works
        yield
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(history_file)
    readline.set_history_length(HISTORY_LENGTH)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            history_file.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history_file)
