"""The README's first command, run as a newcomer would: a subprocess, a clean environment
(no keys, no SYNAPTIC_* settings, no network beyond loopback), every section checked."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def readme_demo_command() -> list[str]:
    """The demo command from the README's "Two commands" block, minus the uv install."""
    [line] = [line for line in README.splitlines() if line.strip().endswith("synaptic demo")]
    command = line.split("&&")[-1].strip()
    assert command == "uv run synaptic demo"
    return shlex.split(command)


def test_readme_demo_runs_and_shows_every_section() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GROQ_", "OPENAI_", "SYNAPTIC_"))
        and k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT")
    }
    env["UV_OFFLINE"] = "1"  # the demo needs nothing from the network
    env["SYNAPTIC_HOME"] = os.environ["SYNAPTIC_HOME"]  # the test's own, never the user's
    done = subprocess.run(
        readme_demo_command(),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert re.match(
        r"synaptic \d+\.\d+\.\d+ demo: the Groq reference examples, against the embedded Groq emulator \(http://127\.0\.0\.1:\d+/openai/v1\)\n",
        out,
    )
    sections = re.split(r"^\d\. ", out, flags=re.M)[1:]
    titles = [s.splitlines()[0] for s in sections]
    assert titles == [
        "Chat",
        "Streaming",
        "Tool calling",
        "Rate limit recovered by RetryChatModel",
        "Swapping providers by config (same code, two profiles)",
    ]
    chat, stream, tools, retry, swap = (s.splitlines()[1:] for s in sections)
    assert chat[:2] == [
        "   > What is Rust famous for?",
        "   Emulated answer from openai/gpt-oss-120b to: What is Rust famous for?",
    ]
    assert re.fullmatch(r"   \(\d+ tokens in [\d.]+s at Groq; 14399 requests left\)", chat[2])
    assert (
        stream[1]
        == "   Emulated answer from openai/gpt-oss-120b to: Tell me about Rust ownership in 3 sentences."
    )
    assert re.fullmatch(r"   \(\d+ chunks, printed as they arrived\)", stream[2])
    assert tools[:4] == [
        "   > What is the weather in Tokyo?",
        "   model calls get_weather({'city': 'Tokyo'})",
        "   we run it locally: Sunny, 22C in Tokyo",
        "   According to get_weather: Sunny, 22C in Tokyo.",
    ]
    assert retry[:3] == [
        "   the emulator answers the next request with HTTP 429 and retry-after: 1",
        "   RateLimitError: waiting 1s as the server asked (attempt 1)",
        "   recovered: Emulated answer from openai/gpt-oss-120b to: Hello!",
    ]
    assert swap[:2] == [
        "   profile 'groq': Emulated answer from openai/gpt-oss-20b to: Hello!",
        "   profile 'offline': Hello!",
    ]
    assert out.rstrip().endswith("and the README for the API.")
    # The hint must work when pasted after the README's commands: through uv run.
    assert 'Done. Next: `uv run synaptic chat -m groq:openai/gpt-oss-120b "Hello"`' in out
    assert "`uv run synaptic emulator` to test your own app offline" in out
    assert (
        done.stderr.strip() == ""
        or "Uninstalled" in done.stderr
        or "Installed" in done.stderr
        or "Audited" in done.stderr
    )


def test_the_next_command_is_one_that_works_where_the_demo_ran(tmp_path: Path) -> None:
    from synaptic._demo import command_prefix

    assert command_prefix({"UV_RUN_RECURSION_DEPTH": "1", "PATH": ""}) == "uv run synaptic"
    assert command_prefix({"PATH": str(tmp_path)}).endswith(" -m synaptic")
    script = tmp_path / "synaptic"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    assert command_prefix({"PATH": str(tmp_path)}) == "synaptic"
