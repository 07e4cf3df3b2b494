"""Every ```python block of the README runs as pasted: written to a file and run by a
fresh ``python`` in a subprocess (no wrapper, no top-level ``await``), in an empty folder.

Blocks that talk to Groq reach the Groq emulator instead, through ``GROQ_BASE_URL``
(which ``GroqConfig`` reads, as a user's environment would), so the docs cannot drift
from the code. Warnings that are not ours to silence stay visible, and an example that
leaves a connection open fails (``ResourceWarning``). The Groq model table must equal
the one generated from the catalog.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from synaptic_groq.emulator import GroqEmulator

from .groq.catalog_table import catalog_table

README = Path(__file__).parent.parent / "README.md"
TEXT = README.read_text(encoding="utf-8")
BLOCKS = re.findall(r"^```python\n(.*?)^```", TEXT, re.M | re.S)


def run_block(
    code: str, tmp_path: Path, emulator: GroqEmulator
) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            (
                "GROQ_",
                "OPENAI_",
                "SYNAPTIC_MODEL",
                "SYNAPTIC_CONFIG",
                "SYNAPTIC_NO_LOG",
                "PYTHONWARNINGS",
            )
        )
    }
    env["GROQ_BASE_URL"] = emulator.base_url
    env["SYNAPTIC_HOME"] = str(tmp_path / "home")  # never the user's
    return subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error::ResourceWarning", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 20


def test_no_block_needs_a_wrapper() -> None:
    for code in BLOCKS:
        compile(code, "README.md", "exec")  # a SyntaxError here: top-level await
        assert "import synaptic" in code or "from synaptic" in code or "# src/" in code


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_block_runs_as_a_file(code: str, tmp_path: Path) -> None:
    with GroqEmulator() as emulator:  # the free and developer tiers' catalog
        shows_429 = "except RateLimitError" in code and "GroqEmulator" not in code
        retries = "RetryChatModel(model" in code
        if shows_429 or retries:
            emulator.add_fault("rate_limit", retry_after=0)
        done = run_block(code, tmp_path, emulator)
        assert done.returncode == 0, done.stderr
        assert "ResourceWarning" not in done.stderr, done.stderr
        assert "Traceback" not in done.stderr, done.stderr
        if shows_429:
            assert len(emulator.requests) == 1  # the 429 was caught and shown, not retried
            assert "Rate limited:" in done.stdout
        if retries:
            assert len(emulator.requests) == 2  # the 429, then the retry


def test_groq_tool_example_sends_the_result_back(tmp_path: Path) -> None:
    [code] = [b for b in BLOCKS if "get_weather(**tc.arguments)" in b]
    with GroqEmulator() as emulator:
        done = run_block(code, tmp_path, emulator)
        assert done.returncode == 0, done.stderr
        first, second = emulator.requests
    assert first["tool_choice"] == "auto"
    call, result = second["messages"][1:]
    [tool_call] = call["tool_calls"]
    assert call["role"] == "assistant"
    assert call["content"] is None
    assert tool_call["type"] == "function"
    assert tool_call["function"] == {"name": "get_weather", "arguments": '{"city": "Tokyo"}'}
    assert result == {
        "role": "tool",
        "content": "Sunny, 22C in Tokyo",
        "tool_call_id": tool_call["id"],
    }
    assert done.stdout.splitlines()[0] == "Tool: get_weather, Args: {'city': 'Tokyo'}"


def test_model_table_matches_the_catalog() -> None:
    assert catalog_table() in TEXT


def test_the_references_line_warns_then_fails_as_the_readme_says(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import warnings
        from synaptic.groq import GroqChatModel, GroqConfig, GroqModel
        from synaptic.core import ModelRetiredError
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            config = GroqConfig("gsk-your-api-key", GroqModel.LLAMA3_3_70B_VERSATILE)
        print(type(caught[0].message).__name__)
        with GroqChatModel(config) as model:
            try:
                model.chat_sync("Hello")
            except ModelRetiredError as error:
                print(type(error).__name__, error.status_code, error.replacement)
        """
    )
    with GroqEmulator() as emulator:
        done = run_block(code, tmp_path, emulator)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "DecommissionedModelWarning",
        "ModelRetiredError 404 openai/gpt-oss-120b",
    ]
    assert "DecommissionedModelWarning: Groq model 'llama-3.3-70b-versatile'" in TEXT
    assert "synaptic raises `ModelRetiredError`, whose `.replacement` is" in TEXT
