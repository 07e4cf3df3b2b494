"""``synaptic logs``: what ``synaptic chat`` logged (``$SYNAPTIC_HOME/logs.db``).

``synaptic logs`` shows the latest exchanges (``-n``, ``--cid``, ``--json``);
``synaptic logs path`` prints where the file is; ``synaptic logs off`` / ``on`` turn
logging off or on for good (``--no-log`` or ``$SYNAPTIC_NO_LOG`` for one run), and
``synaptic logs status`` says which it is.
"""

from __future__ import annotations

import click

from synaptic.cli._logstore import (
    LOGS_OFF_ENV,
    Exchange,
    LogStore,
    logging_wanted,
    logs_path,
    off_marker,
    to_json,
)


def render(exchange: Exchange) -> str:
    """One exchange as Markdown: a heading with its time, model and conversation."""
    model = ":".join(p for p in (exchange.provider, exchange.model) if p) or "(unknown model)"
    lines = [f"# {exchange.time}  {model}  conversation {exchange.conversation_id}", ""]
    if exchange.system:
        lines += ["## System", "", exchange.system, ""]
    lines += ["## Prompt", "", exchange.prompt, "", "## Answer", "", exchange.answer or "(none)"]
    if exchange.error:
        lines += ["", f"**error:** {exchange.error}"]
    numbers = []
    if exchange.input_tokens is not None:
        numbers.append(f"{exchange.input_tokens:,} in")
    if exchange.output_tokens is not None:
        numbers.append(f"{exchange.output_tokens:,} out")
    if exchange.seconds is not None:
        numbers.append(f"{exchange.seconds:.2f} s")
    if numbers:
        lines += ["", f"[{' · '.join(numbers)}]"]
    return "\n".join(lines)


@click.group(invoke_without_command=True)
@click.option(
    "-n",
    "--count",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="How many of the latest exchanges to show (0: all).",
)
@click.option("--cid", "conversation_id", metavar="ID", help="Only this conversation's exchanges.")
@click.option("--json", "as_json", is_flag=True, help="Print them as a JSON list.")
@click.pass_context
def logs(ctx: click.Context, count: int, conversation_id: str | None, as_json: bool) -> None:
    """Show what `synaptic chat` logged: the latest exchanges, oldest first.

    Every exchange is logged in SQLite (`synaptic logs path` says where); `synaptic chat
    -c` continues the latest conversation, `--cid ID` a given one; `--no-log` skips
    logging for one run, `synaptic logs off` for good.
    """
    if ctx.invoked_subcommand is not None:
        return
    path = logs_path()
    if not path.exists():
        click.echo(f"nothing logged yet ({path} does not exist)", err=True)
        if as_json:
            click.echo("[]")
        return
    with LogStore(path) as store:
        if conversation_id:
            store.conversation(conversation_id)  # a clear error for an unknown id
        found = store.recent(count or None, conversation_id)
    if as_json:
        click.echo(to_json(found))
        return
    click.echo("\n\n".join(render(e) for e in found) if found else "no exchanges logged yet")


@logs.command("path")
def path_command() -> None:
    """Print where the log is."""
    click.echo(str(logs_path()))


@logs.command("off")
def off() -> None:
    """Stop logging, for good (until `synaptic logs on`)."""
    marker = off_marker()
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text("synaptic chat logs nothing while this file exists\n", encoding="utf-8")
    click.echo(f"logging is off (`synaptic logs on` turns it back on; {logs_path()} is kept)")


@logs.command("on")
def on() -> None:
    """Log every exchange again."""
    off_marker().unlink(missing_ok=True)
    click.echo("logging is on" if logging_wanted(no_log=False) else
               f"logging is on, but ${LOGS_OFF_ENV} is set in this environment")  # fmt: skip


@logs.command("status")
def status() -> None:
    """Say whether exchanges are logged, and where."""
    if logging_wanted(no_log=False):
        click.echo(f"logging is on: {logs_path()}")
    elif off_marker().exists():
        click.echo(f"logging is off (`synaptic logs on` turns it on): {logs_path()}")
    else:
        click.echo(f"logging is off (${LOGS_OFF_ENV} is set): {logs_path()}")
