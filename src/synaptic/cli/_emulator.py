"""``synaptic emulator``: the offline Groq emulator in the foreground."""

from __future__ import annotations

import errno
import logging
import sys
from typing import Any

import click


class _OneLine(logging.Formatter):
    """A record on one line: the traceback QuietLog attaches to a first report is left
    out (the message already carries the error's repr)."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text
        record.exc_info, record.exc_text = None, None
        try:
            return super().format(record).replace("\n", " ")
        finally:
            record.exc_info, record.exc_text = saved


def _log_to_stderr() -> None:
    """Show the emulator's warnings (internal failures, accept() trouble) on stderr.

    Why: the library's loggers only carry a ``NullHandler``, so a foreground
    ``synaptic emulator`` answered 500s and said nothing. A handler is added only if
    neither the ``synaptic.emulator`` hierarchy nor the root logger has a real one.
    """
    logger = logging.getLogger("synaptic.emulator")
    current: logging.Logger | None = logger
    while current is not None:
        if any(not isinstance(h, logging.NullHandler) for h in current.handlers):
            return
        current = current.parent if current.propagate else None
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_OneLine("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "-p",
    "--port",
    default=8321,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port (0: any free port).",
)
@click.option(
    "--scenario",
    type=click.Path(exists=True, dir_okay=False),
    help="TOML/JSON file of scripted faults and budget.",
)
@click.option(
    "--rpm",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Requests per minute before 429s.",
)
@click.option(
    "--tpm",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Tokens per minute before 429s.",
)
@click.option(
    "--rpd",
    type=click.IntRange(min=1),
    default=14_400,
    show_default=True,
    help="Requests per day (Groq's x-ratelimit-*-requests headers describe this one).",
)
@click.option("--tpd", type=click.IntRange(min=1), help="Tokens per day (default: none).")
@click.option(
    "--api-key",
    "api_keys",
    multiple=True,
    help="A key the emulator accepts (repeat for more); default: any non-blank key.",
)
@click.option(
    "--max-body-bytes",
    type=click.IntRange(min=1),
    default=26 * 1024 * 1024,  # a 25 MB audio attachment and its form, as GroqEmulator's
    show_default=True,
    help="Largest request body read; larger ones get 413.",
)
@click.option(
    "--hold-batches",
    is_flag=True,
    help="Keep Batch API jobs in_progress until POST /emulator/release-batches "
    "(to test polling, cancelling and resuming); default: they finish at once.",
)
@click.option("--audio-rpm", type=click.IntRange(min=1), default=None,
              help="Transcription and translation requests per minute per key and model "
                   "(Groq's free plan: 20; speech is not limited here); default: "
                   "unlimited.")  # fmt: skip
@click.option("--audio-ash", type=click.FloatRange(min=1), default=None,
              help="Transcribed audio seconds per hour per key and model (free plan: 7200; "
                   "10 s least billed); default: unlimited.")  # fmt: skip
def emulator(
    *,
    host: str,
    port: int,
    scenario: str | None,
    rpm: int,
    tpm: int,
    rpd: int,
    tpd: int | None,
    api_keys: tuple[str, ...],
    max_body_bytes: int,
    hold_batches: bool,
    audio_rpm: int | None,
    audio_ash: float | None,
) -> None:
    """Run the offline Groq emulator in the foreground (Ctrl-C stops it)."""
    try:
        from synaptic_groq.emulator import GroqEmulator, Scenario  # noqa: PLC0415
    except ImportError as error:
        from synaptic_core._install import install_hint  # noqa: PLC0415

        msg = f"the emulator needs the groq extra: {install_hint('groq')}"
        raise click.ClickException(msg) from error
    plan = Scenario.load(scenario) if scenario else None
    if host not in ("127.0.0.1", "localhost", "::1") and not (api_keys or (plan and plan.api_keys)):
        click.echo(
            "warning: the emulator accepts any API key; expose it only on trusted networks "
            "(or name the keys it accepts with --api-key)",
            err=True,
        )
    _log_to_stderr()
    server = GroqEmulator(
        host,
        port,
        requests_per_minute=rpm,
        tokens_per_minute=tpm,
        requests_per_day=rpd,
        tokens_per_day=tpd,
        api_keys=api_keys or None,
        max_body_bytes=max_body_bytes,
        scenario=plan,
        hold_batches=hold_batches,
        audio_requests_per_minute=audio_rpm,
        audio_seconds_per_hour=audio_ash,
    )

    def ready(bound: Any) -> None:
        click.echo(f"Groq emulator listening on {bound.base_url} (Ctrl-C to stop)")
        # Never echo a key: name where the accepted ones are set instead.
        if api_keys:
            key = "<one of your --api-key values>"
        elif bound.api_keys is not None:
            key = "<one of the scenario's api_keys>"
        else:
            key = "any-key"
        click.echo(f"  export GROQ_BASE_URL={bound.base_url} GROQ_API_KEY={key}")
        if hold_batches:
            root = bound.base_url.removesuffix("/openai/v1")
            click.echo(f"  batches wait for: curl -X POST {root}/emulator/release-batches")
        sys.stdout.flush()

    try:
        server.serve_forever(ready)
    except KeyboardInterrupt:
        click.echo("stopped")
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            msg = (
                f"port {port} on {host} is already in use (another emulator?); "
                "choose another with --port, or --port 0 for any free port"
            )
            raise click.ClickException(msg) from None
        raise
