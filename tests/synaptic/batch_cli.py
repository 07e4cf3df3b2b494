"""What the ``synaptic batch`` command tests share: input lines, running the command in
process, reading its output, a clean environment."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

from synaptic.cli import main

ENVIRONMENT = ("SYNAPTIC_MODEL", "SYNAPTIC_CONFIG", "GROQ_API_KEY", "GROQ_BASE_URL")


def lines(count: int, *, model: str = "openai/gpt-oss-20b", start: int = 0) -> str:
    """``count`` batch input lines (``row-START`` ...), each with its newline."""
    return "".join(
        json.dumps(
            {
                "custom_id": f"row-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": model, "messages": [{"role": "user", "content": f"q{i}"}]},
            }
        )
        + "\n"
        for i in range(start, start + count)
    )


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """The command's exit code, stdout and stderr."""
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def new_key() -> str:
    """A key of its own: the process keeps one budget per key and model, as a real
    process does, and tests must not share one (a new process starts afresh)."""
    return f"key-{uuid.uuid4().hex}"


def clean(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No model, config, key or base URL from the environment; work in ``tmp_path``."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
