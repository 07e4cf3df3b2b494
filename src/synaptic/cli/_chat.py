"""``synaptic chat``: one question (argument, standard input, or both), or a conversation.

With a prompt, or with input piped in, the answer streams to stdout and the command
ends; with both, the prompt comes first and the piped text after it (as ``llm`` does:
``cat notes.txt | synaptic chat "Summarise:"``). With neither, on a terminal, it is a
conversation (``_conversation.py``). A usage footer (tokens, time to first token, speed,
what the rate limit has left) goes to stderr on a terminal; ``--json`` carries the same
numbers. Every exchange is logged (``_logstore.py``) unless ``--no-log``; ``-c``
continues the latest conversation, ``--cid`` a given one. Transient errors are retried
(3 attempts in all) unless ``--retries 0``; waits and retries are said on a terminal.

Piped input that is not valid UTF-8 is never a crash: it is decoded with ``--encoding``
(default UTF-8), and bytes that do not decode are replaced (U+FFFD) with a warning. The
prompt argument is text already (the terminal's encoding); ``--encoding`` leaves it be.
"""

from __future__ import annotations

import json
import math
import sqlite3
import sys
from typing import TYPE_CHECKING, Any

import click

from synaptic.cli._answer import Usage, footer, stream_answer
from synaptic.cli._common import (
    Stopped,
    clean_warnings,
    is_terminal,
    retries_option,
    stopped_by_signals,
    use_color,
)
from synaptic.cli._home import home, remembered_budgets
from synaptic.cli._logstore import (
    Exchange,
    LogError,
    LogStore,
    history,
    logging_wanted,
    logs_path,
    new_conversation_id,
)

if TYPE_CHECKING:
    from synaptic_core import AnyMessage, ChatModel


#: The whole answer's default limit in seconds: generous for a long reasoning answer, but a
#: server that drips bytes (or stops sending) cannot hold a terminal forever.
DEFAULT_TIMEOUT = 600.0


def decode_input(data: bytes, encoding: str, what: str) -> str:
    """``data`` as text; undecodable bytes replaced, with one warning that says so."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        bad = data[error.start : error.start + 1].hex()
        click.echo(
            f"warning: {what} is not valid {encoding} (byte 0x{bad} at position "
            f"{error.start}); undecodable bytes were replaced with U+FFFD; pass "
            "--encoding (e.g. --encoding latin-1) if you know its encoding",
            err=True,
        )
        return data.decode(encoding, errors="replace")
    except LookupError:
        raise click.BadParameter(
            f"unknown encoding {encoding!r}", param_hint="--encoding"
        ) from None


def _argument_text(prompt: str) -> str:
    """The prompt argument as text. Python decoded it with the locale's encoding; bytes
    that did not decode (kept as surrogates) are replaced, with a warning."""
    if not any("\udc80" <= c <= "\udcff" for c in prompt):
        return prompt
    encoding = sys.getfilesystemencoding()
    return decode_input(prompt.encode(encoding, "surrogateescape"), encoding, "the prompt")


def _stdin_bytes() -> bytes | None:
    """Piped standard input, or None when there is none (a terminal, or no stdin)."""
    stream = sys.stdin
    if stream is None or is_terminal(stream):
        return None
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            data: bytes = buffer.read()
            return data
        text = stream.read()
    except (OSError, ValueError):  # closed, or not readable (a test runner's stand-in)
        return None
    return text.encode("utf-8", "surrogateescape")


class Session:
    """What this run says and where it goes: the conversation's id and history, the log
    (None with ``--no-log``), and the model's provider and id for each logged exchange."""

    def __init__(
        self, store: LogStore | None, conversation_id: str, said: list[AnyMessage]
    ) -> None:
        self.store = store
        self.conversation_id = conversation_id
        self.said = said
        self.provider: str | None = None
        self.model: str | None = None

    def describe(self, model: ChatModel) -> None:
        from synaptic_core.telemetry._call import describe  # noqa: PLC0415

        self.provider, self.model, *_ = describe(model)

    def log(self, turn: list[AnyMessage], answer: Any, usage: Usage, error: str | None) -> None:
        """Log one exchange; a log that cannot be written costs a warning, not the answer."""
        if self.store is None:
            return
        numbers = usage.numbers(answer) if answer is not None else {}
        system = next((m.content for m in turn if m.role == "system"), None)
        exchange = Exchange(
            conversation_id=self.conversation_id,
            prompt=turn[-1].content,
            answer=getattr(answer, "content", "") or "",
            system=system,
            provider=self.provider,
            model=getattr(answer, "model", None) or self.model,
            reasoning=_reasoning(answer),
            input_tokens=numbers.get("input_tokens"),
            output_tokens=numbers.get("output_tokens"),
            time_to_first_token=numbers.get("time_to_first_token"),
            seconds=numbers.get("seconds"),
            finish_reason=getattr(answer, "finish_reason", None),
            request_id=getattr(answer, "request_id", None),
            error=error,
        )
        try:
            self.store.add(exchange)
        except (LogError, OSError, sqlite3.Error) as failure:
            click.echo(f"warning: the exchange was not logged: {failure}", err=True)
            self.store = None  # once: the rest of the run goes unlogged, said once


def _reasoning(answer: Any) -> str | None:
    """The answer's reasoning text, if it showed any (a merged chunk or a response)."""
    found = getattr(answer, "reasoning", None)
    if found is None:
        found = getattr(getattr(answer, "message", None), "reasoning", None)
    return found if isinstance(found, str) and found else None


def _start(
    store: LogStore | None, continue_latest: bool, conversation_id: str | None
) -> tuple[str, list[AnyMessage]]:
    """The conversation this run adds to: a new one, the latest (``-c``), or ``--cid``."""
    if not (continue_latest or conversation_id):
        return new_conversation_id(), []
    if continue_latest and conversation_id:
        raise click.UsageError("give -c (the latest conversation) or --cid ID, not both")
    reader = store if store is not None else LogStore()
    if not reader.path.exists():
        msg = f"nothing to continue: no conversation logged yet ({reader.path} does not exist)"
        raise LogError(msg)
    try:
        found = conversation_id or reader.latest_conversation()
        if found is None:
            raise LogError(f"nothing to continue: no conversation logged yet in {reader.path}")
        return found, history(reader.conversation(found))
    finally:
        if reader is not store:
            reader.close()


def _with_system(said: list[AnyMessage], system: str | None) -> list[AnyMessage]:
    """A ``-s`` given now replaces a continued conversation's system prompt."""
    if system is None:
        return said
    from synaptic_core import SystemMessage  # noqa: PLC0415

    return [SystemMessage(system), *(m for m in said if m.role != "system")]


@click.command()
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
    "--continue",
    "continue_latest",
    is_flag=True,
    help="Continue the latest logged conversation.",
)
@click.option("--cid", "conversation_id", metavar="ID", help="Continue this logged conversation.")
@click.option("--no-log", is_flag=True, help="Do not log this run's exchanges.")
@click.option(
    "-C",
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    help="Config file (default: $SYNAPTIC_CONFIG, ./synaptic.toml, "
    "~/.config/synaptic/synaptic.toml).",
)
@click.option("-s", "--system", help="A system prompt.")
@click.option("-t", "--temperature", type=float, help="Sampling temperature override.")
@click.option("--max-tokens", type=click.IntRange(min=1), help="Most tokens to generate.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, max=1e9),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    help="Give up on a request after this many seconds (from connecting to the answer's "
    "last byte; a server that drips bytes is cut off too; each retry gets its own); "
    "0: no limit.",
)
@retries_option
@click.option(
    "--no-stream", is_flag=True, help="Wait for the whole answer instead of streaming it."
)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the whole response and its usage numbers as JSON (implies --no-stream).",
)
@click.option(
    "--encoding",
    default="utf-8",
    show_default=True,
    help="Encoding of piped standard input (the prompt argument is text already).",
)
@click.option("--no-color", is_flag=True, help="No colour in the usage footer.")
@click.option(
    "--usage/--no-usage",
    "show_usage",
    default=None,
    help="Print the usage footer on stderr (default: on a terminal).",
)
def chat(
    *,
    prompt: str | None,
    spec: str | None,
    continue_latest: bool,
    conversation_id: str | None,
    no_log: bool,
    config_file: str | None,
    system: str | None,
    temperature: float | None,
    max_tokens: int | None,
    timeout: float | None,
    retries: int | None,
    no_stream: bool,
    as_json: bool,
    encoding: str,
    no_color: bool,
    show_usage: bool | None,
) -> None:
    """Ask a model, or hold a conversation; every exchange is logged.

    PROMPT and piped standard input are both sent (the prompt first). PROMPT '-' reads
    standard input only. With neither, on a terminal: a conversation (/help lists its
    commands). `synaptic logs` shows the log; -c continues the latest conversation.
    """
    from synaptic.cli._logstore import maybe_store  # noqa: PLC0415
    from synaptic.cli._visible import announced  # noqa: PLC0415
    from synaptic_core import load_chat_model  # noqa: PLC0415

    if timeout is not None and math.isnan(timeout):  # NaN passes a range check
        raise click.BadParameter("must be a number of seconds", param_hint="--timeout")
    timeout = timeout or None  # 0: no limit
    text = None if prompt in (None, "-") else _argument_text(str(prompt))
    piped = _stdin_bytes()
    if piped:
        stdin_text = decode_input(piped, encoding, "standard input")
        text = stdin_text if text is None else f"{text}\n\n{stdin_text}"
    elif prompt == "-":
        raise click.UsageError(
            "'-' reads the prompt from standard input, but it was empty"
            if piped is not None
            else "'-' reads the prompt from standard input, but none was piped"
        )
    overrides: dict[str, Any] = {}
    if temperature is not None:
        overrides["temperature"] = temperature
    if max_tokens is not None:
        overrides["max_tokens"] = max_tokens
    if retries is not None:
        overrides["retries"] = retries
    footer_wanted = sys.stderr.isatty() if show_usage is None else show_usage
    color = use_color(no_color)
    if text is None and not is_terminal(sys.stdin):
        raise click.UsageError("give a prompt, or pipe one on standard input")
    if text is not None and not text.strip():
        raise click.UsageError("the prompt is empty (only spaces or blank lines)")
    # The whole command: a store or budget warning mid-answer too; the budget as the last
    # run left it, written back on the way out.
    with (
        stopped_by_signals(),
        remembered_budgets(),
        clean_warnings(),
        maybe_store(logging_wanted(no_log)) as store,
    ):
        cid, said = _start(store, continue_latest, conversation_id)
        session = Session(store, cid, _with_system(said, system))
        model = load_chat_model(spec, config_file=config_file, **overrides)
        session.describe(model)
        with model, announced():
            if text is None:
                _conversation(model, session, timeout, footer_wanted=footer_wanted, color=color)
            else:
                _ask(model, session, text, timeout, as_json=as_json, no_stream=no_stream,
                     footer_wanted=footer_wanted, color=color)  # fmt: skip


def _answer(
    model: ChatModel,
    session: Session,
    turn: list[AnyMessage],
    timeout: float | None,
    *,
    stream: bool,
    footer_wanted: bool,
    color: bool,
) -> Any:
    """One answer, shown and logged; an error is logged with what part of the answer
    was shown, then raised."""
    from synaptic.cli._common import one_line  # noqa: PLC0415
    from synaptic_core import ChunkMerger  # noqa: PLC0415
    from synaptic_core._secrets import scrub  # noqa: PLC0415

    usage = Usage()
    merger = ChunkMerger()
    try:
        if stream:
            answer: Any = stream_answer(model, turn, usage, timeout=timeout, merger=merger)
        else:
            answer = model.chat_sync(turn, timeout=timeout)
            usage.first_chunk()
            usage.end()
            click.echo(scrub(answer.content))
    except KeyboardInterrupt:
        usage.end()
        session.log(turn, merger.result() if stream else None, usage, "stopped (Ctrl-C)")
        raise
    except Stopped as stop:
        usage.end()
        session.log(turn, merger.result() if stream else None, usage, f"stopped ({stop.name})")
        raise
    except Exception as error:
        usage.end()
        session.log(turn, merger.result() if stream else None, usage, one_line(error))
        raise
    session.log(turn, answer, usage, None)
    if footer_wanted:
        click.echo(footer(usage.numbers(answer), color=color), err=True)
    return answer


def _ask(
    model: ChatModel,
    session: Session,
    text: str,
    timeout: float | None,
    *,
    as_json: bool,
    no_stream: bool,
    footer_wanted: bool,
    color: bool,
) -> None:
    """One question. What a server sends is shown with remembered keys scrubbed: the
    command never prints a key."""
    from synaptic_core import HumanMessage  # noqa: PLC0415
    from synaptic_core._secrets import scrub  # noqa: PLC0415

    turn = [*session.said, HumanMessage(text)]
    if as_json:
        usage = Usage()
        try:
            response = model.chat_sync(turn, timeout=timeout)
        except Exception as error:
            from synaptic.cli._common import one_line  # noqa: PLC0415

            session.log(turn, None, usage, one_line(error))
            raise
        usage.first_chunk()
        usage.end()
        session.log(turn, response, usage, None)
        data = json.loads(response.model_dump_json())
        data["usage_summary"] = usage.numbers(response)
        data["conversation_id"] = session.conversation_id if session.store else None
        click.echo(scrub(json.dumps(data, indent=2, ensure_ascii=False)))
        return
    _answer(model, session, turn, timeout, stream=not no_stream, footer_wanted=footer_wanted,
            color=color)  # fmt: skip


def _conversation(
    model: ChatModel,
    session: Session,
    timeout: float | None,
    *,
    footer_wanted: bool,
    color: bool,
) -> None:
    from synaptic.cli._conversation import converse, line_editing  # noqa: PLC0415

    system = [m for m in session.said if m.role == "system"]

    def reset() -> None:
        session.conversation_id = new_conversation_id()

    def answer(turn: list[AnyMessage]) -> Any:
        return _answer(model, session, turn, timeout, stream=True, footer_wanted=footer_wanted,
                       color=color)  # fmt: skip

    if session.said and session.store is not None:
        turns = sum(1 for m in session.said if m.role == "human")
        click.echo(f"(continuing conversation {session.conversation_id}: {turns} exchanges)",
                   err=True)  # fmt: skip
    with line_editing(home() / "chat_history") as prompt:
        converse(model, system, read=prompt.read, answer=answer, history=session.said,
                 on_reset=reset, on_block=prompt.block)  # fmt: skip


__all__ = ["chat", "decode_input", "logs_path"]
