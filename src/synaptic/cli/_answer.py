"""One answer on the terminal: streamed as it arrives, timed, with its usage footer.

An answer that fails after part of it was shown ends that line first, so the error
that follows starts on a line of its own (DESIGN 18).
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from synaptic_core import AIMessageChunk, AnyMessage, ChatModel, ChunkMerger


class Usage:
    """Timing and token counts of one answer, for the footer, ``--json`` and the log."""

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
    model: ChatModel,
    messages: list[AnyMessage],
    usage: Usage,
    *,
    timeout: float | None,
    merger: ChunkMerger | None = None,
) -> AIMessageChunk:
    """Print the answer as it streams; return the merged chunks (merged as they come, so
    memory follows the answer's size, not its number of chunks). Pass ``merger`` to keep
    what arrived when the stream fails (the log keeps a partial answer). A failure after
    some text was shown ends the line before the error propagates."""
    from synaptic_core import ChunkMerger  # noqa: PLC0415
    from synaptic_core._secrets import StreamScrubber  # noqa: PLC0415

    merger = ChunkMerger() if merger is None else merger
    shown = StreamScrubber()  # a server may echo the key, even split across chunks
    open_line = False
    try:
        with model.stream_chat_sync(messages, timeout=timeout) as stream:
            for chunk in stream:
                merger.add(chunk)
                if chunk.content:
                    usage.first_chunk()
                    text = shown.feed(chunk.content)
                    if text:
                        sys.stdout.write(text)
                        sys.stdout.flush()
                        open_line = not text.endswith("\n")
    except BaseException:
        rest = shown.flush()  # what was held back is shown, also when the stream fails
        try:
            if rest:
                sys.stdout.write(rest)
                open_line = not rest.endswith("\n")
            if open_line:
                sys.stdout.write("\n")
            sys.stdout.flush()
        except (OSError, ValueError):  # the terminal is gone: the first error is the one
            pass
        raise
    sys.stdout.write(shown.flush())
    usage.end()
    sys.stdout.write("\n")
    sys.stdout.flush()
    return merger.result()
