"""``synaptic batch INPUT.jsonl -o OUTPUT.jsonl``: run a file of batch lines.

Live (the default): concurrent, paced by the rate-limit budget, retried; every finished
line is appended to OUTPUT at once, so Ctrl-C (exit 130) or a crash loses only the
requests in flight, and ``--resume`` finishes the job without redoing a line. With
``--api``: through Groq's Batch API (upload, create, poll, download, join), resumable
by the batch id kept in ``OUTPUT.batch.json``. Both write Groq's batch output lines.

A progress bar (tqdm) on a terminal; one summary line on stderr either way. Errors are
one line on stderr (exit 1), scrubbed of every remembered API key first: a hostile
server's text rides in many of them, and a terminal or CI log is shared.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import click

from synaptic.cli._common import EXPECTED, clean_warnings, one_line

if TYPE_CHECKING:
    from synaptic_groq import BatchInfo
    from synaptic_openai.batch import BatchJob, BatchResult


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


def run_interruptible(main: Callable[[], Awaitable[None]]) -> bool:
    """Run ``main`` in a new event loop; Ctrl-C cancels it (its cleanup runs: requests in
    flight are cancelled). Returns whether it was interrupted."""

    async def runner() -> bool:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        assert task is not None
        # Not on Windows, nor off the main thread: Ctrl-C is then a KeyboardInterrupt.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(signal.SIGINT, task.cancel)
        try:
            await main()
        except asyncio.CancelledError:
            return True
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(signal.SIGINT)
        return False

    try:
        return asyncio.run(runner())
    except KeyboardInterrupt:
        return True


def _progress(total: int, unit: str = "line") -> Any:
    """A tqdm bar on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm  # noqa: PLC0415 (only on a terminal)

    return tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


def _run_live(job: BatchJob, input_name: str, output: str, *, show_progress: bool) -> None:
    plan = job.prepare()
    if plan.torn:
        click.echo(
            f"note: {output} ended in a torn line ({plan.torn} bytes), cut off; it runs again",
            err=True,
        )
    if plan.done:
        click.echo(f"resuming: {plan.done} of {plan.in_shard} lines already done", err=True)
    bar = _progress(plan.to_run) if show_progress else None
    summary = job.summary

    def advance(result: BatchResult) -> None:
        if bar is None:
            return
        bar.update(1)
        bar.set_postfix_str(
            f"failed={summary.failed} tokens/s={summary.tokens_per_second:,.0f}", refresh=False
        )

    async def main() -> None:
        try:
            async for result in job:
                advance(result)
        finally:
            await job.aclose()

    interrupted = run_interruptible(main)
    if bar is not None:
        bar.close()
    left = plan.to_run - summary.finished
    rate = summary.finished / summary.elapsed if summary.elapsed > 0 else 0.0
    counts = f"{summary.ok} ok, {summary.failed} failed"
    if plan.done:
        counts += f", {plan.done} done before"
    line = (
        f"{counts} in {summary.elapsed:.1f}s ({rate:,.1f} lines/s, "
        f"{summary.tokens_per_second:,.0f} tokens/s) -> {output}"
    )
    if interrupted:
        click.echo(
            f"stopped: {line}; {left} not run: finish with "
            f"synaptic batch {input_name} -o {output} --resume",
            err=True,
        )
        sys.exit(130)
    click.echo(f"done: {line}", err=True)


def _run_api(
    source: Any,
    output: str,
    *,
    spec: str | None,
    resume: bool,
    window: str,
    poll_interval: float,
    show_progress: bool,
    input_name: str,
) -> None:
    from synaptic_groq import GroqBatchClient, GroqBatchJob  # noqa: PLC0415

    model = None
    if spec is not None:
        provider, colon, name = spec.partition(":")
        if colon and provider != "groq":
            raise click.BadParameter(
                f"--api runs Groq's Batch API: give a Groq model (groq:MODEL), not {spec!r}",
                param_hint="--model",
            )
        model = name if colon else spec
    client = GroqBatchClient.from_env()
    bar: Any = None

    def progress(info: BatchInfo) -> None:
        nonlocal bar
        counts = info.request_counts
        if not show_progress:
            return
        if bar is None and counts.total:
            bar = _progress(counts.total, unit="line")
        if bar is not None:
            bar.n = counts.completed + counts.failed
            bar.set_postfix_str(f"{info.status} failed={counts.failed}", refresh=False)
            bar.refresh()

    job = GroqBatchJob(
        client,
        source,
        output,
        model=model,
        window=window,
        resume=resume,
        poll_interval=poll_interval,
        on_progress=progress,
    )
    outcome: dict[str, Any] = {}

    async def main() -> None:
        try:
            outcome["info"] = await job.run()
        finally:
            await client.aclose()
            job.close()

    interrupted = run_interruptible(main)
    if bar is not None:
        bar.close()
    if interrupted:
        click.echo(
            f"stopped polling; the batch goes on at Groq: collect it with "
            f"synaptic batch {input_name} -o {output} --api --resume",
            err=True,
        )
        sys.exit(130)
    info = outcome.get("info")
    if info is None:
        click.echo(f"done: nothing to run, {output} already has every line", err=True)
        return
    counts = info.request_counts
    click.echo(
        f"done: batch {info.id} {info.status}: {counts.completed} ok, {counts.failed} failed, "
        f"{job.written} lines written -> {output}",
        err=True,
    )


@click.command()
@click.argument("input_path", metavar="INPUT.jsonl")
@click.option(
    "-o", "--output", required=True, metavar="OUTPUT.jsonl", help="Where results go (appended)."
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
@click.option("--resume", is_flag=True, help="Finish an interrupted job: no line runs twice.")
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
    "--progress/--no-progress",
    "show_progress",
    default=True,
    help="Progress bar on a terminal (never when stderr is not one).",
)
def batch(
    *,
    input_path: str,
    output: str,
    spec: str | None,
    config_file: str | None,
    resume: bool,
    api: bool,
    shard: str | None,
    max_in_flight: int,
    window: str,
    poll_interval: float,
    show_progress: bool,
) -> None:
    """Run every line of INPUT.jsonl (Groq/OpenAI batch lines) and write OUTPUT.jsonl.

    Every line is checked before the first request. INPUT '-' reads standard input.
    """
    from synaptic.batch import BatchInputError, open_batch  # noqa: PLC0415
    from synaptic_core import SynapticError  # noqa: PLC0415

    source: Any = sys.stdin.buffer if input_path == "-" else input_path
    try:
        with clean_warnings():
            if api:
                if shard is not None:
                    raise click.BadParameter("--shard is for live jobs", param_hint="--shard")
                _run_api(
                    source,
                    output,
                    spec=spec,
                    resume=resume,
                    window=window,
                    poll_interval=poll_interval,
                    show_progress=show_progress,
                    input_name=input_path,
                )
                return
            job = open_batch(
                source,
                spec,
                output=output,
                resume=resume,
                shard=_shard(shard),
                max_in_flight=max_in_flight,
                config_file=config_file,
            )
            _run_live(job, input_path, output, show_progress=show_progress)
    except BatchInputError as error:
        _fail(str(error))  # every problem, one per line
    except click.ClickException:
        raise
    except (SynapticError, *EXPECTED) as error:  # a full disk, a server's words: one line
        if _debug():
            raise
        _fail(one_line(error))
