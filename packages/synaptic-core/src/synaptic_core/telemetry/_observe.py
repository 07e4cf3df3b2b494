"""The observers ``ChatModel``'s methods hand a call to when something listens.

One ``ChatCall`` per caller's request: the outermost model's call starts it and makes
it the active call (a context variable); the models it wraps (retries, pacing,
fallbacks) see an active call and report into it (``retried``, ``waited``,
``fell_back``) instead of starting their own. A stream is active only while it is
producing its first chunk (retries, waits and fallbacks all happen before it), never
while the caller holds one, so a call made in the caller's loop body is its own.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextvars import ContextVar
from typing import TYPE_CHECKING

from synaptic_core.telemetry._call import ChatCall
from synaptic_core.telemetry._hooks import LISTENERS, notify

if TYPE_CHECKING:
    from synaptic_core._chat_model import ChatModel
    from synaptic_core._request import ChatRequest
    from synaptic_core._response import AIMessageChunk, ChatResponse

ACTIVE: ContextVar[ChatCall | None] = ContextVar("synaptic_active_call", default=None)


def _start(model: ChatModel, request: ChatRequest, *, stream: bool) -> ChatCall:
    call = ChatCall(model, request, stream=stream)
    notify("on_start", call)
    return call


def _end(call: ChatCall) -> None:
    call.ended = time.perf_counter()
    notify("on_end", call)


def _fail(call: ChatCall, error: BaseException) -> None:
    call.ended = time.perf_counter()
    call.error = error
    notify("on_error", call, error)


async def observe_chat(
    model: ChatModel, request: ChatRequest, run: Callable[[ChatRequest], Awaitable[ChatResponse]]
) -> ChatResponse:
    if ACTIVE.get() is not None:
        return await run(request)
    call = _start(model, request, stream=False)
    token = ACTIVE.set(call)
    try:
        response = await run(request)
    except BaseException as error:
        ACTIVE.reset(token)
        _fail(call, error)
        raise
    ACTIVE.reset(token)
    call.answered(response)
    _end(call)
    return response


def observe_chat_sync(
    model: ChatModel, request: ChatRequest, run: Callable[[ChatRequest], ChatResponse]
) -> ChatResponse:
    if ACTIVE.get() is not None:
        return run(request)
    call = _start(model, request, stream=False)
    token = ACTIVE.set(call)
    try:
        response = run(request)
    except BaseException as error:
        ACTIVE.reset(token)
        _fail(call, error)
        raise
    ACTIVE.reset(token)
    call.answered(response)
    _end(call)
    return response


def _finish_stream(call: ChatCall, *, complete: bool) -> None:
    call.abandoned = not complete  # call.response is built when a listener asks for it
    _end(call)


def _first(call: ChatCall, chunks: Iterator[AIMessageChunk]) -> AIMessageChunk:
    """The first chunk, made with ``call`` active: what reports into a call (retries,
    waits, fallbacks) happens before it; later chunks are made without the switch."""
    token = ACTIVE.set(call)
    try:
        return next(chunks)
    finally:
        ACTIVE.reset(token)


async def _afirst(
    call: ChatCall, following: Callable[[], Awaitable[AIMessageChunk]]
) -> AIMessageChunk:
    token = ACTIVE.set(call)
    try:
        return await following()
    finally:
        ACTIVE.reset(token)


async def observe_stream(
    model: ChatModel, request: ChatRequest, chunks: AsyncIterator[AIMessageChunk]
) -> AsyncIterator[AIMessageChunk]:
    """The stream's chunks, observed; ends the call when the stream ends, fails, or is
    closed before its end (``abandoned``)."""
    if ACTIVE.get() is not None:  # an inner model's stream: its caller observes
        async for chunk in chunks:
            yield chunk
        return
    call = _start(model, request, stream=True)
    done = False
    record = call.chunk  # looked up once, not per chunk
    following = chunks.__anext__
    try:
        while True:
            try:
                chunk = (
                    await _afirst(call, following)
                    if call.first_chunk_at is None
                    else await following()
                )
            except StopAsyncIteration:
                break
            if record(chunk):
                notify("on_first_chunk", call)
            yield chunk
    except GeneratorExit:
        done = True
        _finish_stream(call, complete=False)
        raise
    except BaseException as error:
        done = True
        _fail(call, error)
        raise
    finally:
        aclose = getattr(chunks, "aclose", None)
        if aclose is not None:
            await aclose()
        if not done:
            _finish_stream(call, complete=True)


def observe_stream_sync(
    model: ChatModel, request: ChatRequest, chunks: Iterator[AIMessageChunk]
) -> Iterator[AIMessageChunk]:
    """``observe_stream`` for blocking streams."""
    if ACTIVE.get() is not None:
        yield from chunks
        return
    call = _start(model, request, stream=True)
    done = False
    record = call.chunk  # looked up once, not per chunk
    try:
        while True:
            try:
                chunk = _first(call, chunks) if call.first_chunk_at is None else next(chunks)
            except StopIteration:
                break
            if record(chunk):
                notify("on_first_chunk", call)
            yield chunk
    except GeneratorExit:
        done = True
        _finish_stream(call, complete=False)
        raise
    except BaseException as error:
        done = True
        _fail(call, error)
        raise
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()
        if not done:
            _finish_stream(call, complete=True)


# --- what wrapped models report into the active call ------------------------------


def retried(attempt: int, delay: float, error: BaseException) -> None:
    call = ACTIVE.get()
    if call is not None and LISTENERS:
        call.attempts = attempt + 1
        notify("on_retry", call, attempt, delay, error)


def waited(seconds: float) -> None:
    call = ACTIVE.get()
    if call is not None and LISTENERS:
        call.waited += seconds
        notify("on_wait", call, seconds)


def fell_back(failed: str, error: BaseException, next_label: str) -> None:
    call = ACTIVE.get()
    if call is not None and LISTENERS:
        notify("on_fallback", call, failed, error, next_label)
