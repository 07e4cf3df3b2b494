"""The key never leaks (repr, str, logs at DEBUG including httpx/httpcore, errors,
tracebacks, CLI output or files); header injection is refused; TLS is verified and cannot
be switched off by environment; a key over plain HTTP to another host warns."""

from __future__ import annotations

import logging
import ssl
import sys
import threading
import traceback
import warnings
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import trustme

from synaptic_core import (
    AuthenticationError,
    ConfigError,
    HttpBackend,
    HttpRequest,
    InsecureTransportWarning,
    NetworkError,
    SynapticError,
    load_chat_model,
    to_request,
)
from synaptic_groq import GroqChatModel, GroqConfig, GroqModel
from synaptic_groq.emulator import GroqEmulator
from synaptic_openai import OpenAIChatModel, OpenAIConfig

KEY = "gsk_SECRET_never_show_me_0123456789"


def everything_about(error: BaseException) -> str:
    return "".join(traceback.format_exception(type(error), error, error.__traceback__)) + repr(
        error
    )


def test_reprs_and_strs_hide_the_key() -> None:
    config = GroqConfig(KEY, GroqModel.GPT_OSS_20B)
    model = GroqChatModel(config, HttpBackend())
    openai = OpenAIConfig(KEY, "gpt-4o-mini")
    request = model._http_request(to_request("hi"), stream=False)
    for thing in (
        config,
        model,
        openai,
        OpenAIChatModel(openai, HttpBackend()),
        request,
        config.model_dump(),
        config.model_dump_json(),
    ):
        assert KEY not in repr(thing)
        assert KEY not in str(thing)
    settings = load_chat_model("groq:openai/gpt-oss-20b", environ={"GROQ_API_KEY": KEY}).config  # type: ignore[attr-defined]
    assert KEY not in repr(settings)


def test_debug_logs_errors_and_tracebacks_never_contain_the_key(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # root: synaptic, httpx, httpcore, h11 all at DEBUG
    errors: list[BaseException] = []
    with GroqEmulator() as emulator, HttpBackend() as backend:
        model = GroqChatModel(
            GroqConfig(KEY, GroqModel.GPT_OSS_20B, base_url=emulator.base_url), backend
        )
        model.chat_sync("hello")
        list(model.stream_chat_sync("hello"))
        for kind in ("rate_limit", "server_error", "error_frame", "reset"):
            emulator.add_fault(kind)
            try:
                list(model.stream_chat_sync("hello"))
            except SynapticError as error:
                errors.append(error)
    assert len(errors) == 4
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # the debug logs did run
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert KEY not in repr(record.args)
    for error in errors:
        assert KEY not in everything_about(error)


def test_key_echoed_by_a_server_is_redacted_everywhere() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            401,
            json={
                "error": {
                    "message": f"Incorrect API key provided: {KEY}",
                    "type": "invalid_request_error",
                }
            },
        )

    backend = HttpBackend(transport=httpx.MockTransport(handler))
    with pytest.raises(AuthenticationError) as info:
        GroqChatModel(GroqConfig(KEY, GroqModel.GPT_OSS_20B), backend).chat_sync("hi")
    assert KEY not in everything_about(info.value)
    assert KEY not in (info.value.body or "")


@pytest.mark.parametrize("bad", [KEY + "\n", KEY + "\r\nX-Injected: 1", "gsk\x00"])
def test_line_breaks_in_keys_and_headers_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="line break or NUL") as info:
        GroqConfig(bad, GroqModel.GPT_OSS_20B)
    assert KEY not in everything_about(info.value)
    with pytest.raises(ConfigError, match="line break or NUL"):
        GroqConfig("gsk_ok", GroqModel.GPT_OSS_20B, headers={"X-Team": bad})


def test_header_injection_at_the_transport_is_refused_without_echoing() -> None:
    with GroqEmulator() as emulator, HttpBackend() as backend:
        url = f"{emulator.base_url}/chat/completions"
        request = HttpRequest("POST", url, {"authorization": f"Bearer {KEY}\r\nX-Evil: 1"}, b"{}")
        with pytest.raises(ConfigError) as info:
            backend.send_sync(request)
    assert KEY not in everything_about(info.value)
    assert info.value.__cause__ is None


@pytest.fixture(scope="module")
def https_url() -> Iterator[tuple[str, trustme.CA]]:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["content-length"]))
            body = b'{"choices": [{"index": 0, "message": {"role": "assistant", "content": "over TLS"}, "finish_reason": "stop"}]}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}/openai/v1", ca
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    "env",
    [
        {},
        {
            "PYTHONHTTPSVERIFY": "0",
            "CURL_CA_BUNDLE": "",
            "REQUESTS_CA_BUNDLE": "",
            "HTTPX_SSL_VERIFY": "0",
            "SSL_NO_VERIFY": "1",
        },
    ],
)
def test_tls_is_verified_and_the_environment_cannot_turn_it_off(
    https_url: tuple[str, trustme.CA], env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _ = https_url
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with HttpBackend() as backend, pytest.raises(NetworkError, match="CERTIFICATE_VERIFY_FAILED"):
        GroqChatModel(GroqConfig(KEY, GroqModel.GPT_OSS_20B, base_url=url), backend).chat_sync("hi")


def test_a_private_ca_is_trusted_through_an_explicit_transport(
    https_url: tuple[str, trustme.CA],
) -> None:
    url, ca = https_url
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with HttpBackend(transport=httpx.HTTPTransport(verify=context)) as backend:
        model = GroqChatModel(GroqConfig(KEY, GroqModel.GPT_OSS_20B, base_url=url), backend)
        assert model.chat_sync("hi").content == "over TLS"


@pytest.mark.parametrize(
    ("base_url", "warns"),
    [
        ("http://gateway.example.com/openai/v1", True),
        ("http://10.0.0.5:8000/openai/v1", True),
        ("http://127.0.0.1:8000/openai/v1", False),
        ("http://localhost:8000/openai/v1", False),
        ("http://[::1]:8000/openai/v1", False),
        ("https://gateway.example.com/openai/v1", False),
    ],
)
def test_plain_http_to_another_host_warns(base_url: str, warns: bool) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        GroqChatModel(GroqConfig(KEY, GroqModel.GPT_OSS_20B, base_url=base_url), HttpBackend())
    insecure = [w for w in caught if w.category is InsecureTransportWarning]
    assert bool(insecure) is warns
    for warning in insecure:
        assert KEY not in str(warning.message)


def test_cli_never_echoes_or_stores_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    with GroqEmulator() as emulator:
        env = {
            "HOME": str(home),
            "GROQ_API_KEY": KEY,
            "GROQ_BASE_URL": emulator.base_url,
            "PATH": "/usr/bin:/bin",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        emulator.add_fault("unavailable")
        runs = [
            ["chat", "-m", "groq:openai/gpt-oss-20b", "--retries", "0", "hello"],  # fails: 503
            ["chat", "-m", "groq:openai/gpt-oss-20b", "--json", "hello"],
            ["--debug", "chat", "-m", "groq:openai/gpt-oss-20b", "--no-stream", "hello"],
            ["providers"],
            ["models", "--live"],
        ]
        outputs = [
            subprocess.run(
                [sys.executable, "-m", "synaptic", *args],
                cwd=work,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            for args in runs
        ]
    assert outputs[0].returncode == 1
    assert [o.returncode for o in outputs[1:]] == [0, 0, 0, 0]
    for output in outputs:
        assert KEY not in output.stdout + output.stderr
    # The one thing written: the conversation log (DESIGN 18), without the key.
    written = sorted(p.relative_to(home) for p in home.rglob("*") if p.is_file())
    assert [p for p in written if not p.name.startswith("logs.db")] == []
    assert "logs.db" in [p.name for p in written]
    for path in written:
        assert KEY.encode() not in (home / path).read_bytes()
    assert list(work.rglob("*")) == []
