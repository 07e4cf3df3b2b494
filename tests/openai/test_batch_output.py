"""Batch output lines: written as Groq writes them, read back typed, torn lines found."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synaptic_core import (
    InputError,
    ModelNotFoundError,
    NetworkError,
    RateLimitError,
    error_from_response,
)
from synaptic_openai import parse_chat_response
from synaptic_openai.batch import (
    OutputWriter,
    read_batch_output,
    response_to_body,
    result_from_error,
    result_from_response,
    result_from_row,
    scan_output,
)

GROQ_BODY: dict[str, Any] = {
    "id": "chatcmpl-f51b2cd2-bef7-417e-964e-a08f0b513c22",
    "object": "chat.completion",
    "created": 1730241104,
    "model": "openai/gpt-oss-120b",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "",
                "reasoning": "The user wants the weather.",
                "tool_calls": [
                    {
                        "id": "call_d5wg",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
                "executed_tools": [{"index": 0, "type": "search", "arguments": "{}"}],
            },
            "logprobs": None,
            "finish_reason": "tool_calls",
        }
    ],
    "usage": {
        "queue_time": 0.037,
        "prompt_tokens": 18,
        "prompt_time": 0.0007,
        "completion_tokens": 12,
        "completion_time": 0.0353,
        "total_tokens": 30,
        "total_time": 0.036,
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 6},
    },
    "system_fingerprint": "fp_179b0f92c9",
    "service_tier": "on_demand",
    "x_groq": {"id": "req_01jbd6g2qdfw2adyrt2az8hz4w", "seed": 123},
}


def response(body: dict[str, Any] = GROQ_BODY) -> Any:
    return parse_chat_response(
        body, {"x-request-id": "req_01jbd6g2qdfw2adyrt2az8hz4w"}, provider="groq"
    )


def test_a_response_round_trips_through_its_output_body() -> None:
    parsed = response()
    body = response_to_body(parsed)
    again = parse_chat_response(body, {}, provider="groq")
    assert again.model_dump(exclude={"http_headers"}) == parsed.model_dump(exclude={"http_headers"})
    assert body["choices"][0]["message"]["tool_calls"][0]["function"] == {
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
    }
    assert body["usage"] == {
        "prompt_tokens": 18,
        "completion_tokens": 12,
        "total_tokens": 30,
        "prompt_tokens_details": {"cached_tokens": 4},
        "completion_tokens_details": {"reasoning_tokens": 6},
        "queue_time": 0.037,
        "prompt_time": 0.0007,
        "completion_time": 0.0353,
        "total_time": 0.036,
    }
    assert body["x_groq"] == {"id": "req_01jbd6g2qdfw2adyrt2az8hz4w", "seed": 123}


def test_an_answer_is_a_groq_output_line() -> None:
    result = result_from_response("row-1", response(), 3)
    row = result.row
    assert set(row) == {"id", "custom_id", "response", "error"}
    assert row["id"].startswith("batch_req_")
    assert row["custom_id"] == "row-1"
    assert row["error"] is None
    assert row["response"]["status_code"] == 200
    assert row["response"]["request_id"] == "req_01jbd6g2qdfw2adyrt2az8hz4w"
    assert row["response"]["body"]["id"] == GROQ_BODY["id"]
    assert result.ok
    assert result.line == 3


def test_an_http_error_keeps_its_status_and_the_providers_body() -> None:
    body = {"error": {"message": "bad thing", "type": "invalid_request_error", "code": "bad"}}
    error = error_from_response(
        400, {"x-request-id": "req_9"}, json.dumps(body).encode(), provider="groq"
    )
    row = result_from_error("row-2", error, 4).row
    assert row["response"] == {"status_code": 400, "request_id": "req_9", "body": body}
    assert row["error"] == {"code": "bad", "message": "groq error (HTTP 400, bad): bad thing"}


def test_an_error_without_a_status_has_no_response() -> None:
    row = result_from_error("row-3", NetworkError("connection reset by peer"), 5).row
    assert row["response"] is None
    assert row["error"] == {"code": "network_error", "message": "connection reset by peer"}


def test_the_reader_joins_by_custom_id_and_types_each_line(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    writer = OutputWriter(path)
    writer.write(result_from_response("ok", response(), 1).row)
    body = {"error": {"message": "slow down", "type": "tokens", "code": "rate_limit_exceeded"}}
    writer.write(
        result_from_error(
            "limited", error_from_response(429, {}, json.dumps(body), provider="groq"), 2
        ).row
    )
    writer.write(result_from_error("cut", NetworkError("reset"), 3).row)
    writer.close()
    results = read_batch_output(path)
    assert list(results) == ["ok", "limited", "cut"]
    assert results["ok"].ok
    assert results["ok"].response is not None
    assert results["ok"].response.message.tool_calls[0].arguments == {"city": "Paris"}
    assert results["ok"].response.request_id == "req_01jbd6g2qdfw2adyrt2az8hz4w"
    limited = results["limited"].error
    assert isinstance(limited, RateLimitError)
    assert (limited.status_code, limited.code) == (429, "rate_limit_exceeded")
    cut = results["cut"].error
    assert cut is not None
    assert not results["cut"].ok
    assert "reset" in str(cut)


def test_the_reader_reads_groq_batch_api_error_lines() -> None:
    row = {
        "id": "batch_req_1",
        "custom_id": "x",
        "response": {
            "status_code": 400,
            "request_id": "req_1",
            "body": {"error": {"message": "no such model", "code": "model_not_found"}},
        },
        "error": {"code": "model_not_found", "message": "no such model"},
    }
    result = result_from_row(row)
    assert type(result.error) is ModelNotFoundError
    assert result.error.code == "model_not_found"
    assert result.error.status_code == 400
    assert result.error.request_id == "req_1"
    assert result.response is None


def rows(count: int) -> bytes:
    return b"".join(
        json.dumps({"id": f"b{i}", "custom_id": f"r{i}", "response": None, "error": None}).encode()
        + b"\n"
        for i in range(count)
    )


@pytest.mark.parametrize("cut", [1, 10, 30])
def test_a_torn_last_line_is_cut_off(tmp_path: Path, cut: int) -> None:
    path = tmp_path / "out.jsonl"
    whole = rows(3)
    path.write_bytes(whole[:-cut])
    scan = scan_output(path, repair=True)
    assert scan.torn == len(rows(3)) - len(rows(2)) - cut
    assert scan.lines == 2
    assert path.read_bytes() == rows(2)


def test_a_last_line_without_its_newline_is_torn_even_if_it_parses(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(rows(3)[:-1])
    assert scan_output(path, repair=False).lines == 2
    assert path.read_bytes() == rows(3)[:-1]  # not repaired without repair=True


def test_a_bad_line_in_the_middle_is_not_ours_to_fix(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    path.write_bytes(rows(1) + b"garbage\n" + rows(1))
    with pytest.raises(InputError, match="line 2 is not a batch output line"):
        scan_output(path, repair=True)
    assert path.read_bytes() == rows(1) + b"garbage\n" + rows(1)
