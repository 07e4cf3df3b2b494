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

from synaptic.cli._common import EXPECTED, one_line, say

if TYPE_CHECKING:
    from synaptic_core import AnyMessage

PROMPT, MORE = "> ", "... "
BLOCK = '"""'
HELP = f"""\
/help    this help
/reset   start a new conversation (the system prompt stays)
/exit    leave (also /quit, or Ctrl-D)
//text   sends "/text" (a question that starts with a slash)
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


def _read_block(read: Callable[[str], str]) -> tuple[str, int]:
    """The lines up to the closing mark, and how many lines were read (both marks too)."""
    lines: list[str] = []
    while True:
        line = read(MORE)
        if line.strip() == BLOCK:
            return "\n".join(lines), len(lines) + 2
        lines.append(line)


def _question(read: Callable[[str], str], on_block: Callable[[str, int], None] | None) -> str:
    """One question: a line, or the lines of a block (told to ``on_block``)."""
    line = read(PROMPT)
    if line.strip() != BLOCK:
        return line.strip()
    text, count = _read_block(read)
    text = text.strip()
    if on_block is not None and text:
        on_block(text, count)
    return text


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
    write: Callable[[str], None] = say,
    history: list[AnyMessage] | None = None,
    on_reset: Callable[[], None] | None = None,
    on_block: Callable[[str, int], None] | None = None,
) -> None:
    """The conversation loop. ``history`` starts it (a continued conversation);
    ``on_reset`` is told when ``/reset`` starts a new one, ``on_block`` when several
    lines were read as one question (its text, and how many lines it took)."""
    from synaptic_core import AIMessage, HumanMessage  # noqa: PLC0415

    said: list[AnyMessage] = list(system) if history is None else list(history)
    write("Chatting with the model; /help lists commands, /exit or Ctrl-D leaves.")
    while True:
        try:
            text = _question(read, on_block)
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


class Prompt:
    """``input`` with readline's history, kept in a file as it grows: each question is
    appended at once (a closed terminal or a kill keeps it), and a block of several
    lines becomes one entry (Up brings the whole question back)."""

    def __init__(self, history_file: Path, readline: Any) -> None:
        self.history_file = history_file
        self.readline = readline

    def read(self, prompt: str) -> str:
        try:
            line = input(prompt)
        except OSError:  # the terminal is gone (EIO): as the end of input
            raise EOFError from None
        if self.readline is not None and line.strip():
            with contextlib.suppress(OSError, AttributeError):  # libedit may lack it
                if not self.history_file.exists():  # readline appends only to a file
                    self.history_file.parent.mkdir(parents=True, exist_ok=True)
                    self.history_file.touch()
                self.readline.append_history_file(1, self.history_file)
        return line

    def block(self, text: str, count: int) -> None:
        readline = self.readline
        if readline is None:
            return
        with contextlib.suppress(OSError, ValueError, AttributeError):
            length = readline.get_current_history_length()
            for index in range(length - 1, max(length - count, 0) - 1, -1):
                readline.remove_history_item(index)  # 0-based, unlike get_history_item
            readline.add_history(text)
            readline.write_history_file(self.history_file)


@contextlib.contextmanager
def line_editing(history_file: Path) -> Iterator[Prompt]:
    """readline on the prompt (where Python has it), with ``history_file`` read at the
    start and kept as it grows; without readline, plain input."""
    try:
        import readline  # noqa: PLC0415
    except ImportError:  # Windows without pyreadline: input() still works
        yield Prompt(history_file, None)
        return
    with contextlib.suppress(OSError):
        readline.read_history_file(history_file)
    readline.set_history_length(HISTORY_LENGTH)
    try:
        yield Prompt(history_file, readline)
    finally:
        with contextlib.suppress(OSError):
            history_file.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(history_file)  # trimmed to HISTORY_LENGTH
