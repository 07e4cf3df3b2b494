"""``synaptic demo``: the Groq reference page's examples, end to end.

By default against the embedded Groq emulator (no key, no network); with ``--live``
against Groq itself. Each numbered section is one example of the reference page.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

import synaptic
from synaptic_core import (
    ChatRequest,
    ConfigError,
    Message,
    RetryChatModel,
    RetryConfig,
    RetryEvent,
    ToolChoice,
    ToolDefinition,
)
from synaptic_core._install import install_hint

DEMO_KEY_ENV = "SYNAPTIC_DEMO_KEY"


def get_weather(city: str) -> str:
    """Get current weather for a city (a local function the model asks us to run)."""
    return f"Sunny, 22C in {city}"


def _say(text: str = "", indent: int = 3) -> None:
    click.echo(textwrap.indent(text, " " * indent) if text else "")


def _section(number: int, title: str) -> None:
    click.echo()
    click.secho(f"{number}. {title}", bold=True)


def run_demo(*, live: bool) -> None:
    """Run every section; raises ``ConfigError`` / ``SynapticError`` on failure."""
    try:
        from synaptic_groq import GroqChatModel, GroqConfig, GroqModel  # noqa: PLC0415
        from synaptic_groq.emulator import GroqEmulator  # noqa: PLC0415
    except ImportError as error:
        msg = f"the demo needs the groq extra: {install_hint('groq')}"
        raise ConfigError(msg) from error

    emulator = None
    if live:
        key = os.environ.get("GROQ_API_KEY")
        if not key:
            msg = "--live needs GROQ_API_KEY (create a key at https://console.groq.com/keys)"
            raise ConfigError(msg)
        base_url = os.environ.get("GROQ_BASE_URL") or None
        where = "Groq"
    else:
        emulator = GroqEmulator().start()
        key, base_url = "demo-key-for-the-emulator", emulator.base_url
        where = f"the embedded Groq emulator ({emulator.base_url})"
    try:
        click.echo(
            f"synaptic {synaptic.__version__} demo: the Groq reference examples, against {where}"
        )
        config = GroqConfig(key, GroqModel.GPT_OSS_120B, base_url=base_url)
        with GroqChatModel(config) as model:
            _chat(model)
            _stream(model)
            _tools(model)
            _retry(model, emulator)
        _swap(key, base_url)
        click.echo()
        command = command_prefix()
        click.echo(
            f'Done. Next: `{command} chat -m groq:openai/gpt-oss-120b "Hello"` (with GROQ_API_KEY),'
        )
        click.echo(
            f"`{command} emulator` to test your own app offline, and the README for the API."
        )
    finally:
        if emulator is not None:
            emulator.stop()


def command_prefix(environ: Mapping[str, str] | None = None) -> str:
    """How this user runs the ``synaptic`` command, so the hint works when pasted: the
    command itself when it is on the user's PATH; through ``uv run`` when the demo ran
    that way (the README's first command: ``synaptic`` is on PATH only inside it); else
    through this Python."""
    env = os.environ if environ is None else environ
    if env.get("UV_RUN_RECURSION_DEPTH"):  # set by `uv run`: its PATH is not the user's
        return "uv run synaptic"
    if shutil.which("synaptic", path=env.get("PATH")):
        return "synaptic"
    return f"{Path(sys.executable).name} -m synaptic"


def _chat(model: Any) -> None:
    _section(1, "Chat")
    request = ChatRequest(
        [
            Message.system("You are a concise assistant."),
            Message.human("What is Rust famous for?"),
        ]
    )
    _say("> What is Rust famous for?")
    response = model.chat_sync(request)
    _say(response.message.content)
    left = response.rate_limit.remaining_requests if response.rate_limit else None
    _say(
        f"({response.usage.total_tokens} tokens in {response.usage.total_time}s at Groq; "
        f"{left} requests left)"
    )


def _stream(model: Any) -> None:
    _section(2, "Streaming")
    question = "Tell me about Rust ownership in 3 sentences."
    _say(f"> {question}")
    click.echo("   ", nl=False)
    count = 0
    for chunk in model.stream_chat_sync(ChatRequest([Message.human(question)])):
        click.echo(chunk.content, nl=False)
        count += 1
    click.echo()
    _say(f"({count} chunks, printed as they arrived)")


def _tools(model: Any) -> None:
    _section(3, "Tool calling")
    tools = [ToolDefinition.from_function(get_weather)]
    request = (
        ChatRequest([Message.human("What is the weather in Tokyo?")])
        .with_tools(tools)
        .with_tool_choice(ToolChoice.AUTO)
    )
    _say("> What is the weather in Tokyo?")
    response = model.chat_sync(request)
    results = []
    for call in response.message.tool_calls:
        _say(f"model calls {call.name}({call.arguments})")
        result = get_weather(**call.arguments)
        _say(f"we run it locally: {result}")
        results.append(Message.tool(result, call.id))
    final = model.chat_sync(request.append(response.message, *results))
    _say(final.message.content)


def _retry(model: Any, emulator: Any) -> None:
    _section(4, "Rate limit recovered by RetryChatModel")
    if emulator is None:
        _say("(live: Groq decides when to rate-limit; RetryChatModel waits as Groq asks)")
    else:
        emulator.add_fault("rate_limit", retry_after=1)
        _say("the emulator answers the next request with HTTP 429 and retry-after: 1")

    def show(event: RetryEvent) -> None:
        _say(
            f"{type(event.error).__name__}: waiting {event.delay:g}s as the server asked "
            f"(attempt {event.attempt})"
        )

    retrying = RetryChatModel(model, RetryConfig(), on_retry=show)
    response = retrying.chat_sync("Hello!")
    _say(f"recovered: {response.message.content}")


def _swap(key: str, base_url: str | None) -> None:
    _section(5, "Swapping providers by config (same code, two profiles)")
    profiles = textwrap.dedent(
        f"""
        [profiles.groq]
        provider = "groq"
        model = "openai/gpt-oss-20b"
        api_key_env = "{DEMO_KEY_ENV}"
        {f'base_url = "{base_url}"' if base_url else ""}

        [profiles.offline]
        provider = "fake"
        model = "echo"
        """
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "synaptic.toml"
        path.write_text(profiles, encoding="utf-8")
        environ = {DEMO_KEY_ENV: key}

        def ask(profile: str) -> str:  # the application: it never names a provider
            return (
                synaptic.load_chat_model(profile, config_file=path, environ=environ)
                .chat_sync("Hello!")
                .content
            )

        for profile in ("groq", "offline"):
            _say(f"profile {profile!r}: {ask(profile)}")
