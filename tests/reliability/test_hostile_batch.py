"""Bulk jobs against hostile servers and bad input (DESIGN.md sections 14 and 16).

- An output file over 64 MiB downloads (``--api``, ``--api --resume``) streamed to disk,
  memory flat in its size, under the client's own cap.
- A line without a newline (a gigabyte of it) is refused by line number, read in
  bounded pieces; an output path that is a directory says so; a full disk names the
  file and ``--resume``, and resuming loses and repeats nothing.
- Deeply nested JSON anywhere a batch decodes it is the documented typed problem.
- The API key never reaches a batch output line, nor an error the command prints.

The Groq side is a small loopback server (raw sockets, one request per connection):
it streams files of any size without holding them, and says whatever a test needs.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import tempfile
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from synaptic.cli import main
from synaptic_core import InputError, NotFoundError, ParseError, ResponseTooLargeError
from synaptic_groq import BatchError, GroqBatchClient, GroqBatchJob, GroqChatModel, GroqConfig
from synaptic_groq.emulator import GroqEmulator
from synaptic_openai.batch import BatchInputError, BatchJob, read_batch_output

from .hostile import HostileServer, Request, parse_request

KEY = "gsk_hostile_batch_KEY_0123456789"
ESCAPED_KEY = "".join(f"\\u{ord(c):04x}" for c in KEY[:4]) + KEY[4:]  # JSON-escaped
DEEP = "[" * 100_000
MIB = 1024 * 1024
MODEL = "openai/gpt-oss-20b"


# --- a Groq that says whatever the test wants ---------------------------------------------


Reply = tuple[int, bytes | Callable[[], Iterator[bytes]], int | None]
"""Status, body (bytes, or chunks made as they are sent), declared length (None: chunked)."""


@dataclass
class HostileGroq:
    """Routes for ``/openai/v1/...``: ``batches`` (id -> JSON text), ``files`` (id ->
    reply), ``batch_list`` (raw text), ``chat`` (request -> reply)."""

    batches: dict[str, str] = field(default_factory=dict)
    files: dict[str, Reply] = field(default_factory=dict)
    batch_list: str = '{"data": []}'
    chat: Callable[[Request], Reply] | None = None
    requests: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.server = HostileServer(self._answer)
        self.url = self.server.base_url

    def route(self, request: Request) -> Reply:
        path = request.path.removeprefix("/openai/v1")
        self.requests.append(f"{request.method} {path}")
        if path == "/chat/completions" and self.chat is not None:
            return self.chat(request)
        if path == "/batches" and request.method == "GET":
            return 200, self.batch_list.encode(), None
        if path.startswith("/batches/") and path.removeprefix("/batches/") in self.batches:
            return 200, self.batches[path.removeprefix("/batches/")].encode(), None
        if path.startswith("/files/") and path.endswith("/content"):
            file_id = path.split("/")[2]
            if file_id in self.files:
                return self.files[file_id]
        return 404, b'{"error": {"message": "not here", "type": "not_found"}}', None

    def _answer(self, conn: socket.socket, raw: bytes, server: HostileServer) -> None:
        status, body, length = self.route(parse_request(raw))
        head = f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\nconnection: close\r\n"
        if isinstance(body, bytes):
            conn.sendall(f"{head}content-length: {len(body)}\r\n\r\n".encode() + body)
            return
        if length is None:
            conn.sendall(f"{head}transfer-encoding: chunked\r\n\r\n".encode())
            for chunk in body():
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.sendall(b"0\r\n\r\n")
            return
        conn.sendall(f"{head}content-length: {length}\r\n\r\n".encode())
        for chunk in body():  # the client may go away (a cap it enforces): an OSError
            conn.sendall(chunk)

    def __enter__(self) -> HostileGroq:
        self.server.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.__exit__(*exc_info)


def completed(batch_id: str, output: str | None, errors: str | None = None) -> str:
    return json.dumps(
        {
            "id": batch_id,
            "status": "completed",
            "output_file_id": output,
            "error_file_id": errors,
            "request_counts": {"total": 0, "completed": 0, "failed": 0},
        }
    )


def answer_row(custom_id: str, content: str) -> dict[str, Any]:
    body = {
        "id": f"chatcmpl-{custom_id}",
        "object": "chat.completion",
        "model": MODEL,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7},
    }
    response = {"status_code": 200, "request_id": f"req_{custom_id}", "body": body}
    return {"id": f"batch_req_{custom_id}", "custom_id": custom_id, "response": response}


def file_of(rows: list[bytes]) -> Reply:
    data = b"".join(rows)
    return 200, data, None


# --- inputs and the command -----------------------------------------------------------------


def line(i: int, content: str | None = None) -> str:
    message = {"role": "user", "content": content or f"question {i}"}
    body = {"model": MODEL, "max_tokens": 16, "messages": [message]}
    item = {"custom_id": f"row-{i}", "method": "POST", "url": "/v1/chat/completions"}
    return json.dumps({**item, "body": body})


def write_input(path: Path, count: int) -> Path:
    path.write_text("".join(line(i) + "\n" for i in range(count)))
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as info:
        main(args)
    _, err = capsys.readouterr()
    return int(info.value.code or 0), err


def ids(path: Path) -> list[str]:
    return [json.loads(x)["custom_id"] for x in path.read_bytes().splitlines()]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SYNAPTIC_MODEL", "SYNAPTIC_CONFIG", "GROQ_API_KEY", "GROQ_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def spools_left(folder: Path) -> list[str]:
    """Temporary download files a job left next to its output (there should be none)."""
    return [name for name in os.listdir(folder) if name.startswith(".synaptic")]


def on(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("GROQ_API_KEY", KEY)
    monkeypatch.setenv("GROQ_BASE_URL", url)


def peak_of(action: Callable[[], Any]) -> tuple[Any, int]:
    """``action()``'s result and the most memory Python held at once while it ran."""
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- 8: output files larger than any chat answer --------------------------------------------


def big_file(count: int, pad: int) -> Reply:
    """``count`` answer lines of about ``pad`` bytes each, made as they are sent (the
    server holds one line), in an order that is not the input's, with a length."""

    def rows() -> Iterator[bytes]:
        for i in reversed(range(count)):
            row = answer_row(f"row-{i}", f"answer {i} " + "x" * pad)
            yield json.dumps(row).encode() + b"\n"

    length = sum(len(chunk) for chunk in rows())
    return 200, rows, length


def test_api_resume_collects_an_output_file_over_64_mib_in_flat_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_input(tmp_path / "in.jsonl", 1000)
    (tmp_path / "out.jsonl.batch.json").write_text('{"batch_id": "batch_big"}\n')
    status, reply, length = big_file(1000, 70_000)
    assert length is not None
    assert length > 64 * MIB  # past HttpBackend's cap for one response
    with HostileGroq() as groq:
        groq.batches["batch_big"] = completed("batch_big", "file_big")
        groq.files["file_big"] = (status, reply, length)
        on(monkeypatch, groq.url)
        args = ["batch", "in.jsonl", "-o", "out.jsonl", "--api", "--resume"]
        (code, err), peak = peak_of(lambda: run(args, capsys))
    assert (code, err.split(":")[0]) == (0, "done"), err
    assert "1000 lines written -> out.jsonl" in err
    out = tmp_path / "out.jsonl"
    assert out.stat().st_size > 64 * MIB
    assert ids(out) == [f"row-{i}" for i in range(1000)]  # input order, Groq's was not
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB for a {length / MIB:.0f} MiB file"
    assert not (tmp_path / "out.jsonl.batch.json").exists()
    assert not spools_left(tmp_path)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_file_past_the_download_cap_is_typed_and_the_batch_kept(
    tmp_path: Path, declared: bool
) -> None:
    source = write_input(tmp_path / "in.jsonl", 40)
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.batch.json").write_text('{"batch_id": "batch_1"}\n')
    status, reply, length = big_file(40, 100_000)
    with HostileGroq() as groq:
        groq.batches["batch_1"] = completed("batch_1", "file_1")
        groq.files["file_1"] = (status, reply, length if declared else None)
        config = GroqConfig(KEY, "(batch)", base_url=groq.url)
        async with GroqBatchClient(config, max_download_bytes=MIB) as api:
            job = GroqBatchJob(api, source, out, resume=True, poll_interval=0)
            with pytest.raises(ResponseTooLargeError) as caught:
                await job.run()
    # The client's own check, or the backend's as bytes arrive (the cap rides on the request)
    assert "file_1" in str(caught.value)
    assert "(1,048,576 bytes)" in str(caught.value)
    assert not out.exists() or out.stat().st_size == 0  # nothing half-joined
    assert (tmp_path / "out.jsonl.batch.json").exists()  # --api --resume can try again
    assert not spools_left(tmp_path)


def test_download_to_sync_streams_a_file_to_disk(tmp_path: Path) -> None:
    status, reply, length = big_file(300, 80_000)  # 24 MB
    assert length is not None
    target = tmp_path / "file.jsonl"
    with HostileGroq() as groq:
        groq.files["file_1"] = (status, reply, length)
        with GroqBatchClient(GroqConfig(KEY, "(batch)", base_url=groq.url)) as api:
            size, peak = peak_of(lambda: api.download_to_sync("file_1", target))
            with pytest.raises(NotFoundError):  # and a missing file is typed, not written
                api.download_to_sync("file_none", tmp_path / "none.jsonl")
    assert size == length == target.stat().st_size
    assert peak < length / 4, f"peak {peak / MIB:.1f} MiB"
    assert not (tmp_path / "none.jsonl").exists()


# --- 9: bad input, a directory, a full disk -------------------------------------------------


def test_a_line_without_a_newline_is_refused_by_number_in_bounded_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(line(0) + "\n" + line(1) + "\n")
    with source.open("r+b") as file:  # then 200 MB without a newline (sparse: no disk)
        file.truncate(source.stat().st_size + 200 * MIB)
    args = ["batch", "in.jsonl", "-o", "out.jsonl", "-m", "fake:echo"]
    (code, err), peak = peak_of(lambda: run(args, capsys))
    assert code == 1
    assert err.startswith("error: in.jsonl: 1 problem, nothing was sent:\n  line 3: the line is ")
    assert f"{200 * MIB:,} bytes, longer than the {16 * MIB:,} bytes" in err
    assert "Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()
    assert peak < 48 * MIB, f"peak {peak / MIB:.1f} MiB for a 200 MiB line"


def test_an_open_stream_with_a_long_line_is_read_in_pieces(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(line(0) + "\n" + "x" * 5000 + "\n" + line(2) + "\n")
    with source.open("r+b") as file:
        file.truncate(source.stat().st_size + 40 * MIB)
    model = GroqChatModel(GroqConfig(KEY, MODEL, base_url="http://127.0.0.1:9/openai/v1"))
    with source.open("rb") as stream, BatchJob(stream, model, max_line_bytes=4096) as job:

        def refused() -> BatchInputError:
            with pytest.raises(BatchInputError) as caught:
                job.prepare()
            return caught.value

        error, peak = peak_of(refused)
    assert [number for number, _ in error.problems] == [2, 4]
    assert "5,000 bytes, longer than the 4,096 bytes" in error.problems[0][1]
    assert f"{40 * MIB:,} bytes" in error.problems[1][1]
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB"


@pytest.mark.parametrize("extra", [[], ["--resume"], ["--api"], ["--api", "--resume"]])
def test_an_output_path_that_is_a_directory_says_so(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
) -> None:
    write_input(tmp_path / "in.jsonl", 3)
    (tmp_path / "results").mkdir()
    on(monkeypatch, "http://127.0.0.1:9/openai/v1")  # never reached
    spec = [] if "--api" in extra else ["-m", "fake:echo"]
    code, err = run(["batch", "in.jsonl", "-o", "results", *spec, *extra], capsys)
    assert code == 1
    assert err.startswith("error: results is a directory: give the output a file name"), err
    assert "already has results" not in err


class FullDisk:
    """An output file on a disk that fills up after ``room`` bytes: the write that does
    not fit gets part of its line out, then fails with ENOSPC (as the OS does)."""

    def __init__(self, file: Any, room: int) -> None:
        self._file = file
        self.room = room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            part = bytes(data[: self.room])
            self._file.write(part)
            self.room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= len(data)
        return int(self._file.write(data) or len(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._file.close()


@pytest.mark.parametrize("mode", ["live", "api", "api-download"])
def test_a_full_disk_names_the_file_and_resume_and_loses_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mode: str,
) -> None:
    write_input(tmp_path / "in.jsonl", 20)
    out = tmp_path / "out.jsonl"
    real_open = Path.open
    real_temporary = tempfile.TemporaryFile

    def full_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        file = real_open(self, *args, **kwargs)
        mode_ = args[0] if args else kwargs.get("mode", "r")
        if self.name == "out.jsonl" and "a" in mode_:
            return FullDisk(file, room=2500)  # a few lines, then half of one
        return file

    def full_temporary(*args: Any, **kwargs: Any) -> Any:
        return FullDisk(real_temporary(*args, **kwargs), room=1000)  # Groq's file: no room

    with GroqEmulator() as emulator:
        monkeypatch.setenv("GROQ_API_KEY", "k")
        monkeypatch.setenv("GROQ_BASE_URL", emulator.base_url)
        args = ["batch", "in.jsonl", "-o", "out.jsonl"]
        live = mode == "live"
        args += ["-m", "fake:echo"] if live else ["--api", "--poll-interval", "0"]
        with monkeypatch.context() as patch:
            if mode == "api-download":
                patch.setattr(tempfile, "TemporaryFile", full_temporary)
            else:
                patch.setattr(Path, "open", full_open)
            code, err = run(args, capsys)
        assert code == 1
        if mode == "api-download":
            what = "cannot download Groq's output file next to out.jsonl: No space left"
            assert err.startswith(f"error: {what} on device;"), err
        else:
            assert err.startswith("error: cannot write to out.jsonl: No space left on device;")
        assert "free some space, then run the same command again with --resume" in err
        kept = out.read_bytes() if out.exists() else b""
        assert kept.endswith(b"\n") or not kept  # the line that did not fit was cut off
        written = ids(out) if kept else []  # every line whole JSON
        assert len(written) < 20
        assert len(written) > 0 or mode == "api-download"
        assert live or (tmp_path / "out.jsonl.batch.json").exists()  # the batch is kept
        code, err = run([*args, "--resume"], capsys)
    assert code == 0, err
    assert out.read_bytes().startswith(kept)
    assert sorted(ids(out)) == sorted(f"row-{i}" for i in range(20))  # none lost or twice


# --- 4: deeply nested JSON wherever a batch decodes it --------------------------------------


def test_a_deeply_nested_input_line_is_a_problem_with_its_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "in.jsonl").write_text(line(0) + "\n" + DEEP + "\n" + line(2) + "\n")
    code, err = run(["batch", "in.jsonl", "-o", "out.jsonl", "-m", "fake:echo"], capsys)
    assert code == 1
    assert err == (
        "error: in.jsonl: 1 problem, nothing was sent:\n"
        "  line 2: not valid JSON (nested too deeply (more levels of [ and { than JSON "
        "here may have))\n"
    )


def test_a_deeply_nested_output_line_is_named_when_resuming_or_reading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_input(tmp_path / "in.jsonl", 3)
    row = json.dumps({**answer_row("row-0", "hi"), "error": None})
    (tmp_path / "out.jsonl").write_text(row + "\n" + DEEP + "\n" + row + "\n")
    args = ["batch", "in.jsonl", "-o", "out.jsonl", "-m", "fake:echo", "--resume"]
    code, err = run(args, capsys)
    assert (code, err) == (
        1,
        "error: out.jsonl: line 2 is not a batch output line; fix or remove it, then resume\n",
    )
    with pytest.raises(InputError, match=r"line 2 is not JSON \(nested too deeply"):
        read_batch_output(tmp_path / "out.jsonl")


async def test_deeply_nested_lines_in_groqs_files_are_named_and_the_rest_written(
    tmp_path: Path,
) -> None:
    source = write_input(tmp_path / "in.jsonl", 5)
    out = tmp_path / "out.jsonl"
    (tmp_path / "out.jsonl.batch.json").write_text('{"batch_id": "batch_1"}\n')
    good = [json.dumps(answer_row(f"row-{i}", f"a{i}")).encode() + b"\n" for i in range(4)]
    with HostileGroq() as groq:
        groq.batches["batch_1"] = completed("batch_1", "file_out", "file_err")
        groq.files["file_out"] = file_of([*good[:2], DEEP.encode() + b"\n", *good[2:]])
        groq.files["file_err"] = file_of([b'{"custom_id": ' + DEEP.encode() + b"\n"])
        async with GroqBatchClient(GroqConfig(KEY, "(batch)", base_url=groq.url)) as api:
            job = GroqBatchJob(api, source, out, resume=True, poll_interval=0)
            with pytest.raises(BatchError) as caught:
                await job.run()
    assert caught.value.missing == 1  # row-4: its line was the unreadable one
    message = str(caught.value)
    assert "1 line(s) did not run: finish them live with --resume" in message
    assert "2 line(s) of Groq's files could not be read" in message
    assert "line 3 of Groq's output file file_out: not JSON (nested too deeply" in message
    assert "line 1 of Groq's error file file_err: not JSON (nested too deeply" in message
    assert ids(out) == ["row-0", "row-1", "row-2", "row-3"]


async def test_deeply_nested_batch_api_answers_are_parse_errors(tmp_path: Path) -> None:
    source = write_input(tmp_path / "in.jsonl", 2)
    state = tmp_path / "out.jsonl.batch.json"
    state.write_text('{"batch_id": ' + DEEP + "\n")
    with HostileGroq() as groq:
        groq.batch_list = DEEP
        groq.batches["batch_deep"] = '{"id": "batch_deep", "status": ' + DEEP
        async with GroqBatchClient(GroqConfig(KEY, "(batch)", base_url=groq.url)) as api:
            with pytest.raises(ParseError, match="batch list that does not parse"):
                await api.list()
            with pytest.raises(ParseError, match="BatchInfo that does not parse"):
                await api.get("batch_deep")
            job = GroqBatchJob(api, source, tmp_path / "out.jsonl", resume=True)
            with pytest.raises(InputError, match="does not name a batch; remove it"):
                await job.run()


# --- 2: the key never reaches an output line, nor a printed error ---------------------------


def echo_key(request: Request) -> Reply:
    """A chat endpoint that echoes the key it was sent: in an answer, in an error body,
    plain and JSON-escaped."""
    key = request.headers["authorization"].removeprefix("Bearer ")
    escaped = "".join(f"\\u{ord(c):04x}" for c in key[:4]) + key[4:]
    sent = json.loads(request.body)["messages"][0]["content"]
    if "fail" in sent:
        text = (
            '{"error": {"message": "bad key ' + key + '", "type": "invalid_request_error", '
            '"param": "' + escaped + '"}, "echo": "' + escaped + '"}'
        )
        return 400, text.encode(), None
    body = answer_row("x", f"your key is {key}")["response"]["body"]
    body["x_groq"] = {"id": "req_1", "echo": key}
    return 200, json.dumps(body).replace(key[:4], escaped[:24], 1).encode(), None


async def test_the_key_never_reaches_a_live_output_line(tmp_path: Path) -> None:
    lines = [line(0), line(1, "please fail"), line(2)]
    out = tmp_path / "out.jsonl"
    with HostileGroq(chat=echo_key) as groq:
        model = GroqChatModel(GroqConfig(KEY, MODEL, base_url=groq.url))
        async with model, BatchJob(lines, model, output=out) as job:
            results = [result async for result in job]
    assert sorted(r.ok for r in results) == [False, True, True]
    text = out.read_text()
    assert "your key is [REDACTED]" in text
    assert "bad key [REDACTED]" in text
    assert KEY not in text
    assert KEY[4:] not in text  # nor escaped


def test_the_key_never_reaches_an_api_output_line_nor_a_printed_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_input(tmp_path / "in.jsonl", 3)
    (tmp_path / "out.jsonl.batch.json").write_text('{"batch_id": "batch_1"}\n')
    answer = json.dumps(answer_row("row-0", f"echo {KEY}")).encode() + b"\n"
    escaped = json.dumps(answer_row("row-1", "x")).replace('"x"', f'"{ESCAPED_KEY}"')
    failure = {
        "id": "batch_req_2",
        "custom_id": "row-2",
        "response": {"status_code": 401, "request_id": "r", "body": {"error": {"message": KEY}}},
        "error": {"code": "invalid_api_key", "message": f"Invalid API Key {KEY}"},
    }
    with HostileGroq() as groq:
        groq.batches["batch_1"] = completed("batch_1", "file_out", "file_err")
        groq.files["file_out"] = file_of([answer, escaped.encode() + b"\n"])
        groq.files["file_err"] = file_of([json.dumps(failure).encode() + b"\n"])
        groq.batches["batch_2"] = json.dumps(
            {
                "id": "batch_2",
                "status": "failed",
                "errors": {"data": [{"line": 1, "message": f"key {ESCAPED_KEY} refused"}]},
            }
        )
        on(monkeypatch, groq.url)
        code, err = run(["batch", "in.jsonl", "-o", "out.jsonl", "--api", "--resume"], capsys)
        assert code == 1, err  # row-2 failed (401): a failed line is exit 1
        assert "note: 1 line(s) failed" in err
        assert KEY[4:] not in err
        (tmp_path / "again.jsonl.batch.json").write_text('{"batch_id": "batch_2"}\n')
        code, err = run(["batch", "in.jsonl", "-o", "again.jsonl", "--api", "--resume"], capsys)
    assert ids(tmp_path / "out.jsonl") == ["row-0", "row-1", "row-2"]
    text = (tmp_path / "out.jsonl").read_text()
    assert text.count("[REDACTED]") == 4
    assert KEY[4:] not in text
    assert code == 1
    assert err.startswith("error: batch batch_2 failed: line 1: key [REDACTED] refused")
    assert KEY[4:] not in err
