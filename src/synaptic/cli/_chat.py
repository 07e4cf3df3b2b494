"""``synaptic chat``: one question (argument, standard input, or both), or a conversation.

With a prompt, or with input piped in, the answer streams to stdout and the command
ends; with both, the prompt comes first and the piped text after it (as ``llm`` does:
``cat notes.txt | synaptic chat "Summarise:"``). With neither, on a terminal, it is a
conversation: history kept, ``/exit`` or Ctrl-D to leave, Ctrl-C to stop the answer
being written (only that answer). A usage footer (tokens, time to first token, speed,
what the rate limit has left) goes to stderr on a terminal; ``--json`` carries the same
numbers.

Input that is not valid UTF-8 is never a crash: it is decoded with ``--encoding``
(default UTF-8), and bytes that do not decode are replaced (U+FFFD) with a warning.
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from synaptic.cli._common import clean_warnings, one_line, use_color
from synaptic.cli._home import remembered_budgets

if TYPE_CHECKING:
    from synaptic_core import AIMessageChunk, AnyMessage, ChatModel


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


def _argument_text(prompt: str, encoding: str) -> str:
    # POSIX hands argv over as bytes decoded with surrogateescape: undo that, then decode.
    raw = prompt.encode(sys.getfilesystemencoding(), "surrogateescape")
    return decode_input(raw, encoding, "the prompt")


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (OSError, ValueError):
        return False


def _stdin_bytes() -> bytes | None:
    """Piped standard input, or None when there is none (a terminal, or no stdin)."""
    stream = sys.stdin
    if stream is None or _is_terminal(stream):
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


class Usage:
    """Timing and token counts of one answer, for the footer and ``--json``."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.first: float | None = None
        self.ended: float | None = None

    def first_chunk(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def end(self) -> None:
        self.ended = time.perf_counter()

    def numbers(self, answer: Any) -> dict[str, Any]:
        """The footer's facts (None where unknown) from a response or merged chunk."""
        usage = getattr(answer, "usage", None)
        limit = getattr(answer, "rate_limit", None)
        ended = self.ended or time.perf_counter()
        first = self.first if self.first is not None else ended
        output = usage.output_tokens if usage is not None else None
        generating = ended - first
        speed = None
        if output and usage is not None and usage.completion_time:
            speed = output / usage.completion_time  # the provider's own generation time
        elif output and generating > 0:
            speed = output / generating
        return {
            "input_tokens": usage.input_tokens if usage is not None else None,
            "output_tokens": output,
            "time_to_first_token": round(first - self.started, 3),
            "seconds": round(ended - self.started, 3),
            "output_tokens_per_second": None if speed is None else round(speed, 1),
            "remaining_requests": getattr(limit, "remaining_requests", None),
            "remaining_tokens": getattr(limit, "remaining_tokens", None),
        }


def footer(numbers: dict[str, Any], *, color: bool) -> str:
    """One line: ``20 in · 12 out · first token 0.21 s · 540 tok/s · 14,399 requests left``."""
    parts: list[str] = []
    if numbers["input_tokens"] is not None:
        parts.append(f"{numbers['input_tokens']:,} in")
    if numbers["output_tokens"] is not None:
        parts.append(f"{numbers['output_tokens']:,} out")
    parts.append(f"first token {numbers['time_to_first_token']:.2f} s")
    if numbers["output_tokens_per_second"] is not None:
        parts.append(f"{numbers['output_tokens_per_second']:,.0f} tok/s")
    if numbers["remaining_requests"] is not None:
        parts.append(f"{numbers['remaining_requests']:,} requests left")
    if numbers["remaining_tokens"] is not None:
        parts.append(f"{numbers['remaining_tokens']:,} tokens left")
    line = "[" + " · ".join(parts) + "]"
    return click.style(line, dim=True) if color else line


def stream_answer(
    model: ChatModel, messages: list[AnyMessage], usage: Usage, *, timeout: float | None
) -> AIMessageChunk:
    """Print the answer as it streams; return the merged chunks (merged as they come, so
    memory follows the answer's size, not its number of chunks)."""
    from synaptic_core import ChunkMerger  # noqa: PLC0415
    from synaptic_core._secrets import StreamScrubber  # noqa: PLC0415

    merger = ChunkMerger()
    shown = StreamScrubber()  # a server may echo the key, even split across chunks
    try:
        with model.stream_chat_sync(messages, timeout=timeout) as stream:
            for chunk in stream:
                merger.add(chunk)
                if chunk.content:
                    usage.first_chunk()
                    sys.stdout.write(shown.feed(chunk.content))
                    sys.stdout.flush()
    finally:  # what was held back is shown, also when the stream fails
        sys.stdout.write(shown.flush())
    usage.end()
    sys.stdout.write("\n")
    sys.stdout.flush()
    return merger.result()


def converse(
    model: ChatModel,
    system: list[AnyMessage],
    *,
    read: Callable[[str], str] = input,
    answer: Callable[[list[AnyMessage]], Any] | None = None,
    write: Callable[[str], None] = lambda text: click.echo(text, err=True),
) -> None:
    """The conversation loop: history kept; ``/exit``, ``/quit`` or Ctrl-D (EOF) leave;
    Ctrl-C while an answer is written stops that answer only (it is not kept)."""
    from synaptic_core import AIMessage, HumanMessage  # noqa: PLC0415

    history: list[AnyMessage] = list(system)
    write("Chatting with the model; /exit or Ctrl-D to leave, Ctrl-C stops an answer.")
    while True:
        try:
            line = read("> ")
        except EOFError:
            write("")
            return
        except KeyboardInterrupt:
            write("")
            continue
        text = line.strip()
        if not text:
            continue
        if text in ("/exit", "/quit"):
            return
        turn = [*history, HumanMessage(text)]
        try:
            said = answer(turn) if answer is not None else None
        except KeyboardInterrupt:
            write("\n(answer stopped)")
            continue
        content = getattr(said, "content", "")
        history = [*turn, AIMessage(content)]


def announce_waits(model: Any, *, terminal: bool | None = None) -> None:
    """Say on stderr (a terminal only) when a request waits for the rate-limit budget."""
    if not (_is_terminal(sys.stderr) if terminal is None else terminal):
        return
    from synaptic_core import model_chain  # noqa: PLC0415
    from synaptic_core.pacing import RateLimitedChatModel  # noqa: PLC0415

    for each in model_chain(model):  # under retry and fallback wrappers
        if isinstance(each, RateLimitedChatModel):
            each.on_wait = lambda seconds: click.echo(
                f"(waiting {seconds:.1f}s for the rate-limit budget)", err=True
            )


def _build_messages(system: str | None, prompt: str) -> list[AnyMessage]:
    from synaptic_core import HumanMessage, SystemMessage  # noqa: PLC0415

    messages: list[AnyMessage] = [SystemMessage(system)] if system else []
    messages.append(HumanMessage(prompt))
    return messages


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
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    help="Retry rate limits, server errors and cut connections this many times.",
)
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
    help="Encoding of the prompt and of standard input.",
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
    """Ask a model; the answer streams to the terminal as it arrives.

    PROMPT and piped standard input are both sent (the prompt first). PROMPT '-' reads
    standard input only. With neither, on a terminal: a conversation.
    """
    from synaptic_core import load_chat_model  # noqa: PLC0415

    if timeout is not None and math.isnan(timeout):  # NaN passes a range check
        raise click.BadParameter("must be a number of seconds", param_hint="--timeout")
    timeout = timeout or None  # 0: no limit
    text = None if prompt in (None, "-") else _argument_text(str(prompt), encoding)
    piped = _stdin_bytes()
    if piped:
        stdin_text = decode_input(piped, encoding, "standard input")
        text = stdin_text if text is None else f"{text}\n\n{stdin_text}"
    elif prompt == "-":
        raise click.UsageError("'-' reads the prompt from standard input, but none was piped")
    overrides: dict[str, Any] = {}
    if temperature is not None:
        overrides["temperature"] = temperature
    if max_tokens is not None:
        overrides["max_tokens"] = max_tokens
    if retries is not None:
        overrides["retry"] = {"max_attempts": retries + 1}
    footer_wanted = sys.stderr.isatty() if show_usage is None else show_usage
    color = use_color(no_color)
    # The whole command: a store or budget warning mid-answer too; the budget as the last
    # run left it, written back on the way out.
    with remembered_budgets(), clean_warnings():
        model = load_chat_model(spec, config_file=config_file, **overrides)
        announce_waits(model)
        with model:
            _ask(model, text, system, timeout, as_json=as_json, no_stream=no_stream,
                 footer_wanted=footer_wanted, color=color)  # fmt: skip


def _ask(
    model: ChatModel,
    text: str | None,
    system: str | None,
    timeout: float | None,
    *,
    as_json: bool,
    no_stream: bool,
    footer_wanted: bool,
    color: bool,
) -> None:
    """One question (or, with no text on a terminal, a conversation). What a server
    sends is shown with remembered keys scrubbed: the command never prints a key."""
    from synaptic_core._secrets import scrub  # noqa: PLC0415

    if text is None:
        if not _is_terminal(sys.stdin):
            raise click.UsageError("give a prompt, or pipe one on standard input")
        _conversation(model, system, timeout, footer_wanted=footer_wanted, color=color)
        return
    messages = _build_messages(system, text)
    usage = Usage()
    if as_json:
        response = model.chat_sync(messages, timeout=timeout)
        usage.first_chunk()
        usage.end()
        data = json.loads(response.model_dump_json())
        data["usage_summary"] = usage.numbers(response)
        click.echo(scrub(json.dumps(data, indent=2, ensure_ascii=False)))
        return
    if no_stream:
        response = model.chat_sync(messages, timeout=timeout)
        usage.first_chunk()
        usage.end()
        click.echo(scrub(response.content))
        answer: Any = response
    else:
        answer = stream_answer(model, messages, usage, timeout=timeout)
    if footer_wanted:
        click.echo(footer(usage.numbers(answer), color=color), err=True)


def _conversation(
    model: ChatModel,
    system: str | None,
    timeout: float | None,
    *,
    footer_wanted: bool,
    color: bool,
) -> None:
    from synaptic_core import SystemMessage  # noqa: PLC0415

    def answer(turn: list[AnyMessage]) -> Any:
        usage = Usage()
        merged = stream_answer(model, turn, usage, timeout=timeout)
        if footer_wanted:
            click.echo(footer(usage.numbers(merged), color=color), err=True)
        return merged

    converse(model, [SystemMessage(system)] if system else [], answer=answer)


__all__ = ["chat", "converse", "decode_input", "footer", "one_line"]
