"""``SynapticInstrumentor``: GenAI spans and metrics, exactly, against the emulator and
``FakeBackend``; the API key in none of them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.trace import SpanKind, StatusCode

from synaptic_core import (
    AuthenticationError,
    ChatRequest,
    FakeBackend,
    FallbackChatModel,
    Message,
    ModelNotFoundError,
    RetryChatModel,
    RetryConfig,
    ToolChoice,
    ToolDefinition,
)
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_groq.emulator import GroqEmulator
from synaptic_openai.batch import BatchJob

from .conftest import Otel, instrumented

KEY = "gsk_otel_SECRET_0123456789"
MODEL = "openai/gpt-oss-20b"


@pytest.fixture
def emulator() -> Iterator[GroqEmulator]:
    with GroqEmulator() as running:
        yield running


def groq(emulator: GroqEmulator, model: str = MODEL, **options: Any) -> GroqChatModel:
    return GroqChatModel(GroqConfig(KEY, model, base_url=emulator.base_url, **options))


def base(emulator: GroqEmulator) -> dict[str, Any]:
    port = int(emulator.base_url.split(":")[2].split("/")[0])
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "groq",
        "gen_ai.request.model": MODEL,
        "server.address": "127.0.0.1",
        "server.port": port,
    }


def test_a_chat_is_one_client_span_with_the_conventions_attributes(
    otel: Otel, emulator: GroqEmulator
) -> None:
    with groq(emulator, temperature=0.2) as model:
        response = model.chat_sync(
            ChatRequest([Message.human("hello")], max_tokens=64, top_p=0.9, seed=7, stop=["END"])
        )
    [span] = otel.spans()
    assert span.name == f"chat {MODEL}"
    assert span.kind is SpanKind.CLIENT
    assert span.status.status_code is StatusCode.UNSET
    assert response.usage is not None
    assert response.rate_limit is not None
    assert dict(span.attributes or {}) == {
        **base(emulator),
        "gen_ai.request.max_tokens": 64,
        "gen_ai.request.temperature": 0.2,
        "gen_ai.request.top_p": 0.9,
        "gen_ai.request.seed": 7,
        "gen_ai.request.stop_sequences": ("END",),
        "gen_ai.response.id": response.id,
        "gen_ai.response.model": MODEL,
        "gen_ai.response.finish_reasons": ("stop",),
        "gen_ai.usage.input_tokens": response.usage.input_tokens,
        "gen_ai.usage.output_tokens": response.usage.output_tokens,
        "groq.request_id": response.request_id,
        "groq.usage.queue_time": response.usage.queue_time,
        "groq.usage.prompt_time": response.usage.prompt_time,
        "groq.usage.completion_time": response.usage.completion_time,
        "groq.rate_limit.remaining_requests": response.rate_limit.remaining_requests,
        "groq.rate_limit.remaining_tokens": response.rate_limit.remaining_tokens,
    }
    assert span.events == ()
    points = otel.points()
    metric = {**base(emulator), "gen_ai.response.model": MODEL}
    [(attributes, count, seconds)] = points["gen_ai.client.operation.duration"]
    assert (attributes, count) == (metric, 1)
    assert 0 < seconds < 10
    assert sorted(points["gen_ai.client.token.usage"], key=lambda p: p[0]["gen_ai.token.type"]) == [
        ({**metric, "gen_ai.token.type": "input"}, 1, response.usage.input_tokens),
        ({**metric, "gen_ai.token.type": "output"}, 1, response.usage.output_tokens),
    ]
    assert "gen_ai.client.operation.time_to_first_chunk" not in points


def test_a_stream_span_ends_when_the_stream_ends(otel: Otel, emulator: GroqEmulator) -> None:
    with groq(emulator) as model, model.stream_chat_sync("stream it") as stream:
        first = next(stream)
        assert otel.spans() == []  # still open
        rest = list(stream)
    [span] = otel.spans()
    merged = first.merge([first, *rest])
    attributes = dict(span.attributes or {})
    assert span.name == f"chat {MODEL}"
    assert attributes["synaptic.stream"] is True
    assert attributes["gen_ai.response.finish_reasons"] == ("stop",)
    assert merged.usage is not None
    assert attributes["gen_ai.usage.output_tokens"] == merged.usage.output_tokens
    assert attributes["groq.request_id"] == merged.request_id
    assert "synaptic.stream.abandoned" not in attributes
    [(labels, count, seconds)] = otel.points()["gen_ai.client.operation.time_to_first_chunk"]
    assert (labels, count) == (base(emulator), 1)
    assert 0 < seconds < 10


async def test_an_async_stream_left_early_still_ends_its_span(
    otel: Otel, emulator: GroqEmulator
) -> None:
    async with groq(emulator) as model, model.stream_chat("stream it") as stream:
        await stream.__anext__()
    [span] = otel.spans()
    assert dict(span.attributes or {})["synaptic.stream.abandoned"] is True
    assert span.status.status_code is StatusCode.UNSET


def test_a_tool_call(otel: Otel, emulator: GroqEmulator) -> None:
    weather = ToolDefinition(
        name="weather",
        description="Weather for a city",
        parameters={"type": "object", "properties": {"city": {"type": "string"}}},
    )
    request = ChatRequest(
        [Message.human("Weather in Paris?")],
        tools=[weather],
        tool_choice=ToolChoice.function("weather"),
    )
    with groq(emulator) as model:
        response = model.chat_sync(request)
    assert response.message.tool_calls[0].name == "weather"
    [span] = otel.spans()
    assert dict(span.attributes or {})["gen_ai.response.finish_reasons"] == ("tool_calls",)


def test_an_error_sets_the_status_and_error_type(otel: Otel, emulator: GroqEmulator) -> None:
    with groq(emulator, "acme/no-such-model") as model, pytest.raises(ModelNotFoundError):
        model.chat_sync("hello")
    [span] = otel.spans()
    assert span.name == "chat acme/no-such-model"
    assert span.status.status_code is StatusCode.ERROR
    assert "model_not_found" in (span.status.description or "")
    attributes = dict(span.attributes or {})
    assert attributes["error.type"] == "ModelNotFoundError"
    assert "gen_ai.response.id" not in attributes
    [(labels, count, _)] = otel.points()["gen_ai.client.operation.duration"]
    assert labels == {
        **base(emulator),
        "gen_ai.request.model": "acme/no-such-model",
        "error.type": "ModelNotFoundError",
    }
    assert count == 1
    assert "gen_ai.client.token.usage" not in otel.points()


def test_retries_are_events_of_one_span(otel: Otel, emulator: GroqEmulator) -> None:
    emulator.add_fault("rate_limit", retry_after=0)
    with RetryChatModel(groq(emulator), RetryConfig(initial_delay=0)) as model:
        model.chat_sync("hello")
    [span] = otel.spans()
    [event] = span.events
    assert event.name == "synaptic.retry"
    assert dict(event.attributes or {}) == {
        "synaptic.retry.attempt": 1,
        "synaptic.retry.delay": 0.0,
        "error.type": "RateLimitError",
    }
    assert dict(span.attributes or {})["synaptic.attempts"] == 2


def test_a_fallback_is_an_event(otel: Otel) -> None:
    failing = FakeBackend().add_response({"error": {"message": "down"}}, status=503)
    working = FakeBackend().add_response(
        {
            "id": "chatcmpl-9",
            "model": MODEL,
            "choices": [
                {"message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}
            ],
        }
    )
    model = FallbackChatModel(
        [
            GroqChatModel(GroqConfig(KEY, MODEL), backend=failing),
            GroqChatModel(GroqConfig(KEY, MODEL), backend=working),
        ],
        labels=["main", "backup"],
    )
    model.chat_sync("hi")
    [span] = otel.spans()
    [event] = span.events
    assert (event.name, dict(event.attributes or {})) == (
        "synaptic.fallback",
        {
            "synaptic.fallback.failed": "main",
            "synaptic.fallback.next": "backup",
            "error.type": "ServerError",
        },
    )
    attributes = dict(span.attributes or {})
    assert (attributes["server.address"], attributes["server.port"]) == ("api.groq.com", 443)
    assert attributes["gen_ai.response.id"] == "chatcmpl-9"


async def test_async_calls_and_a_bulk_job_are_one_span_per_request(
    otel: Otel, emulator: GroqEmulator
) -> None:
    lines = [
        {
            "custom_id": f"r{i}",
            "body": {"model": MODEL, "messages": [{"role": "user", "content": f"q{i}"}]},
        }
        for i in range(3)
    ]
    async with groq(emulator) as model, BatchJob(lines, model) as job:
        await model.chat("one")
        assert len([r async for r in job]) == 3
    spans = otel.spans()
    assert len(spans) == 4
    assert {s.name for s in spans} == {f"chat {MODEL}"}
    assert len({s.context.span_id for s in spans}) == 4  # type: ignore[union-attr]


def test_message_contents_only_when_asked(
    monkeypatch: pytest.MonkeyPatch, emulator: GroqEmulator
) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
    with instrumented() as otel:
        with groq(emulator) as model:
            request = ChatRequest([Message.system("Be brief."), Message.human("hello")])
            answer = model.chat_sync(request).content
            for _ in model.stream_chat_sync("again"):
                pass
        chat_span, stream_span = otel.spans()
        attributes = dict(chat_span.attributes or {})
        assert json.loads(attributes["gen_ai.system_instructions"]) == [
            {"type": "text", "content": "Be brief."}
        ]
        assert json.loads(attributes["gen_ai.input.messages"]) == [
            {"role": "user", "parts": [{"type": "text", "content": "hello"}]}
        ]
        assert json.loads(attributes["gen_ai.output.messages"]) == [
            {
                "role": "assistant",
                "parts": [{"type": "text", "content": answer}],
                "finish_reason": "stop",
            }
        ]
        streamed = json.loads(dict(stream_span.attributes or {})["gen_ai.output.messages"])
        assert streamed[0]["parts"][0]["content"].startswith("Emulated answer")


def test_no_contents_by_default(otel: Otel, emulator: GroqEmulator) -> None:
    with groq(emulator) as model:
        model.chat_sync("hello")
    attributes = dict(otel.spans()[0].attributes or {})
    assert not any(
        name.startswith(("gen_ai.input", "gen_ai.output.messages")) for name in attributes
    )


def test_the_key_is_in_no_attribute_event_or_status(otel: Otel, emulator: GroqEmulator) -> None:
    with groq(emulator) as model:
        model.chat_sync("hello")
        list(model.stream_chat_sync("stream"))
    with GroqEmulator(api_keys=["another"]) as strict:  # our key refused: a 401
        refused = GroqChatModel(GroqConfig(KEY, MODEL, base_url=strict.base_url))
        with refused, pytest.raises(AuthenticationError):
            refused.chat_sync("hello")
    seen: list[str] = []
    for span in otel.spans():
        seen += [repr(v) for v in (span.attributes or {}).values()]
        seen.append(span.status.description or "")
        for event in span.events:
            seen += [repr(v) for v in (event.attributes or {}).values()]
    for points in otel.points().values():
        seen += [repr(attributes) for attributes, _, _ in points]
    assert len(otel.spans()) == 3
    assert not [text for text in seen if KEY in text or "SECRET" in text]


def test_uninstrument_stops_everything(emulator: GroqEmulator) -> None:
    from synaptic_core.telemetry import listening

    with instrumented() as otel:
        assert listening()
    assert not listening()
    with groq(emulator) as model:
        model.chat_sync("hello")
    assert otel.spans() == []


def test_opentelemetry_instrument_finds_synaptic(tmp_path: Path, emulator: GroqEmulator) -> None:
    """No code change: ``opentelemetry-instrument`` loads the entry point."""
    app = tmp_path / "app.py"
    app.write_text(
        "import os\n"
        "from synaptic_groq import GroqChatModel, GroqConfig\n"
        f"with GroqChatModel(GroqConfig('k', '{MODEL}', base_url=os.environ['GROQ_BASE_URL'])) as m:\n"
        "    print(m.chat_sync('hello').content)\n"
    )
    env = {**os.environ, "GROQ_BASE_URL": emulator.base_url, "OTEL_SERVICE_NAME": "app"}
    command = Path(sys.executable).parent / "opentelemetry-instrument"
    done = subprocess.run(
        [str(command), "--traces_exporter", "console", "--metrics_exporter", "none",
         "--logs_exporter", "none", sys.executable, str(app)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f'"name": "chat {MODEL}"' in done.stdout
    assert '"gen_ai.provider.name": "groq"' in done.stdout


def test_a_hostile_server_echoing_the_key_reaches_no_span(otel: Otel) -> None:
    from tests.reliability.hostile import HostileServer, json_escaped, reply, response, sse

    echoes = [
        response("200 OK", f"not JSON {KEY}".encode(), headers=f"x-request-id: {KEY}\r\n"),
        response(
            "401 Unauthorized", ('{"error": {"message": "' + json_escaped(KEY) + '"}}').encode()
        ),
        sse(json.dumps({"error": {"message": KEY, "type": "server_error"}}).encode()),
    ]
    for echo in echoes:
        with HostileServer(reply(echo)) as server:
            model = GroqChatModel(GroqConfig(KEY, MODEL, base_url=server.base_url))
            with model, pytest.raises(Exception):  # noqa: B017, PT011 (any typed error)
                list(model.stream_chat_sync("hi"))
    seen: list[str] = []
    for span in otel.spans():
        seen += [repr(v) for v in (span.attributes or {}).values()]
        seen.append(span.status.description or "")
        for event in span.events:
            seen += [repr(v) for v in (event.attributes or {}).values()]
    assert len(otel.spans()) == 3
    assert [span.status.status_code for span in otel.spans()] == [StatusCode.ERROR] * 3
    assert not [text for text in seen if "SECRET" in text or json_escaped("SECRET") in text]
