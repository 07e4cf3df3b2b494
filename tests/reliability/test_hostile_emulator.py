"""The emulator survives its clients (DESIGN section 16, last bullet; issue 20, item 10).

Hostile clients of ``GroqEmulator`` on 127.0.0.1, with raw sockets and httpx: schemas
asking for huge answers, requests that would fill memory, clients that drip headers,
stall bodies or hold connections, a process out of file descriptors, and bodies of the
wrong shape. Each test checks the exact status and Groq's error body, and that a normal
chat request is served afterwards. Timeouts are set small through the constructor, so
the whole file runs in a few seconds.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from synaptic_groq.emulator import GroqEmulator

MODEL = "openai/gpt-oss-20b"
AUTH = {"authorization": "Bearer k"}


# --- helpers ------------------------------------------------------------------------


def chat_body(content: str = "hello", **extra: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": content}], **extra}


def head(length: int, path: str = "/openai/v1/chat/completions", *, close: bool = True) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "host: 127.0.0.1",
        "authorization: Bearer k",
        "content-type: application/json",
        f"content-length: {length}",
    ]
    if close:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def parse(raw: bytes) -> tuple[int, dict[str, str], bytes]:
    top, _, body = raw.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(" ")[1]), headers, body


def read_all(sock: socket.socket, timeout: float = 5.0) -> bytes:
    sock.settimeout(timeout)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


def exchange(port: int, data: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``data`` (a request asking to close) and parse the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        raw = read_all(sock)
    assert raw, "the emulator dropped the connection without answering"
    return parse(raw)


def post_raw(port: int, body: bytes, path: str = "/openai/v1/chat/completions") -> Any:
    return exchange(port, head(len(body), path) + body)


def groq_error(body: bytes, error_type: str = "invalid_request_error") -> dict[str, Any]:
    """The error object, checked to be Groq's shape."""
    data = json.loads(body)
    assert set(data) == {"error"}
    error = data["error"]
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["type"] == error_type
    assert set(error) <= {"message", "type", "code", "param"}
    return error  # type: ignore[no-any-return]


def chat(emulator: GroqEmulator, body: dict[str, Any] | None = None) -> httpx.Response:
    return httpx.post(
        f"{emulator.base_url}/chat/completions",
        json=body or chat_body(),
        headers=AUTH,
        timeout=10,
    )


def assert_serves(emulator: GroqEmulator) -> None:
    """A normal chat request still gets its answer."""
    response = chat(emulator, chat_body("still there?"))
    assert response.status_code == 200
    content = response.json()["choices"][0]["message"]["content"]
    assert content == f"Emulated answer from {MODEL} to: still there?"


def closed_within(sock: socket.socket, seconds: float) -> float:
    """How long until the emulator closes ``sock`` (fails past ``seconds``)."""
    started = time.monotonic()
    sock.settimeout(seconds)
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except TimeoutError:
        pytest.fail(f"the connection was still open after {seconds} s")
    return time.monotonic() - started


def wait_until(condition: Any, seconds: float = 3.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


@pytest.fixture(scope="module")
def shared() -> Iterator[GroqEmulator]:
    with GroqEmulator(requests_per_minute=None, requests_per_day=None) as emulator:
        yield emulator


# --- bounded generation -------------------------------------------------------------


def nested_arrays(levels: int, items: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "array", "minItems": items, "items": schema}
    return schema


def nested_objects(levels: int) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    for _ in range(levels):
        schema = {"type": "object", "properties": {"a": schema}, "required": ["a"]}
    return schema


HUGE_SCHEMAS = {
    "ten million items": {"type": "array", "minItems": 10_000_000, "items": {"type": "string"}},
    "a billion characters": {"type": "string", "minLength": 1_000_000_000},
    "arrays that multiply": nested_arrays(8, 10),  # 10**8 strings
    "objects 200 deep": nested_objects(200),
    "a $ref to itself": {
        "type": "object",
        "properties": {"next": {"$ref": "#"}},
        "required": ["next"],
    },
    "a large constant repeated": {
        "type": "array",
        "minItems": 5_000,
        "items": {"const": "x" * 10_000},
    },
}


@pytest.mark.parametrize("name", list(HUGE_SCHEMAS))
def test_a_schema_asking_for_a_huge_answer_is_refused_at_once(
    shared: GroqEmulator, name: str
) -> None:
    schema = HUGE_SCHEMAS[name]
    response_format = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    started = time.monotonic()
    status, _, body = post_raw(
        shared.port, json.dumps(chat_body(response_format=response_format)).encode()
    )
    assert time.monotonic() - started < 1.0
    assert status == 400
    error = groq_error(body)
    assert error["param"] == "response_format"
    assert "emulator" in error["message"] or "'$ref'" in error["message"]
    tool = {"type": "function", "function": {"name": "f", "parameters": schema}}
    status, _, body = post_raw(
        shared.port, json.dumps(chat_body(tools=[tool], tool_choice="required")).encode()
    )
    assert status == 400
    assert groq_error(body)["param"] == "tools"
    assert_serves(shared)


def test_the_bounds_are_exact_and_answers_within_them_are_valid(shared: GroqEmulator) -> None:
    def ask(schema: dict[str, Any]) -> httpx.Response:
        response_format = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
        return chat(shared, chat_body("Weather in Tokyo", response_format=response_format))

    fits = ask({"type": "array", "minItems": 9_000, "items": {"type": "integer", "minimum": 3}})
    assert fits.status_code == 200
    assert json.loads(fits.json()["choices"][0]["message"]["content"]) == [3] * 9_000
    padded = ask({"type": "string", "minLength": 5_000})
    text = json.loads(padded.json()["choices"][0]["message"]["content"])
    assert text.startswith("Tokyo")
    assert len(text) == 5_000
    # A long keyword is walked once per answer, not once per value made from it.
    options = [{"type": "null"}] * 100_000 + [{"type": "integer", "minimum": 7}]
    started = time.monotonic()
    walked = ask({"type": "array", "minItems": 5_000, "items": {"anyOf": options}})
    assert time.monotonic() - started < 2.0
    assert json.loads(walked.json()["choices"][0]["message"]["content"]) == [7] * 5_000
    too_many = ask({"type": "array", "minItems": 10_001, "items": {"type": "integer"}})
    assert too_many.status_code == 400
    assert "10000 values" in too_many.json()["error"]["message"]


def test_a_huge_prompt_gets_a_bounded_answer(shared: GroqEmulator) -> None:
    prompt = "a " * 100_000  # one-letter words: once 100,000 stream frames
    with httpx.stream(
        "POST",
        f"{shared.base_url}/chat/completions",
        json=chat_body(prompt, stream=True),
        headers=AUTH,
        timeout=10,
    ) as response:
        frames = [line for line in response.iter_lines() if line.startswith("data: ")]
    assert response.status_code == 200
    assert len(frames) < 8_192 + 10
    whole = chat(shared, chat_body(prompt)).json()["choices"][0]["message"]["content"]
    assert whole == f"Emulated answer from {MODEL} to: " + prompt[:8_192].strip()


# --- the recorded requests ----------------------------------------------------------


def test_recorded_requests_are_a_ring_bounded_by_count() -> None:
    with GroqEmulator(max_recorded_requests=3) as emulator:
        sizes = []
        for index in range(5):
            body = json.dumps(chat_body(f"question {index}")).encode()
            sizes.append(len(body))
            assert post_raw(emulator.port, body)[0] == 200
        assert len(emulator.requests) == 3
        assert [r["messages"][0]["content"] for r in emulator.requests] == [
            "question 2",
            "question 3",
            "question 4",
        ]
        assert emulator.requests[-1] == chat_body("question 4")
        assert emulator.requests[1:] == [chat_body("question 3"), chat_body("question 4")]
        assert emulator.requests == [chat_body(f"question {i}") for i in (2, 3, 4)]
        first, _, _ = emulator.requests
        assert first["messages"][0]["content"] == "question 2"
        assert emulator.requests.recorded_bytes == sum(sizes[2:])
        assert emulator.requests.dropped == 2
        emulator.reset()
        assert emulator.requests == []
        assert emulator.requests.recorded_bytes == 0


def test_recorded_requests_are_bounded_by_bytes() -> None:
    with GroqEmulator(max_recorded_bytes=10_000) as emulator:
        bodies = [json.dumps(chat_body(f"{i}" + "x" * 4_000)).encode() for i in range(5)]
        for body in bodies:
            assert post_raw(emulator.port, body)[0] == 200
        assert [r["messages"][0]["content"][0] for r in emulator.requests] == ["3", "4"]
        assert emulator.requests.recorded_bytes == len(bodies[3]) + len(bodies[4]) <= 10_000
        big = json.dumps(chat_body("y" * 12_000)).encode()
        assert post_raw(emulator.port, big)[0] == 200  # answered, too big to record
        assert [r["messages"][0]["content"][0] for r in emulator.requests] == ["3", "4"]
        assert emulator.requests.recorded_bytes <= 10_000


def test_recording_can_be_turned_off() -> None:
    with GroqEmulator(record_requests=False) as emulator:
        assert_serves(emulator)
        assert emulator.requests == []
        assert len(emulator.requests) == 0
        assert emulator.requests.recorded_bytes == 0


# --- bodies: size, memory in flight, timeouts ----------------------------------------


def test_bad_content_lengths_are_answered_and_the_emulator_keeps_serving() -> None:
    with GroqEmulator(max_body_bytes=1_000) as emulator:
        status, headers, body = exchange(emulator.port, head(50_000_000))
        assert status == 413
        assert headers["connection"] == "close"
        assert groq_error(body)["code"] == "request_too_large"
        status, _, body = exchange(emulator.port, head(10**4000))  # 4,001 digits
        assert status == 413
        for length in ("abc", "-5", "\u00b2"):  # "²" passes str.isdigit() but not int()
            raw = head(0).replace(b"content-length: 0", f"content-length: {length}".encode())
            status, _, body = exchange(emulator.port, raw.decode().encode("latin-1"))
            assert status == 400
            assert "content-length" in groq_error(body)["message"]
        status, _, body = exchange(emulator.port, b"NONSENSE\r\n\r\n")
        assert status == 400
        groq_error(body)
        assert_serves(emulator)


def test_bodies_in_flight_are_bounded_and_stalled_ones_time_out() -> None:
    with GroqEmulator(max_pending_body_bytes=100_000, body_timeout=0.5) as emulator:
        server = emulator._server
        assert server is not None
        holders = []
        for _ in range(2):  # each holds a partial 40 kB body: 80 kB in flight
            sock = socket.create_connection(("127.0.0.1", emulator.port), timeout=5)
            sock.sendall(head(40_000) + b'{"model": ')
            holders.append(sock)
        wait_until(lambda: server.pending_body_bytes == 80_000)
        status, headers, body = exchange(emulator.port, head(40_000))  # 120 kB: refused
        assert status == 503
        assert headers["retry-after"] == "1"
        assert "request bodies" in groq_error(body, "internal_server_error")["message"]
        assert server.pending_body_bytes == 80_000
        for sock in holders:
            assert closed_within(sock, 3.0) < 2.0  # the body timeout (0.5 s) cut them
            sock.close()
        wait_until(lambda: server.pending_body_bytes == 0)
        assert emulator.stats.connections_timed_out == 2
        assert_serves(emulator)


def test_headers_dripping_past_the_header_timeout_are_cut() -> None:
    with GroqEmulator(header_timeout=0.2) as emulator:
        request = head(2)
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
            started = time.monotonic()
            closed = False
            for byte in request:  # one byte every 20 ms: the head would take ~2.5 s
                try:
                    sock.sendall(bytes([byte]))
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    break
                sock.settimeout(0.02)
                try:
                    if sock.recv(1) == b"":
                        closed = True
                        break
                except TimeoutError:
                    continue
                except ConnectionResetError:
                    closed = True
                    break
            assert closed
            assert time.monotonic() - started < 1.0
        assert emulator.stats.connections_timed_out == 1
        assert_serves(emulator)


def test_idle_connections_are_closed_cleanly_after_the_idle_timeout() -> None:
    with GroqEmulator(idle_timeout=0.2, header_timeout=0.2, body_timeout=0.2) as emulator:
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
            assert closed_within(sock, 2.0) < 1.0  # connected, never sent a byte
        body = json.dumps(chat_body()).encode()
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as sock:
            sock.sendall(head(len(body), close=False) + body)  # keep-alive
            raw = b""
            while b"\r\n\r\n" not in raw:
                raw += sock.recv(65536)
            status, headers, rest = parse(raw)
            while len(rest) < int(headers["content-length"]):
                rest += sock.recv(65536)
            assert status == 200
            assert sock.recv(65536) == b""  # then a clean close (FIN, not a reset)
        # The emulator's own stall (a fault) is not the client's: longer than every
        # timeout, and the answer still arrives whole.
        emulator.add_fault("stall", delay=0.5, after_chunks=2)
        started = time.monotonic()
        response = chat(emulator, chat_body(stream=True))
        assert time.monotonic() - started >= 0.5
        assert response.status_code == 200
        assert response.text.rstrip().endswith("data: [DONE]")
        assert emulator.stats.connections_timed_out >= 2
        assert_serves(emulator)


def test_a_client_that_stops_reading_its_reply_is_dropped() -> None:
    with GroqEmulator(idle_timeout=0.3) as emulator:
        content_type, body = multipart(b"batch", b"x" * (16 * 1024 * 1024))
        uploaded = httpx.post(
            f"{emulator.base_url}/files",
            content=body,
            headers={**AUTH, "content-type": content_type},
            timeout=10,
        ).json()
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            sock.connect(("127.0.0.1", emulator.port))
            path = f"/openai/v1/files/{uploaded['id']}/content"
            sock.sendall(f"GET {path} HTTP/1.1\r\nauthorization: Bearer k\r\n\r\n".encode())
            wait_until(lambda: emulator.stats.connections_timed_out == 1, 3.0)  # never read
        assert_serves(emulator)


# --- connections ---------------------------------------------------------------------


def test_connections_past_the_cap_get_a_503_and_service_continues() -> None:
    with GroqEmulator(max_connections=4) as emulator:
        held = [socket.create_connection(("127.0.0.1", emulator.port)) for _ in range(4)]
        wait_until(lambda: emulator.stats.open_connections == 4)
        with socket.create_connection(("127.0.0.1", emulator.port), timeout=5) as extra:
            status, headers, body = parse(read_all(extra))
        assert status == 503
        assert headers["connection"] == "close"
        assert headers["retry-after"] == "1"
        error = groq_error(body, "internal_server_error")
        assert "maximum of 4 connections" in error["message"]
        response = chat(emulator)  # an HTTP client sending at once reads the 503 too
        assert response.status_code == 503
        assert emulator.stats.connections_refused == 2
        assert emulator.stats.open_connections == 4
        for sock in held:
            sock.close()
        wait_until(lambda: emulator.stats.open_connections == 0)
        assert_serves(emulator)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts /proc/self/fd")
def test_running_out_of_file_descriptors_backs_off_and_logs_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    client_code = (
        "import resource, socket, sys, time\n"
        "_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))\n"
        "s = [socket.create_connection(('127.0.0.1', int(sys.argv[1]))) for _ in range(60)]\n"
        "print('connected', flush=True)\n"
        "time.sleep(30)\n"
    )
    with GroqEmulator(max_connections=10_000) as emulator:  # the descriptors run out first
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        # Room for about 20 accepted sockets from here on. The clients live in another
        # process (which raises its own limit back), so only the emulator's accepted
        # sockets count against this one's.
        resource.setrlimit(resource.RLIMIT_NOFILE, (len(os.listdir("/proc/self/fd")) + 20, hard))
        clients: subprocess.Popen[str] | None = None
        try:
            clients = subprocess.Popen(
                [sys.executable, "-c", client_code, str(emulator.port)],
                stdout=subprocess.PIPE,
                text=True,
            )
            assert clients.stdout is not None
            assert clients.stdout.readline().strip() == "connected"
            wait_until(lambda: emulator.stats.open_connections >= 10)
            time.sleep(0.8)  # accept() keeps failing with EMFILE meanwhile
            clients.kill()
            clients.wait(5)
            wait_until(lambda: emulator.stats.open_connections == 0, 5)
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
            if clients is not None:
                if clients.poll() is None:
                    clients.kill()
                    clients.wait(5)
                if clients.stdout is not None:
                    clients.stdout.close()
        assert_serves(emulator)
    troubles = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(troubles) == 1, [r.getMessage() for r in troubles]
    assert "cannot accept connections" in troubles[0].getMessage()
    assert troubles[0].exc_info is None


# --- malformed bodies ----------------------------------------------------------------


def deep(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def test_the_bodies_named_in_the_report_get_400s(shared: GroqEmulator) -> None:
    cases = [
        json.dumps({"model": MODEL, "messages": "hi"}).encode(),
        json.dumps({"model": 5, "messages": [{"role": "user", "content": "hi"}]}).encode(),
        json.dumps({"model": MODEL, "messages": ["hi", 5]}).encode(),
        b"[1, 2]",
        b'{"model": "\xff\xfe", "messages": []}',
        deep(100_000),
        b'{"model": "openai/gpt-oss-20b", "messages": ' + deep(100_000) + b"}",
    ]
    for body in cases:
        status, _, answer = post_raw(shared.port, body)
        assert status == 400, body[:60]
        groq_error(answer)
    assert_serves(shared)


def message(**fields: Any) -> dict[str, Any]:
    return {"model": MODEL, "messages": [{"role": "user", "content": "hi", **fields}]}


def with_tools(tools: Any, **extra: Any) -> dict[str, Any]:
    return {**chat_body(), "tools": tools, **extra}


FUNCTION = {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
MALFORMED = {
    "content a number": message(content=5),
    "a content part not an object": message(content=["hi"]),
    "tools a number": with_tools(5),
    "a tool not an object": with_tools(["f"]),
    "a function a string": with_tools([{"type": "function", "function": "f"}]),
    "parameters a string": with_tools(
        [{"type": "function", "function": {"name": "f", "parameters": "x"}}]
    ),
    "tool_choice function a string": with_tools([FUNCTION], tool_choice={"function": "f"}),
    "tool_choice a number": with_tools([FUNCTION], tool_choice=3),
    "stream_options a string": chat_body(stream=True, stream_options="x"),
    "stream a string": chat_body(stream="yes"),
    "stop a number": chat_body(stop=5),
    "response_format a string": chat_body(response_format="json"),
    "schema a string": chat_body(
        response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": "x"}}
    ),
    "minItems a string": chat_body(
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": {"type": "array", "minItems": "many"}},
        }
    ),
    "an enum not a list": chat_body(
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "x", "schema": {"type": "string", "enum": 5}},
        }
    ),
    "tool_calls a string": {
        "model": MODEL,
        "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "tool_calls": "x"},
            {"role": "tool", "tool_call_id": "a", "content": "r"},
        ],
    },
    "a tool call's function a string": {
        "model": MODEL,
        "messages": [
            {"role": "assistant", "tool_calls": [{"id": "a", "function": "f"}]},
            {"role": "tool", "tool_call_id": "a", "content": "r"},
        ],
    },
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_field_of_the_wrong_type_gets_a_400_naming_it(shared: GroqEmulator, name: str) -> None:
    status, _, body = post_raw(shared.port, json.dumps(MALFORMED[name]).encode())
    assert status == 400
    error = groq_error(body)
    assert error["param"] in {
        "messages", "tools", "tool_choice", "stream_options", "stream", "stop", "response_format"
    }  # fmt: skip
    assert_serves(shared)


def test_an_internal_failure_is_a_500_logged_once(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.WARNING)
    with GroqEmulator() as emulator:

        def broken(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("a bug in the emulator")

        monkeypatch.setattr(emulator, "chat", broken)
        for _ in range(3):
            status, headers, body = post_raw(emulator.port, json.dumps(chat_body()).encode())
            assert status == 500
            assert headers["x-request-id"].startswith("req_emu_")
            error = groq_error(body, "internal_server_error")
            assert error == {"message": "Internal Server Error", "type": "internal_server_error"}
        monkeypatch.undo()
        assert_serves(emulator)
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 1
    assert "a bug in the emulator" in logged[0].getMessage()
    assert logged[0].exc_info is not None  # the first report carries the traceback


# --- files and batches ---------------------------------------------------------------


def multipart(purpose: bytes, content: bytes) -> tuple[str, bytes]:
    boundary = "hostile-boundary"
    body = (
        f'--{boundary}\r\ncontent-disposition: form-data; name="purpose"\r\n\r\n'.encode()
        + purpose
        + f'\r\n--{boundary}\r\ncontent-disposition: form-data; name="file"; '
        f'filename="in.jsonl"\r\ncontent-type: application/octet-stream\r\n\r\n'.encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return f"multipart/form-data; boundary={boundary}", body


def test_files_and_batches_answer_malformed_input() -> None:
    with GroqEmulator() as emulator:
        files = f"{emulator.base_url}/files"
        content_type, body = multipart(b"\xff\xfebatch", b"{}\n")
        response = httpx.post(files, content=body, headers={**AUTH, "content-type": content_type})
        assert response.status_code == 400
        groq_error(response.content)
        status, _, answer = post_raw(emulator.port, deep(100_000), "/openai/v1/batches")
        assert status == 400
        groq_error(answer)
        lines = [
            b'{"custom_id": "deep", "body": ' + deep(100_000) + b"}",
            json.dumps({"custom_id": "tools", "body": with_tools(5)}).encode(),
            json.dumps({"custom_id": "fine", "body": chat_body("row")}).encode(),
        ]
        content_type, body = multipart(b"batch", b"\n".join(lines) + b"\n")
        response = httpx.post(files, content=body, headers={**AUTH, "content-type": content_type})
        assert response.status_code == 200
        created = httpx.post(
            f"{emulator.base_url}/batches",
            json={
                "input_file_id": response.json()["id"],
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            },
            headers=AUTH,
        ).json()
        url = f"{emulator.base_url}/batches/{created['id']}"
        wait_until(lambda: httpx.get(url, headers=AUTH).json()["status"] == "completed")
        batch = httpx.get(url, headers=AUTH).json()
        assert batch["request_counts"] == {"total": 3, "completed": 1, "failed": 2}
        errors = httpx.get(f"{files}/{batch['error_file_id']}/content", headers=AUTH).text
        rows = {row["custom_id"]: row for row in map(json.loads, errors.splitlines())}
        assert rows[None]["error"]["code"] == "invalid_request"  # the deep line: no custom_id
        assert rows["tools"]["response"]["status_code"] == 400
        assert_serves(emulator)


# --- scalar fields, numeric keywords, repeated headers (the newcomer's trial) ------------


HUGE_LITERAL = "1" + "0" * 400  # a valid JSON integer no float can hold


def raw_chat(**fields: str) -> bytes:
    """A chat body whose ``fields`` are raw JSON text (``1e999``, 400-digit integers)."""
    extra = "".join(f', "{name}": {text}' for name, text in fields.items())
    return json.dumps(chat_body())[:-1].encode() + extra.encode() + b"}"


SCALARS = {
    "max_tokens a string": ("max_tokens", '"x"', "'max_tokens' : value must be an integer"),
    "max_tokens true": ("max_tokens", "true", "'max_tokens' : value must be an integer"),
    "max_tokens negative": ("max_tokens", "-3", "'max_tokens' : number must be at least 1"),
    "max_tokens zero": ("max_tokens", "0", "'max_tokens' : number must be at least 1"),
    "max_tokens a fraction": ("max_tokens", "0.5", "'max_tokens' : value must be an integer"),
    "max_tokens an array": ("max_tokens", "[]", "'max_tokens' : value must be an integer"),
    "max_tokens 1e308": ("max_tokens", "1e308", "'max_tokens' : value must be an integer"),
    "max_tokens 1e999": ("max_tokens", "1e999", "'max_tokens' : value must be an integer"),
    "max_completion_tokens a string": (
        "max_completion_tokens",
        '"5"',
        "'max_completion_tokens' : value must be an integer",
    ),
    "seed a string": ("seed", '"1"', "'seed' : value must be an integer"),
    "top_p a string": ("top_p", '"1"', "'top_p' : value must be a number"),
    "top_p 1e999": ("top_p", "1e999", "'top_p' : value must be a number"),
    "user a number": ("user", "5", "'user' : value must be a string"),
    "reasoning_effort a number": (
        "reasoning_effort",
        "5",
        "'reasoning_effort' : value must be a string",
    ),
    "service_tier a number": ("service_tier", "5", "'service_tier' : value must be a string"),
    "temperature a string": ("temperature", '"x"', "'temperature' : value must be a number"),
    "temperature negative": ("temperature", "-1", "'temperature' : number must be at least 0"),
    "model a number": ("model", "5", "'model' : value must be a string"),
    "messages a string": ("messages", '"hi"', "'messages' : value must be an array"),
}


@pytest.mark.parametrize("name", list(SCALARS))
def test_a_scalar_field_of_the_wrong_type_or_range_gets_a_400_naming_it(
    shared: GroqEmulator, name: str
) -> None:
    field, text, message = SCALARS[name]
    status, _, body = post_raw(shared.port, raw_chat(**{field: text}))
    assert status == 400
    error = groq_error(body)
    assert error["param"] == field
    assert error["message"] == message
    assert_serves(shared)


def test_well_formed_scalars_are_still_accepted(shared: GroqEmulator) -> None:
    fields = {
        "max_tokens": 5,
        "max_completion_tokens": 7,
        "seed": -4,
        "top_p": 1,
        "temperature": 0.0,
        "user": "u",
        "reasoning_effort": "low",
        "service_tier": "on_demand",
    }
    response = chat(shared, chat_body(**fields))
    assert response.status_code == 200
    assert response.json()["x_groq"]["seed"] == -4


@pytest.mark.parametrize("keyword", ["minItems", "minLength", "minimum", "maxLength"])
def test_a_numeric_keyword_too_large_for_a_float_is_a_400_not_a_500(
    shared: GroqEmulator, keyword: str
) -> None:
    kind = "array" if keyword == "minItems" else "number" if keyword == "minimum" else "string"
    schema = f'{{"type": "{kind}", "{keyword}": {HUGE_LITERAL}}}'
    for literal in (HUGE_LITERAL, "1e999"):
        response_format = (
            '{"type": "json_schema", "json_schema": {"name": "x", "schema": '
            + schema.replace(HUGE_LITERAL, literal)
            + "}}"
        )
        status, _, body = post_raw(shared.port, raw_chat(response_format=response_format))
        assert status == 400, body
        error = groq_error(body)
        assert error["param"] == "response_format"
        assert error["message"].startswith(f"'{keyword}' must be a finite")
    assert_serves(shared)


def test_two_content_lengths_are_refused_at_once() -> None:
    with GroqEmulator(body_timeout=30.0) as emulator:
        payload = json.dumps(chat_body()).encode()
        for second in (len(payload), len(payload) + 10):
            data = head(len(payload)).replace(
                b"\r\n\r\n", f"\r\ncontent-length: {second}\r\n\r\n".encode()
            )
            started = time.monotonic()
            status, _, body = exchange(emulator.port, data + payload)
            assert time.monotonic() - started < 2.0
            assert status == 400
            assert groq_error(body)["message"] == (
                "the request carries more than one content-length header"
            )
        assert_serves(emulator)


def test_the_foreground_cli_logs_an_internal_failure_on_one_line() -> None:
    script = (
        "import sys\n"
        "from synaptic_groq.emulator import GroqEmulator\n"
        "def broken(self, *args, **kwargs):\n"
        "    raise RuntimeError('a bug in the emulator')\n"
        "GroqEmulator.chat = broken\n"
        "from synaptic.cli._emulator import emulator\n"
        "emulator(['--port', '0'])\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line
        port = int(line.split("127.0.0.1:")[1].split("/")[0].split(" ")[0])
        for _ in range(2):
            status, _, body = post_raw(port, json.dumps(chat_body()).encode())
            assert status == 500
            groq_error(body, "internal_server_error")
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    lines = [line for line in stderr.splitlines() if "a bug in the emulator" in line]
    assert len(lines) == 1, stderr
    assert "WARNING synaptic.emulator" in lines[0]
    assert "Traceback" not in stderr


def ask_schema(emulator: GroqEmulator, schema: dict[str, Any]) -> httpx.Response:
    response_format = {"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}
    return chat(emulator, chat_body("hi", response_format=response_format))


HONOURED = {
    "minProperties adds an optional property": (
        {
            "type": "object",
            "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
            "required": ["a"],
            "minProperties": 2,
        },
        {"a": "hi", "b": 1},
    ),
    "minProperties adds generic ones": (
        {"type": "object", "minProperties": 2},
        {"property_1": "hi", "property_2": "hi"},
    ),
    "maxProperties": (
        {"type": "object", "properties": {"a": {}, "b": {}}, "maxProperties": 1},
        {"a": "hi"},
    ),
    "exclusiveMaximum": ({"type": "number", "exclusiveMaximum": 1}, 0.0),
    "multipleOf": ({"type": "integer", "multipleOf": 7, "minimum": 10}, 14),
    "maxLength": ({"type": "string", "minLength": 1, "maxLength": 1}, "h"),
    "unique booleans": (
        {"type": "array", "minItems": 2, "uniqueItems": True, "items": {"type": "boolean"}},
        [True, False],
    ),
    "a huge optional property is left out": (
        {
            "type": "object",
            "properties": {
                "a": {"type": "string"},
                "big": {"type": "array", "minItems": 10_000_000},
            },
        },
        {"a": "hi"},
    ),
}


@pytest.mark.parametrize("name", list(HONOURED))
def test_generated_instances_honour_their_schema(shared: GroqEmulator, name: str) -> None:
    schema, expected = HONOURED[name]
    response = ask_schema(shared, schema)
    assert response.status_code == 200, response.text
    answer = json.loads(response.json()["choices"][0]["message"]["content"])
    assert answer == expected
    assert type(answer) is type(expected)
    assert_serves(shared)


REFUSED = {
    "pattern": (
        {"type": "string", "pattern": "^[0-9]+$"},
        "the emulator cannot generate strings for 'pattern'",
    ),
    "minLength above maxLength": (
        {"type": "string", "minLength": 2, "maxLength": 1},
        "no string satisfies 'minLength' 2 and 'maxLength' 1",
    ),
    "three unique booleans": (
        {"type": "array", "minItems": 3, "uniqueItems": True, "items": {"type": "boolean"}},
        "no array has 3 unique items",
    ),
    "minProperties without room": (
        {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "required": ["a"],
            "minProperties": 2,
            "additionalProperties": False,
        },
        "the emulator cannot make the 2 properties 'minProperties' asks for",
    ),
    "a missing $ref target": (
        {"$ref": "#/$defs/Nope"},
        "'$ref' target '#/$defs/Nope' is not in the schema",
    ),
    "a remote $ref": (
        {"$ref": "http://example.com/schema.json"},
        "remote $ref is not supported",
    ),
    "impossible integer bounds": (
        {"type": "integer", "multipleOf": 7, "minimum": 10, "maximum": 13},
        "no integer satisfies",
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_schema_the_emulator_cannot_honour_is_a_400(shared: GroqEmulator, name: str) -> None:
    schema, message = REFUSED[name]
    response = ask_schema(shared, schema)
    assert response.status_code == 400
    error = groq_error(response.content)
    assert error["param"] == "response_format"
    assert error["message"].startswith(message)
    assert_serves(shared)
