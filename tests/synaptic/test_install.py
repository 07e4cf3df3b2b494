"""The README's "Install" lines, run exactly as written in fresh virtual environments: our
four distributions come from the checkout (never the package index's unrelated
``synaptic`` / ``synaptic-core``), then the library imports and chats on loopback.

Offline like every test: the dependencies are installed first, as locked, from uv's
cache, and the installers are told (through their environment, so the README's line is
run unchanged) not to reach an index; the build backend comes from the same cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
OURS = ("synaptic", "synaptic-core", "synaptic-openai", "synaptic-groq")

CHECK = textwrap.dedent(
    """
    import json, sys
    from importlib import metadata
    from synaptic_groq.emulator import GroqEmulator
    import synaptic

    origins = {
        name: json.loads(metadata.distribution(name).read_text("direct_url.json"))["url"]
        for name in ("synaptic", "synaptic-core", "synaptic-openai", "synaptic-groq")
    }
    with GroqEmulator() as emulator:
        with synaptic.load_chat_model(
            "groq:openai/gpt-oss-20b", base_url=emulator.base_url, environ={"GROQ_API_KEY": "k"}
        ) as model:
            answer = model.chat_sync("hello").content
    print(json.dumps({"origins": origins, "answer": answer, "prefix": sys.prefix}))
    """
)


def install_line(tool: str) -> str:
    """The README's install command for ``tool`` (``pip`` or ``uv``)."""
    pattern = (
        r"^python -m pip install \./packages/.*$"
        if tool == "pip"
        else r"^uv pip install \./packages/.*$"
    )
    [line] = re.findall(pattern, README, re.M)
    return line


def run(args: list[str] | str, env: dict[str, str], *, shell: bool = False) -> str:
    done = subprocess.run(
        args,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        shell=shell,
        executable="/bin/bash" if shell else None,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.mark.parametrize("tool", ["pip", "uv"])
def test_the_readme_install_line_installs_from_the_checkout(tool: str, tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv is not None, "this test needs uv on PATH (python -m pip install uv)"
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "CONDA_PREFIX")
        and not k.startswith("PIP_")
        and (not k.startswith("UV_") or k == "UV_CACHE_DIR")  # e.g. UV_PYTHON under nox
    }
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", str(venv)], base)  # stdlib venv: has pip, like a user's
    python = venv / "bin" / "python"
    pylock = tmp_path / "pylock.toml"
    run(
        [uv, "export", "--format", "pylock.toml", "--frozen", "--no-dev", "--all-packages",
         "--no-emit-workspace", "-o", str(pylock), "--quiet"],
        base,
    )  # fmt: skip
    run([uv, "pip", "install", "--python", str(python), "--offline", "-r", str(pylock), "-q"], base)
    run([uv, "pip", "install", "--python", str(python), "--offline", "hatchling", "-q"], base)
    env = {
        **base,
        "VIRTUAL_ENV": str(venv),  # an activated venv: `python` and `uv pip` use it
        "PATH": f"{venv / 'bin'}{os.pathsep}{base.get('PATH', '')}",
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",  # pip's env spelling of --no-build-isolation
        "UV_OFFLINE": "1",
    }
    before = run(["git", "status", "--porcelain"], base)
    run(install_line(tool), env, shell=True)
    result = json.loads(run([str(python), "-c", CHECK], env).splitlines()[-1])
    assert result["answer"] == "Emulated answer from openai/gpt-oss-20b to: hello"
    assert Path(result["prefix"]).resolve() == venv.resolve()
    assert result["origins"] == {
        "synaptic": ROOT.resolve().as_uri(),
        "synaptic-core": (ROOT / "packages/synaptic-core").resolve().as_uri(),
        "synaptic-openai": (ROOT / "packages/synaptic-openai").resolve().as_uri(),
        "synaptic-groq": (ROOT / "packages/synaptic-groq").resolve().as_uri(),
    }
    assert run(["git", "status", "--porcelain"], base) == before  # nothing left in the checkout


def test_the_readme_says_the_index_names_are_not_ours() -> None:
    assert "unrelated projects" in README
    assert "synaptic-core" in README
