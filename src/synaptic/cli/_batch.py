"""``synaptic batch INPUT.jsonl -o OUTPUT.jsonl``: run a file of batch lines.

Live (the default): concurrent, paced by the rate-limit budget, retried; every finished
line is appended to OUTPUT at once, so Ctrl-C (exit 130) or a crash loses only the
requests in flight, and ``--resume`` finishes the job without redoing a line. With
``--api``: through Groq's Batch API (upload, create, poll, download, join), resumable
by the batch id kept in ``OUTPUT.batch.json``. Both write Groq's batch output lines.

A progress bar (tqdm) on a terminal, a progress line every 10 s otherwise (nohup, CI,
``2>log``); one summary line on stderr either way, and an exit code that says how it
ended (``EXIT_CODES``), so a script can tell "all answered" from "some failed" from
"stopped: run again with --resume". Errors are one line on stderr, scrubbed of every
remembered API key first: a hostile server's text rides in many of them, and a
terminal or CI log is shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import click

from synaptic.cli._common import EXPECTED, clean_warnings, one_line
from synaptic.cli._home import remembered_budgets

if TYPE_CHECKING:
    from synaptic_groq import BatchInfo, GroqConfig
    from synaptic_openai.batch import BatchJob, BatchProgress, BatchResult

OK, FAILED_LINES, USAGE, STOPPED_EARLY, STOPPED_RESUMABLY, INTERRUPTED = 0, 1, 2, 3, 4, 130
"""Exit codes: every line answered; some lines failed (or an error before any line
ran); a usage error; stopped early (the first lines failed the same permanent way);
stopped, to be finished with ``--resume``; Ctrl-C (SIGTERM: 143)."""

EXIT_CODES = """\b
Exit codes:
  0    every line answered
  1    some lines failed (written as failed lines), or an error stopped the command
       before any line ran (bad input, no API key): the error line says which
  2    usage error (a bad option)
  3    stopped early: the first lines all failed the same permanent way (a wrong
       key, a model that does not exist); nothing else was sent
  4    stopped, nothing lost: the rate-limit budget has no room for longer than
       it may wait, its store failed, the provider is down, or (--api) the
       batch expired or was cancelled; run the same command with --resume
       (when the message says)
  130  interrupted (Ctrl-C); --resume finishes the job
  143  stopped by SIGTERM (kill, a container or CI stopping): the same"""

DEFAULT_TIMEOUT = 600.0
"""Seconds one request of a live job may take, whole, unless ``--timeout`` says."""
STDOUT = "-"


def _shard(value: str | None) -> tuple[int, int] | None:
    if value is None:
        return None
    k, _, n = value.partition("/")
    try:
        shard = int(k), int(n)
    except ValueError:
        shard = (0, 0)
    if not 1 <= shard[0] <= shard[1]:
        raise click.BadParameter(
            f"{value!r}: give K/N with 1 <= K <= N (e.g. 2/4: the second of four machines)",
            param_hint="--shard",
        )
    return shard


def _debug() -> bool:
    """Whether ``synaptic --debug`` asked for tracebacks instead of one-line errors."""
    context = click.get_current_context(silent=True)
    return bool(context is not None and context.find_root().params.get("debug"))


def _fail(text: str) -> None:
    """Print an error (every remembered API key taken out) and exit 1."""
    from synaptic_core import scrub_secrets  # noqa: PLC0415 (loaded by now)

    click.echo(f"error: {scrub_secrets(text)}", err=True)
    sys.exit(1)


def run_interruptible(main: Callable[[], Awaitable[None]]) -> int:
    """Run ``main`` in a new event loop; Ctrl-C or SIGTERM (a ``kill``, a container
    stopping, a CI timeout) cancels it (its cleanup runs: requests in flight are
    cancelled, the summary is printed). Returns 0, or the exit code of the signal that
    interrupted it (130 for Ctrl-C, 143 for SIGTERM)."""
    caught: list[int] = []

    async def runner() -> int:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None

        def stop(signum: int) -> None:
            caught.append(signum)
            task.cancel()

        # Not on Windows, nor off the main thread: Ctrl-C is then a KeyboardInterrupt.
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(signum, stop, signum)
        try:
            await main()
        except asyncio.CancelledError:
            return 128 + (caught[0] if caught else signal.SIGINT)
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):
                    loop.remove_signal_handler(signum)
        return 0

    try:
        return asyncio.run(runner())
    except KeyboardInterrupt:
        return INTERRUPTED


def _progress(total: int, unit: str = "line", *, postfix: bool = False) -> Any:
    """A tqdm bar on stderr when it is a terminal, else None. With ``postfix`` the bar
    shows our own ETA there (the budget's), not tqdm's (the past rate's)."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm  # noqa: PLC0415 (only on a terminal)

    bar_format = "{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}, {rate_fmt}{postfix}]"
    return tqdm(
        total=total,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        smoothing=0.1,
        bar_format=bar_format if postfix else None,
    )


def _echo(text: str) -> None:
    from synaptic_core import scrub_secrets  # noqa: PLC0415 (loaded by now)

    click.echo(scrub_secrets(text), err=True)


def _watch(job: BatchJob, plan_to_run: int, *, show_progress: bool) -> Any:
    """Hook progress onto the job: a bar with the budget's ETA on a terminal (returned,
    to close), else a ``progress:`` line at most every 10 s (nohup, CI, ``2>log``)."""
    if not show_progress:
        return None
    from synaptic_openai.batch._stops import duration  # noqa: PLC0415

    bar = _progress(plan_to_run, postfix=True)
    if bar is None:
        job.progress_every = 10.0
        job.on_progress = lambda progress: _echo(progress.line())
        return None
    summary = job.summary

    def refresh(progress: BatchProgress) -> None:
        bar.n = progress.done
        eta = "?" if progress.eta is None else duration(progress.eta)
        bar.set_postfix_str(
            f"failed={summary.failed} ETA {eta} tokens/s={summary.tokens_per_second:,.0f}",
            refresh=False,
        )
        bar.refresh()

    job.progress_every = 1.0
    job.on_progress = refresh
    return bar


def _run_live(job: BatchJob, input_name: str, output: str, *, show_progress: bool) -> None:
    from synaptic_openai.batch import BatchStoppedEarlyError, BatchStoppedError  # noqa: PLC0415

    plan = job.prepare()
    if plan.torn:
        _echo(f"note: {output} ended in a torn line ({plan.torn} bytes), cut off; it runs again")
    if plan.done or plan.rerun:
        again = ""
        if plan.rerun:
            fresh = plan.to_run - plan.rerun
            again = f"; running {plan.rerun} failed line(s) again" + (
                f" and {fresh} not run yet" if fresh else ""
            )
        _echo(f"resuming: {plan.done} of {plan.in_shard} lines already done{again}")
    bar = _watch(job, plan.to_run, show_progress=show_progress)
    stopped: list[BaseException] = []

    def advance(result: BatchResult) -> None:
        if bar is not None and job.on_progress is not None:
            job.on_progress(job.progress())

    async def main() -> None:
        try:
            async for result in job:
                advance(result)
        except (BatchStoppedError, BatchStoppedEarlyError) as error:
            stopped.append(error)
        finally:
            await job.aclose()

    interrupted = run_interruptible(main)
    if bar is not None:
        bar.close()
    _finish(
        job,
        plan.done,
        input_name,
        output,
        interrupted=interrupted,
        stopped=stopped[0] if stopped else None,
    )


def _finish(
    job: BatchJob,
    done_before: int,
    input_name: str,
    output: str,
    *,
    interrupted: int,
    stopped: BaseException | None,
) -> None:
    """The summary line, what to do next, and the exit code that says how it ended."""
    from synaptic_openai.batch import BatchStoppedEarlyError  # noqa: PLC0415

    summary = job.summary
    shown = "standard output" if output == STDOUT else output
    left = (job.plan.to_run if job.plan is not None else 0) - summary.finished
    rate = summary.finished / summary.elapsed if summary.elapsed > 0 else 0.0
    counts = f"{summary.ok} ok, {summary.failed} failed"
    if done_before:
        counts += f", {done_before} done before"
    line = (
        f"{counts} in {summary.elapsed:.1f}s ({rate:,.1f} lines/s, "
        f"{summary.tokens_per_second:,.0f} tokens/s) -> {shown}"
    )
    command = f"synaptic batch {input_name} -o {output}"
    if interrupted:
        finish = (
            f"finish with {command} --resume"
            if output != STDOUT
            else "a job writing to standard output cannot be resumed"
        )
        _echo(f"stopped: {line}; {left} not run: {finish}")
        sys.exit(interrupted)
    if isinstance(stopped, BatchStoppedEarlyError):
        _echo(f"stopped: {line}; {left} not sent")
        _echo(f"error: {one_line(stopped)} ({command} --retry-failed)")
        sys.exit(STOPPED_EARLY)
    if stopped is not None:
        _echo(f"stopped: {line}; {left} not run")
        again = f"{command} --resume" if output != STDOUT else "write to a file to resume"
        _echo(f"error: {one_line(stopped)} ({again})")
        sys.exit(STOPPED_RESUMABLY)
    _echo(f"done: {line}")
    if summary.failed:
        retryable = summary.retryable
        how = f"{command} --resume runs the {retryable} that may pass again; " if retryable else ""
        _echo(
            f"note: {summary.failed} line(s) failed (their error is in {shown}): "
            f"{how}--retry-failed runs every failed line again"
        )
        sys.exit(FAILED_LINES)


def _groq_config(spec: str, config_file: str | None) -> GroqConfig:
    """The Groq config a spec or profile resolves to (through the loader live jobs use),
    so ``-m PROFILE`` sends the profile's model id and uses its key and base URL."""
    from synaptic_core import load_chat_model, model_chain  # noqa: PLC0415
    from synaptic_groq import GroqChatModel  # noqa: PLC0415

    wrong = click.BadParameter(
        f"--api runs Groq's Batch API: give a Groq model (groq:MODEL), not {spec!r}",
        param_hint="--model",
    )
    provider, colon, _ = spec.partition(":")
    if colon and provider != "groq":
        raise wrong
    loaded = load_chat_model(spec, config_file=config_file)
    try:
        chain = model_chain(loaded, every_fallback=False)
        groq = next((m for m in chain if isinstance(m, GroqChatModel)), None)
    finally:
        loaded.close()
    if groq is None:
        raise wrong
    return groq.config


def _api_progress(*, show_progress: bool) -> tuple[Callable[[BatchInfo], None], list[Any]]:
    """What a Batch API job reports after each poll: a bar on a terminal (in the list
    returned, to close), else a ``progress:`` line at most every 10 s."""
    bars: list[Any] = []
    terminal = sys.stderr.isatty()
    reported = [time.monotonic()]

    def progress(info: BatchInfo) -> None:
        counts = info.request_counts
        if not show_progress:
            return
        if not terminal:  # nohup, CI, 2>log
            now = time.monotonic()
            if now - reported[0] >= 10.0:
                reported[0] = now
                _echo(
                    f"progress: batch {info.id} {info.status}: "
                    f"{counts.completed + counts.failed}/{counts.total} lines "
                    f"({counts.failed} failed)"
                )
            return
        if not bars and counts.total:
            bars.append(_progress(counts.total, unit="line"))
        if bars and bars[0] is not None:
            bars[0].n = counts.completed + counts.failed
            bars[0].set_postfix_str(f"{info.status} failed={counts.failed}", refresh=False)
            bars[0].refresh()

    return progress, bars


def _run_api(
    source: Any,
    output: str,
    *,
    spec: str | None,
    config_file: str | None,
    resume: bool,
    retry_failed: bool,
    window: str,
    poll_interval: float,
    show_progress: bool,
    input_name: str,
) -> None:
    from synaptic_groq import (  # noqa: PLC0415
        BatchCancelledError,
        BatchExpiredError,
        GroqBatchClient,
        GroqBatchJob,
    )

    model = None
    if spec is not None:
        config = _groq_config(spec, config_file)
        model = str(config.model)
        client = GroqBatchClient(config)
    else:
        client = GroqBatchClient.from_env()
    progress, bars = _api_progress(show_progress=show_progress)

    job = GroqBatchJob(
        client,
        source,
        output,
        model=model,
        window=window,
        resume=resume,
        retry_failed=retry_failed,
        poll_interval=poll_interval,
        on_progress=progress,
    )
    outcome: dict[str, Any] = {}

    async def main() -> None:
        try:
            outcome["info"] = await job.run()
        except (BatchExpiredError, BatchCancelledError) as error:
            outcome["stopped"] = error  # what came back is written: resumable
        finally:
            await client.aclose()
            job.close()

    interrupted = run_interruptible(main)
    for bar in bars:
        if bar is not None:
            bar.close()
    if interrupted:
        _echo(
            f"stopped polling; the batch goes on at Groq: collect it with "
            f"synaptic batch {input_name} -o {output} --api --resume"
        )
        sys.exit(interrupted)
    if "stopped" in outcome:
        _echo(f"error: {one_line(outcome['stopped'])} ({job.written} lines written)")
        sys.exit(STOPPED_RESUMABLY)
    info = outcome.get("info")
    if info is None:
        _echo(f"done: nothing to run, {output} already has every line")
        return
    counts = info.request_counts
    _echo(
        f"done: batch {info.id} {info.status}: {counts.completed} ok, {counts.failed} failed, "
        f"{job.written} lines written -> {output}"
    )
    if job.failed:
        _echo(
            f"note: {job.failed} line(s) failed (their error is in {output}): --resume runs "
            "those that may pass again, --retry-failed every failed line"
        )
        sys.exit(FAILED_LINES)


@click.command(epilog=EXIT_CODES)
@click.argument("input_path", metavar="INPUT.jsonl")
@click.option(
    "-o",
    "--output",
    required=True,
    metavar="OUTPUT.jsonl",
    help="Where results go (appended); '-' writes them to standard output.",
)
@click.option(
    "-m",
    "--model",
    "spec",
    metavar="PROVIDER:MODEL",
    help="Model for every line (a spec or profile name: its limits and retries apply); "
    "default: each line's body.model, on Groq.",
)
@click.option("-c", "--config", "config_file", type=click.Path(dir_okay=False), help="Config file.")
@click.option(
    "--resume",
    is_flag=True,
    help="Finish an interrupted job: runs the lines OUTPUT lacks and those that failed "
    "in a way that may pass (429, 5xx, timeouts); an answered line never runs twice.",
)
@click.option(
    "--retry-failed",
    is_flag=True,
    help="Resume, and run every failed line again (a 401 or 404 too, once fixed).",
)
@click.option("--api", is_flag=True, help="Run through Groq's Batch API instead of live.")
@click.option("--shard", metavar="K/N", help="Run only the K-th of N equal shares (live).")
@click.option(
    "--max-in-flight",
    type=click.IntRange(min=1),
    default=256,
    show_default=True,
    help="Most requests at once (live); the rate-limit budget decides below that.",
)
@click.option(
    "--window", default="24h", show_default=True, help="Completion window (--api): 24h to 7d."
)
@click.option(
    "--poll-interval",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="Seconds between status checks (--api).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Most seconds one request may take, whole (live; 0: no limit). A line that "
    "times out is written as failed; --resume runs it again.",
)
@click.option(
    "--progress/--no-progress",
    "show_progress",
    default=True,
    help="Progress bar on a terminal; a progress line every 10 s when stderr is not one.",
)
def batch(
    *,
    input_path: str,
    output: str,
    spec: str | None,
    config_file: str | None,
    resume: bool,
    retry_failed: bool,
    api: bool,
    shard: str | None,
    max_in_flight: int,
    window: str,
    poll_interval: float,
    timeout: float,
    show_progress: bool,
) -> None:
    """Run every line of INPUT.jsonl (Groq/OpenAI batch lines) and write OUTPUT.jsonl.

    Every line is checked before the first request. INPUT '-' reads standard input;
    OUTPUT '-' writes to standard output (the summary stays on stderr). A line is
    written as failed only if its request was sent: when the rate-limit budget refuses
    (a wait longer than allowed) the job stops and --resume runs the rest later.
    """
    from synaptic.batch import BatchInputError, open_batch  # noqa: PLC0415
    from synaptic_core import SynapticError  # noqa: PLC0415
    from synaptic_openai.batch._output import check_not_input  # noqa: PLC0415

    source: Any = sys.stdin.buffer if input_path == "-" else input_path
    # The hints to run again ("... --resume") repeat the options that choose the model,
    # its budget and the lines: without them a resumed run would pace on another budget.
    again = [input_path]
    for flag, value in (("-m", spec), ("--config", config_file), ("--shard", shard)):
        if value is not None:
            again += [flag, value]
    if timeout != DEFAULT_TIMEOUT:
        again += ["--timeout", f"{timeout:g}"]
    rerun = " ".join(shlex.quote(part) for part in again)
    if output == STDOUT and (resume or retry_failed):
        raise click.UsageError(
            "--resume and --retry-failed need OUTPUT to be a file, not '-' (standard output)"
        )
    if output == STDOUT and api:
        raise click.UsageError(
            "--api needs OUTPUT to be a file, not '-': the batch id is kept next to it"
        )
    try:
        if output != STDOUT:
            check_not_input(source, output)  # before anything is read or sent
        with remembered_budgets(), clean_warnings():
            if api:
                if shard is not None:
                    raise click.BadParameter("--shard is for live jobs", param_hint="--shard")
                _run_api(
                    source,
                    output,
                    spec=spec,
                    config_file=config_file,
                    resume=resume,
                    retry_failed=retry_failed,
                    window=window,
                    poll_interval=poll_interval,
                    show_progress=show_progress,
                    input_name=rerun,
                )
                return
            job = open_batch(
                source,
                spec,
                output=sys.stdout.buffer if output == STDOUT else output,
                resume=resume,
                shard=_shard(shard),
                max_in_flight=max_in_flight,
                config_file=config_file,
                retry_failed=retry_failed,
                timeout=timeout or None,
            )
            _run_live(job, rerun, output, show_progress=show_progress)
    except BatchInputError as error:
        _fail(str(error))  # every problem, one per line
    except click.ClickException:
        raise
    except (SynapticError, *EXPECTED) as error:  # a full disk, a server's words: one line
        if _debug():
            raise
        _fail(one_line(error))
