"""The built wheels install as a user would get them: ``synaptic[groq]`` in a fresh virtual
environment, then a chat through the ``groq`` entry point against a loopback server.

Dependencies are installed as locked, from uv's cache (``--offline``): the test suite
never reaches a registry. The ``build`` nox session checks the wheels' contents.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent

SCRIPT = textwrap.dedent(
    """
    import json, sys, threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from importlib import metadata

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            answer = {
                "id": "chatcmpl-wheel",
                "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant",
                    "content": "wheel says: " + body["messages"][-1]["content"]},
                    "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 3, "total_tokens": 6},
            }
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    import synaptic, synaptic_groq
    print(sorted(e.name for e in metadata.entry_points(group="synaptic")))
    print(synaptic.available_providers())
    print(synaptic_groq.__file__.startswith(sys.prefix))
    model = synaptic.load_chat_model(
        "groq:openai/gpt-oss-20b",
        base_url=f"http://127.0.0.1:{server.server_address[1]}",
        environ={"GROQ_API_KEY": "gsk_wheel_test"},
    )
    print(type(model).__name__, model.chat_sync("hello").content)
    server.shutdown()
    """
)


def test_built_wheels_install_with_the_groq_extra_and_chat(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv is not None, "this test needs uv on PATH (python -m pip install uv)"
    env = {  # a fresh install: not this environment, nor the tests' path (the example plugin)
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH")
    }
    dist = tmp_path / "dist"

    def run(*args: str | Path) -> str:
        done = subprocess.run(
            [str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
        return done.stdout

    run(uv, "build", "--all-packages", "--wheel", "--offline", "--out-dir", dist, "--quiet")
    wheels = sorted(p.name.split("-")[0] for p in dist.glob("*.whl"))
    assert wheels == [
        "synaptic",
        "synaptic_core",
        "synaptic_groq",
        "synaptic_openai",
        "synaptic_otel",
        "synaptic_redis",
    ]
    venv = tmp_path / "venv"
    run(uv, "venv", venv, "--python", sys.executable, "--quiet")
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # Dependencies exactly as locked (their wheels are in uv's cache), then the extra.
    pylock = tmp_path / "pylock.toml"
    run(
        uv,
        "export",
        "--format",
        "pylock.toml",
        "--frozen",
        "--no-dev",
        "--all-packages",
        "--no-emit-workspace",
        "-o",
        pylock,
        "--quiet",
    )
    run(uv, "pip", "install", "--python", python, "--offline", "-r", pylock, "--quiet")
    run(
        uv,
        "pip",
        "install",
        "--python",
        python,
        "--offline",
        "--find-links",
        dist,
        "synaptic[groq]",
        "--quiet",
    )
    out = run(python, "-c", SCRIPT).splitlines()
    assert out == [
        "['groq', 'openai', 'openai-compatible']",
        "['fake', 'groq', 'openai', 'openai-compatible']",
        "True",
        "RetryChatModel wheel says: hello",  # retries by default (DESIGN 18)
    ]


@pytest.mark.parametrize("extra", ["groq", "openai", "redis", "otel", "all"])
def test_extras_are_pinned_to_the_workspace_versions(extra: str) -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = project["optional-dependencies"][extra]
    assert pins
    assert all("==0.1.0" in pin for pin in pins)
