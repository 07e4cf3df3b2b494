"""``BatchJob``: run batch lines live, as fast as the rate-limit budget allows.

How many requests are in flight is not a fixed guess: a request starts when the
pacing budget (``synaptic_core.pacing``) would let it go within ``lookahead`` seconds,
so at the limit the job keeps just enough requests queued to use every slot, and
below it as many as ``max_in_flight`` (growing from one by one per round trip: a
cautious start, so a budget spent elsewhere costs a few 429s, not a burst of them). The first
request runs alone (a probe: it teaches the budget the provider's limits from its
headers). A model without pacing is
paced from the headers; one without retries gets ``RetryChatModel``'s defaults.

Each finished line is written (appended, flushed) the moment it finishes, before it is
yielded; stopping the job (Ctrl-C, ``break``, cancelling the task) cancels the requests
in flight, which refund their budget and write nothing, so ``resume=True`` redoes
exactly them.

A line is written as failed only if its request was sent (``_stops``): a request the
budget refuses (a wait past ``max_wait``, a 429 asking for longer, its store failing)
stops the job with ``BatchStoppedError`` instead, nothing written for it, and a job
whose first lines all fail the same permanent way (a wrong key, a missing model) stops
with ``BatchStoppedEarlyError`` before sending the rest. Resuming runs again the lines
whose last output line failed in a retryable way (all failed lines with
``retry_failed``).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import IO, Any

from synaptic_core import (
    ChatModel,
    ChatRequest,
    InputError,
    ParseError,
    RateLimitError,
    SynapticError,
    model_chain,
)
from synaptic_core.pacing import RateLimitedChatModel
from synaptic_openai.batch._budget import allowed_wait, budget_rates, ready_for_bulk, unwatch, watch
from synaptic_openai.batch._lines import (
    MAX_LINE_BYTES,
    BatchLine,
    BatchSource,
    LineReader,
    check_lines,
    digest,
    parse_line,
)
from synaptic_openai.batch._output import (
    BatchResult,
    OutputWriteError,
    OutputWriter,
    check_not_input,
    check_output_path,
    result_from_error,
    result_from_response,
    scan_output,
)
from synaptic_openai.batch._plan import BatchPlan, BatchSummary, Todo
from synaptic_openai.batch._progress import BatchProgress, estimate_eta
from synaptic_openai.batch._stops import Streak, budget_stop, never_sent, refused_locally
from synaptic_openai.batch._wire import BodyError

ModelSource = ChatModel | Callable[[str], ChatModel]
"""One model for every line, or a factory called once per body ``model`` name."""

MAX_REQUEUES = 20
"""How many times a line refused with a 429 (after its retries) runs again."""


class _ModelLoadError(Exception):
    """A model could not be loaded: the job stops at once (not a problem per line)."""

    def __init__(self, error: SynapticError) -> None:
        super().__init__(str(error))
        self.error = error


def _cancelling() -> bool:
    """Whether the running task was asked to stop. ``asyncio.wait_for`` (which bounds a
    request with a ``timeout`` on Python 3.10 and 3.11) swallows a cancel that arrives
    as its request finishes: the job then re-cancels, and drops the line unwritten."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return bool(cancelling()) if cancelling is not None else False


def _check_options(
    shard: tuple[int, int] | None,
    max_in_flight: int,
    stop_after: int,
    outage_after: int,
    timeout: float | None,
) -> None:
    if shard is not None:
        k, n = shard
        if not (isinstance(k, int) and isinstance(n, int) and 1 <= k <= n):
            msg = f"shard must be (k, n) with 1 <= k <= n, got {shard!r}"
            raise InputError(msg)
    if max_in_flight < 1:
        msg = "max_in_flight must be at least 1"
        raise InputError(msg)
    if stop_after < 1 or outage_after < 1:
        msg = "stop_after and outage_after must be at least 1"
        raise InputError(msg)
    if timeout is not None and not timeout > 0:  # NaN too
        msg = f"timeout must be a number of seconds above 0 (or None), got {timeout!r}"
        raise InputError(msg)


class BatchJob:
    """A batch input run live against a chat model.

    ``source``: a path or lines (text, bytes or dicts); ``model``: a ``ChatModel`` for
    every line (it overrides the bodies' ``model``), or a factory called once per body
    ``model`` name. ``output``: where finished lines go (None: only yielded);
    ``resume``: finish an output an earlier run left, without redoing a line;
    ``shard``: ``(k, n)`` runs every n-th line starting at the k-th (1-based), so n
    machines sharing a budget (a Redis store) split one file. ``output`` may also be an
    open binary stream (``sys.stdout.buffer``: ``-o -``), which cannot be resumed.
    ``retry_failed``: when resuming, run again every line whose output line failed (by
    default only those that failed in a retryable way run again).

    ``prepare()`` checks every line before anything is sent; ``async for result in
    job`` (or ``job.results_sync()``) runs it, yielding each line as it finishes.
    ``max_in_flight`` caps concurrency (the budget decides below it); ``lookahead``:
    start a request when the budget lets it go within that many seconds;
    ``max_line_bytes``: the longest input line (longer is reported, never read whole);
    ``stop_after``: how many of the first lines failing the same permanent way stop the
    job (they run one at a time until one is answered); ``outage_after``: how many lines
    in a row failing after their retries stop it; ``timeout``: seconds each request may
    take, whole (None: the model's own limits; a line that times out is a retryable
    failure); ``on_progress(progress)`` is called at
    most every ``progress_every`` seconds while the job runs (``progress()`` any time);
    ``clock`` and ``asleep`` are injectable for tests.
    """

    def __init__(
        self,
        source: BatchSource,
        model: ModelSource,
        *,
        output: str | os.PathLike[str] | IO[bytes] | None = None,
        resume: bool = False,
        shard: tuple[int, int] | None = None,
        max_in_flight: int = 256,
        lookahead: float = 1.0,
        owns_models: bool = False,
        max_line_bytes: int = MAX_LINE_BYTES,
        retry_failed: bool = False,
        stop_after: int = 5,
        outage_after: int = 20,
        timeout: float | None = None,
        on_progress: Callable[[BatchProgress], None] | None = None,
        progress_every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        asleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        _check_options(shard, max_in_flight, stop_after, outage_after, timeout)
        self._stream: IO[bytes] | None = None
        path: str | os.PathLike[str] | None = None
        if output is None or isinstance(output, str | os.PathLike):
            path = output
        elif resume or retry_failed:
            msg = "a job writing to a stream cannot resume: give the output a file name"
            raise InputError(msg)
        else:
            self._stream = output
        if path is not None:
            check_not_input(source, path)  # before the input is read
        self._reader = LineReader(source, max_line_bytes=max_line_bytes)
        self._model_source = model
        self._models: dict[str | None, ChatModel] = {}
        self._owns_models = owns_models
        self.output = None if path is None else Path(path)
        self.resume = resume or retry_failed
        self.retry_failed = retry_failed
        self.on_progress = on_progress
        self.progress_every = progress_every
        self.shard = shard
        self.max_in_flight = max_in_flight
        self.lookahead = lookahead
        self.timeout = timeout
        self.plan: BatchPlan | None = None
        self._clock = clock
        self._asleep = asleep
        self.summary = BatchSummary(clock=clock)
        self._done: set[int] = set()
        self._ready_at = 0.0
        self._hooked: list[tuple[RateLimitedChatModel, Any]] = []
        self._requeued: dict[str, int] = {}
        self._counted = {"lines": 0, "in_shard": 0, "done": 0, "rerun": 0}
        self._seen: set[int] = set()
        self._running: AsyncGenerator[BatchResult, None] | None = None
        self._streak = Streak(first=stop_after, outage=outage_after)
        # A cautious start: requests in flight grow by one per round (a window's worth of
        # answers) up to max_in_flight. A fresh budget believes it is full; the server's
        # may be spent (an earlier job, a killed run): when its last room runs out, only
        # the window's few requests meet a 429 (about the square root of twice the room
        # left), not max_in_flight of them. A full budget's opening burst of N requests
        # takes about sqrt(2N) round trips (~35 for 600).
        self._window = 1
        self._answered = 0
        self._in_flight = 0
        self._reported = 0.0

    def __repr__(self) -> str:
        return f"BatchJob({self._reader.name!r}, output={self.output!r})"

    # --- models ---------------------------------------------------------------------

    def _model(self, name: str | None) -> ChatModel:
        key = None if isinstance(self._model_source, ChatModel) else name
        model = self._models.get(key)
        if model is None:
            if isinstance(self._model_source, ChatModel):
                base = self._model_source
            elif name is None:
                msg = "body.model is missing: name the model in the line, or give the job one"
                raise BodyError(msg)
            else:
                try:
                    base = self._model_source(name)
                except SynapticError as exc:  # no key, bad profile: not one line's fault
                    raise _ModelLoadError(exc) from exc
            model = self._models[key] = ready_for_bulk(base)
            for each in model_chain(model):
                if isinstance(each, RateLimitedChatModel):
                    self._hook(each)
        return model

    def _hook(self, paced: RateLimitedChatModel) -> None:
        previous = paced.on_wait

        def on_wait(seconds: float) -> None:
            self._ready_at = max(self._ready_at, self._clock() + seconds)
            if previous is not None:
                previous(seconds)

        self._hooked.append((paced, previous))
        paced.on_wait = on_wait
        watch(paced)

    def _unhook(self) -> None:
        for paced, previous in reversed(self._hooked):
            paced.on_wait = previous
            unwatch(paced)
        self._hooked.clear()

    # --- checking ---------------------------------------------------------------------

    def _check(self, line: BatchLine, request: ChatRequest) -> None:
        self._model(line.model).check_request(request)
        # Called once per line, in order, when every line is good: count the plan here
        # rather than read the input once more.
        ordinal = self._counted["lines"]
        self._counted["lines"] = ordinal + 1
        if self.shard is None or ordinal % self.shard[1] == self.shard[0] - 1:
            self._counted["in_shard"] += 1
            if self._seen:
                key = digest(line.custom_id)
                if key in self._done:
                    self._counted["done"] += 1
                elif key in self._seen:
                    self._counted["rerun"] += 1

    def prepare(self) -> BatchPlan:
        """Check every line (``BatchInputError`` lists what is wrong, by line number)
        and the output (an existing one needs ``resume``); nothing is sent."""
        if self.plan is not None:
            return self.plan
        try:
            self.plan = self._prepare()
        except _ModelLoadError as failed:
            self._reader.close()
            raise failed.error from None
        except BaseException:
            self._reader.close()  # the job cannot run: drop the spool now
            raise
        return self.plan

    def _prepare(self) -> BatchPlan:
        scan = None
        if self._stream is not None and (self.resume or self.retry_failed):
            msg = "a job writing to a stream cannot resume: give the output a file name"
            raise InputError(msg)
        if self.output is not None:
            check_output_path(self.output)  # a directory is not "an output with results"
            try:
                exists = self.output.exists() and self.output.stat().st_size > 0
                if exists and not self.resume:
                    msg = (
                        f"{self.output} already has results; resume it (--resume / "
                        "resume=True) or write to another file"
                    )
                    raise InputError(msg)
                if self.resume:
                    # cut a torn line only once all is checked
                    scan = scan_output(self.output, repair=False, retry_failed=self.retry_failed)
                    self._done, self._seen = scan.done, scan.seen
            except OSError as exc:  # no permission to read it, say: name the file
                raise OutputWriteError(self.output, exc, lines=0, what="read") from None
        self._counted = {"lines": 0, "in_shard": 0, "done": 0, "rerun": 0}
        checked = check_lines(self._reader, self._check)
        strangers = self._seen - checked.ids
        if strangers and self.output is not None:
            msg = (
                f"{self.output} has {len(strangers)} line(s) whose custom_id is not in "
                f"{self._reader.name}: is it the output of another input?"
            )
            raise InputError(msg)
        torn = 0
        if scan is not None and scan.torn and self.output is not None:
            torn = scan_output(self.output, repair=True).torn
        in_shard, done = self._counted["in_shard"], self._counted["done"]
        self.summary.skipped = done
        self._seen = set()  # what is left to run is known by ``_done`` alone
        return BatchPlan(
            checked.lines, in_shard, done, in_shard - done, torn, self._counted["rerun"]
        )

    def _lines(self) -> Iterator[BatchLine]:
        ordinal = 0
        for number, raw in self._reader:
            line = parse_line(number, raw)
            if line is None:
                continue
            ordinal += 1
            if self.shard is not None and (ordinal - 1) % self.shard[1] != self.shard[0] - 1:
                continue
            if digest(line.custom_id) in self._done:
                continue
            yield line

    # --- running ----------------------------------------------------------------------

    def _request(self, line: BatchLine) -> ChatRequest:
        request = line.request()
        if self.timeout is not None:  # the whole request, each attempt: a slow drip too
            request = request.with_timeout(self.timeout)
        return request

    async def _one(self, line: BatchLine, writer: OutputWriter | None) -> BatchResult | BatchLine:
        try:
            response = await self._model(line.model).chat(self._request(line))
        except asyncio.CancelledError:
            raise
        except RateLimitError as exc:
            if refused_locally(exc):  # never sent: the job stops, the line is not written
                raise budget_stop(exc, sent_429=False) from exc
            allowed = allowed_wait(paced for paced, _ in self._hooked)
            if exc.retry_after is not None and allowed is not None and exc.retry_after > allowed:
                # Sent, but the server asks for a longer wait than the budget allows:
                # no answer came, so nothing is written; resuming runs the line.
                raise budget_stop(exc, sent_429=True) from exc
            # A 429 is the budget's, never the line's: run it again once the budget
            # allows (the limiter bounds that wait by max_wait), a few times at most.
            tries = self._requeued.get(line.custom_id, 0)
            if exc.retryable and tries < MAX_REQUEUES:
                self._requeued[line.custom_id] = tries + 1
                return line
            result = result_from_error(line.custom_id, exc, line.number)
        except Exception as exc:
            if never_sent(exc):  # the budget's store failed: not the line's answer
                raise budget_stop(exc, sent_429=False) from exc
            result = result_from_error(line.custom_id, exc, line.number)
        else:
            result = result_from_response(line.custom_id, response, line.number)
            self._grow()
        if _cancelling():  # a cancel swallowed on the way (see ``_cancelling``): honour it
            raise asyncio.CancelledError
        self._requeued.pop(line.custom_id, None)
        if writer is not None:
            try:
                writer.write(result.row)  # no await between the answer and the write
            except ValueError as exc:  # an answer that cannot be JSON: the line's error
                error = ParseError(f"the answer cannot be written: {exc}")
                result = result_from_error(line.custom_id, error, line.number)
                writer.write(result.row)
        self._count(result)  # counted as written, even if the job stops before yielding it
        plan_total = self.plan.to_run if self.plan is not None else 0
        stop = self._streak.update(result.error, left=plan_total - self.summary.finished)
        if stop is not None:
            raise stop
        return result

    def _grow(self) -> None:
        """An answer came: after a window's worth of them (one round), one more in flight."""
        self._answered += 1
        if self._answered >= self._window:
            self._answered = 0
            self._window = min(self.max_in_flight, self._window + 1)

    def _count(self, result: BatchResult) -> None:
        if result.ok:
            self.summary.ok += 1
            usage = result.response.usage if result.response is not None else None
            if usage is not None:
                self.summary.input_tokens += usage.input_tokens
                self.summary.output_tokens += usage.output_tokens
        else:
            self.summary.failed += 1
            if result.retryable:
                self.summary.retryable += 1

    def _blocked(self, in_flight: int) -> float | None:
        """0 when another request may start now; else how long to wait at most for
        that to change (None: until a request finishes)."""
        if in_flight >= self._window:
            return None
        if in_flight and self._streak.opening:
            # The probe runs alone, and so do the lines after it while every one has
            # failed the same job-wide way (a wrong key costs a few requests, not all).
            return None
        ahead = self._ready_at - self._clock() - self.lookahead
        return ahead if ahead > 0 else 0.0

    async def _launch(
        self, todo: Todo, in_flight: set[asyncio.Task[Any]], writer: OutputWriter | None
    ) -> None:
        """Start lines while the budget (and ``max_in_flight``) lets them go now."""
        while todo and self._blocked(len(in_flight)) == 0:
            line = todo.next()
            if line is None:
                return
            in_flight.add(asyncio.ensure_future(self._one(line, writer)))
            await asyncio.sleep(0)  # the request takes its place in the budget

    def _collect(
        self, finished: set[asyncio.Task[Any]], in_flight: set[asyncio.Task[Any]], todo: Todo
    ) -> list[BatchResult]:
        """The finished tasks' results; the first error (a stop, a full disk) raised
        once every task's outcome has been looked at."""
        results = []
        errors: list[BaseException] = []
        for task in finished:
            in_flight.discard(task)
            error = task.exception()
            if error is not None:
                errors.append(error)
                continue
            result = task.result()
            if isinstance(result, BatchLine):
                todo.again.append(result)  # refused with a 429: runs again
            else:
                results.append(result)
        if errors:
            # A failed write names the file to fix; else the stop that came first.
            raise next((e for e in errors if isinstance(e, OSError)), errors[0])
        return results

    # --- progress ---------------------------------------------------------------------

    def progress(self) -> BatchProgress:
        """How far the job is, and the time left as the budget sees it."""
        summary = self.summary
        total = self.plan.to_run if self.plan is not None else 0
        elapsed = summary.elapsed if summary.started else 0.0
        rate = summary.finished / elapsed if elapsed > 0 else 0.0
        remaining = max(0, total - summary.finished)
        unstarted = max(0, remaining - self._in_flight)
        rates, not_before = budget_rates(paced for paced, _ in self._hooked)
        used = summary.input_tokens + summary.output_tokens
        eta = estimate_eta(
            unstarted,
            rates,
            tokens_per_line=used / summary.ok if summary.ok and used else None,
            remaining=remaining,
            observed_rate=rate or None,
            not_before=not_before,
        )
        return BatchProgress(summary.finished, summary.failed, total, elapsed, rate, eta)

    def _report(self, *, force: bool = False) -> None:
        """Call ``on_progress`` if ``progress_every`` seconds passed since the last call."""
        if self.on_progress is None:
            return
        now = self._clock()
        if force or now - self._reported >= self.progress_every:
            self._reported = now
            self.on_progress(self.progress())

    def _next_report(self) -> float | None:
        if self.on_progress is None:
            return None
        return max(0.0, self._reported + self.progress_every - self._clock())

    def _writer(self) -> OutputWriter | None:
        if self._stream is not None:
            return OutputWriter.to_stream(self._stream)
        return None if self.output is None else OutputWriter(self.output)

    async def results(self) -> AsyncGenerator[BatchResult, None]:
        """Run the job, yielding each line as it finishes (already written)."""
        self.prepare()
        writer = self._writer()
        in_flight: set[asyncio.Task[Any]] = set()
        todo = Todo(self._lines())
        self.summary.started = self._reported = self._clock()
        try:
            while todo or in_flight:
                await self._launch(todo, in_flight, writer)
                self._in_flight = len(in_flight)
                if not in_flight:  # lines to run again, and the budget is not there yet
                    await self._asleep(self._blocked(0) or 0)
                    self._report()
                    continue
                timeout = self._blocked(len(in_flight)) if todo else None
                report = self._next_report()
                if report is not None:  # wake up to report, even while nothing finishes
                    timeout = report if timeout is None else min(timeout, report)
                finished, _ = await asyncio.wait(
                    in_flight, timeout=timeout or None, return_when=asyncio.FIRST_COMPLETED
                )
                results = self._collect(finished, in_flight, todo)
                self._in_flight = len(in_flight)
                self._report()
                for result in results:
                    yield result
        except BaseException:
            self.summary.stopped = True
            raise
        finally:
            pending = set(in_flight)
            while pending:  # again until done: a cancel may be swallowed (``_cancelling``)
                for task in pending:
                    task.cancel()
                _, pending = await asyncio.wait(pending, timeout=0.1)
            for task in in_flight:  # finished with the same error (a full disk): seen
                if not task.cancelled():
                    task.exception()
            self._in_flight = 0
            self.summary.ended = self._clock()
            if writer is not None:
                writer.close()
            self._reader.close()  # a spooled input is not read again
            self._unhook()

    def __aiter__(self) -> AsyncIterator[BatchResult]:
        self._running = self.results()
        return self._running

    def results_sync(self) -> Iterator[BatchResult]:
        """``results()`` for code without an event loop (one is run for the job)."""
        loop = asyncio.new_event_loop()
        agen = self.results()
        try:
            while True:
                try:
                    result = loop.run_until_complete(agen.__anext__())
                except StopAsyncIteration:
                    return
                yield result
        finally:
            loop.run_until_complete(agen.aclose())
            # This loop ends here: its connections go with it (models stay usable).
            loop.run_until_complete(self._close_models(release_only=not self._owns_models))
            loop.close()

    # --- lifetime ---------------------------------------------------------------------

    def close(self) -> None:
        """Remove the spooled input; close the models the job loaded itself."""
        self._reader.close()
        self._unhook()  # checked but never run: the models' budgets are theirs again
        if self._owns_models:
            for model in self._models.values():
                model.close()
            self._models.clear()

    async def _close_models(self, *, release_only: bool) -> None:
        for model in self._models.values():
            await model.aclose()
        if not release_only:
            self._models.clear()

    async def aclose(self) -> None:
        """Stop a run left unfinished (``break`` out of ``async for``: its requests in
        flight are cancelled), then ``close()``."""
        if self._running is not None:
            running, self._running = self._running, None
            await running.aclose()
        self._reader.close()
        self._unhook()
        if self._owns_models:
            await self._close_models(release_only=False)

    def __enter__(self) -> BatchJob:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> BatchJob:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
