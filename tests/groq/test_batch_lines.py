"""Batch input lines: the checks before anything is sent, and body <-> request."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from synaptic_core import ChatRequest, FakeBackend, ToolCall
from synaptic_groq import GROQ, GroqChatModel, GroqConfig
from synaptic_openai import build_body
from synaptic_openai.batch import (
    BatchInputError,
    BatchJob,
    BodyError,
    LineReader,
    check_lines,
    parse_line,
    request_from_body,
)


def line(custom_id: str = "a", **body: Any) -> str:
    full = {"model": "openai/gpt-oss-20b", "messages": [{"role": "user", "content": "hi"}]}
    full.update(body)
    return json.dumps(
        {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions", "body": full}
    )


def groq(model: str = "openai/gpt-oss-20b") -> GroqChatModel:
    return GroqChatModel(GroqConfig("gsk_x", model), backend=FakeBackend())


def test_a_line_parses_to_its_parts() -> None:
    parsed = parse_line(7, line("row-7", temperature=0.5))
    assert parsed is not None
    assert (parsed.number, parsed.custom_id, parsed.model) == (7, "row-7", "openai/gpt-oss-20b")
    assert parsed.body["temperature"] == 0.5
    assert parse_line(8, "   \n") is None
    assert parse_line(9, {"custom_id": "x", "body": {"messages": []}}) is not None  # dicts too


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"body": {}}', "custom_id must be a non-empty string"),
        ('{"custom_id": 5, "body": {}}', "custom_id must be a non-empty string"),
        ('{"custom_id": "a", "method": "GET", "body": {}}', "method must be POST, got 'GET'"),
        (
            '{"custom_id": "a", "url": "/v1/embeddings", "body": {}}',
            "url must be '/v1/chat/completions'",
        ),
        ('{"custom_id": "a", "body": "hi"}', "body must be a JSON object"),
        ('{"custom_id": "a", "body": {}, "extra": 1}', "unknown field(s) 'extra'"),
    ],
)
def test_a_bad_line_says_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(BodyError, match=None) as caught:
        parse_line(1, text)
    assert problem in str(caught.value)


def check(source: Any, model: Any = None) -> BatchInputError:
    job = BatchJob(source, model or groq())
    with pytest.raises(BatchInputError) as caught:
        job.prepare()
    return caught.value


def test_every_problem_is_reported_with_its_line_number_before_anything_is_sent() -> None:
    backend = FakeBackend()
    lines = [
        line("a"),
        "",
        line("b", logprobs=True),
        "{oops",
        line("a"),
        line("c", messages=[{"role": "wizard", "content": "x"}]),
        line("d", temperature=9),
        line("e", stream=True),
        line("f", messages=[]),
        line("g", tempurature=0.2),
    ]
    error = check(lines, GroqChatModel(GroqConfig("gsk_x", "openai/gpt-oss-20b"), backend=backend))
    assert error.count == 8
    assert [n for n, _ in error.problems] == [3, 4, 5, 6, 7, 8, 9, 10]
    said = dict(error.problems)
    assert "Groq rejects logprobs (HTTP 400)" in said[3]
    assert "not valid JSON" in said[4]
    assert said[5] == "duplicate custom_id 'a' (first on line 1)"
    assert "messages[0] has role 'wizard'" in said[6]
    assert said[7].startswith("body.temperature:")
    assert said[8] == "body.stream must not be true in a batch line"
    assert said[9] == "body.messages must be a non-empty list"
    assert "'tempurature'" in said[10]
    assert "did you mean 'temperature'" in said[10]
    assert backend.requests == []  # nothing was sent
    assert str(error).startswith("<lines>: 8 problems, nothing was sent:\n  line 3: ")


def test_a_long_list_of_problems_is_cut_but_counted(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join("{bad" for _ in range(50)) + "\n")
    error = check(str(path))
    assert error.count == 50
    assert len(error.problems) == 20
    assert str(error).startswith(f"{path}: 50 problems")
    assert str(error).endswith("... and 30 more")


def test_a_missing_model_is_a_problem_unless_the_job_supplies_one() -> None:
    no_model = json.dumps(
        {"custom_id": "a", "body": {"messages": [{"role": "user", "content": "x"}]}}
    )
    error = check([no_model], groq)  # a factory: one model per body model name
    assert error.problems == [
        (1, "body.model is missing: name the model in the line, or give the job one")
    ]
    with BatchJob([no_model], groq()) as job:
        assert job.prepare().lines == 1  # the job's model is used


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file"):
        BatchJob(str(tmp_path / "nope.jsonl"), groq())


def test_an_iterable_is_spooled_so_it_is_read_twice_without_holding_it() -> None:
    consumed: list[int] = []

    def generate() -> Any:
        for i in range(5):
            consumed.append(i)
            yield line(f"r{i}").encode()

    reader = LineReader(generate())
    result = check_lines(reader, lambda _line, _request: None)
    assert result.lines == 5
    again = [parse_line(n, raw) for n, raw in reader]  # the spool, not the generator
    assert [x.custom_id for x in again if x] == [f"r{i}" for i in range(5)]
    assert consumed == [0, 1, 2, 3, 4]
    reader.close()


BODIES: list[dict[str, Any]] = [
    {
        "model": "openai/gpt-oss-20b",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "call_1",
                        "type": "function",
                        "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
                    }
                ],
            },
            {"role": "tool", "content": "18C", "tool_call_id": "call_1"},
        ],
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": "weather",
                    "description": "Weather for a city",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
                },
            }
        ],
        "tool_choice": "auto",
        "temperature": 0.2,
        "top_p": 0.9,
        "max_completion_tokens": 100,
        "stop": ["END"],
        "seed": 7,
        "parallel_tool_calls": False,
        "reasoning_effort": "low",
    },
    {
        "model": "openai/gpt-oss-120b",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this picture?"},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png", "detail": "low"}},
                ],
            }
        ],
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "answer",
                "schema": {"type": "object", "properties": {"a": {"type": "string"}}},
                "strict": True,
            },
        },
        "tool_choice": {"type": "function", "function": {"name": "f"}},
        "service_tier": "flex",
    },
    {
        "model": "openai/gpt-oss-20b",
        "messages": [{"role": "user", "content": "JSON please"}],
        "response_format": {"type": "json_object"},
        "max_completion_tokens": 5,
    },
]


@pytest.mark.parametrize("body", BODIES)
def test_a_body_goes_out_exactly_as_written(body: dict[str, Any]) -> None:
    request = request_from_body(body)
    config = GroqConfig("gsk_x", body["model"])
    assert build_body(request, config, GROQ, stream=False) == body


def test_max_tokens_goes_out_under_the_dialects_name() -> None:
    body = {"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 9}
    sent = build_body(request_from_body(body), GroqConfig("gsk_x", "m"), GROQ, stream=False)
    assert sent["max_completion_tokens"] == 9
    assert "max_tokens" not in sent


def test_a_body_becomes_a_typed_request() -> None:
    request = request_from_body(BODIES[0])
    assert isinstance(request, ChatRequest)
    assert request.messages[2].tool_calls == [  # type: ignore[union-attr]
        ToolCall(id="call_1", name="weather", arguments={"city": "Paris"})
    ]
    assert request.max_tokens == 100
    assert request.extra == {"reasoning_effort": "low"}


@pytest.mark.parametrize(
    ("messages", "problem"),
    [
        ([{"role": "tool", "content": "x"}], "a tool message needs tool_call_id"),
        ([{"role": "user", "content": 5}], "content must be a string or a list of parts"),
        ([{"role": "user", "content": [{"type": "audio"}]}], "must be text, image_url or document"),
        (
            [{"role": "assistant", "tool_calls": [{"function": {"name": "f", "arguments": "{x"}}]}],
            "tool call arguments are not JSON",
        ),
        (["hello"], "messages[0] is not an object"),
    ],
)
def test_a_bad_message_says_which(messages: list[Any], problem: str) -> None:
    with pytest.raises(BodyError, match=re.escape(problem)):
        request_from_body({"messages": messages})
