"""The official ``groq`` SDK (pinned in ``uv.lock``) against our emulator, with strict
response validation: every resource method Groq serves, sync and async.

Run by ``nox -s sdk-conformance`` (and in CI with the default sessions). The calls are
ours, written from the SDK's signatures (groq 1.7): every parameter of
``chat.completions.create`` with a valid value, streamed and not; ``models.list``,
``retrieve``, ``delete``; ``files.create``, ``list``, ``info``, ``content``,
``delete``; ``batches.create``, ``retrieve``, ``list``, ``cancel``;
``audio.transcriptions.create`` and ``audio.translations.create`` with every parameter
(file or url, each response format, both timestamp granularities) and
``audio.speech.create``. Every answer must
pass the SDK's ``_strict_response_validation=True`` (but one: Groq answers a ``text``
transcription as ``text/plain``, as recorded, which the SDK's strict mode refuses from
Groq itself) (a missing or mistyped field in
the emulator's JSON raises ``APIResponseValidationError``), and the fields Groq
refuses get the SDK's typed ``BadRequestError``.

Left out, because Groq does not serve them or the emulator does not yet:
- ``embeddings.create``: Groq serves no embedding models (the SDK keeps the resource
  from OpenAI's shape).
- OpenAI's stored completions (``chat.completions.retrieve/list/update/delete``): the
  Groq SDK has no such methods and Groq does not store completions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import groq
from synaptic_groq.emulator import GroqEmulator

MODEL = "openai/gpt-oss-20b"
USER = [{"role": "user", "content": "What is the weather in Lisbon?"}]
TOOLS: list[Any] = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Weather for a city",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
        },
    }
]

# Each parameter of chat.completions.create, in one valid call or another.
CALLS: dict[str, dict[str, Any]] = {
    "sampling": {
        "temperature": 0.7,
        "top_p": 0.9,
        "seed": 42,
        "stop": ["\n\n"],
        "frequency_penalty": 0.1,
        "presence_penalty": 0.1,
        "n": 1,
        "user": "user-1",
        "metadata": {"run": "conformance"},
        "store": False,
        "service_tier": "on_demand",
    },
    "max_completion_tokens": {"max_completion_tokens": 5},
    "max_tokens (deprecated)": {"max_tokens": 5},
    "tools": {"tools": TOOLS, "tool_choice": "required", "parallel_tool_calls": False},
    "named tool": {
        "tools": TOOLS,
        "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
        "disable_tool_validation": False,
    },
    "functions (deprecated)": {
        "functions": [TOOLS[0]["function"]],
        "function_call": "auto",
    },
    "json_object": {"response_format": {"type": "json_object"}},
    "json_schema": {
        "response_format": {
            "type": "json_schema",
            "json_schema": {
                "name": "weather",
                "schema": {
                    "type": "object",
                    "properties": {"city": {"type": "string"}, "sunny": {"type": "boolean"}},
                    "required": ["city", "sunny"],
                    "additionalProperties": False,
                },
            },
        }
    },
    "reasoning": {"reasoning_effort": "high", "reasoning_format": "parsed"},
    "include_reasoning": {"include_reasoning": True},
    "search (deprecated domains)": {
        "model": "groq/compound",
        "include_domains": ["*.gov"],
        "exclude_domains": ["example.com"],
    },
    "search_settings": {
        "model": "groq/compound",
        "search_settings": {"include_domains": ["*.pt"], "country": "portugal"},
        "compound_custom": {"models": {"answering_model": "openai/gpt-oss-120b"}},
    },
    "documents": {
        "documents": [{"source": {"type": "text", "text": "Lisbon is sunny today."}}],
        "citation_options": "enabled",
    },
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[GroqEmulator]:
    with GroqEmulator() as running:
        yield running


@pytest.fixture
def client(emulator: GroqEmulator) -> Iterator[groq.Groq]:
    with groq.Groq(
        api_key="gsk_conformance",
        base_url=emulator.base_url.removesuffix("/openai/v1"),
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        yield sdk


@pytest.fixture
async def aclient(emulator: GroqEmulator) -> Any:
    async with groq.AsyncGroq(
        api_key="gsk_conformance",
        base_url=emulator.base_url.removesuffix("/openai/v1"),
        max_retries=0,
        _strict_response_validation=True,
    ) as sdk:
        yield sdk


def check_completion(completion: Any, params: dict[str, Any]) -> None:
    assert completion.object == "chat.completion"
    choice = completion.choices[0]
    limit = params.get("max_completion_tokens", params.get("max_tokens"))
    if "tool_choice" in params:
        assert choice.finish_reason == "tool_calls"
        assert choice.message.tool_calls[0].function.name == "get_weather"
        json.loads(choice.message.tool_calls[0].function.arguments)
    elif limit is not None:
        assert choice.finish_reason == "length"
        assert completion.usage.completion_tokens == limit
    else:
        assert choice.finish_reason == "stop"
    if params.get("response_format", {}).get("type") in ("json_object", "json_schema"):
        json.loads(choice.message.content)
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    assert completion.x_groq.id.startswith("req_emu_")


def check_stream(chunks: list[Any], params: dict[str, Any]) -> None:
    assert chunks
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    finish = [
        c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason
    ]
    limit = params.get("max_completion_tokens", params.get("max_tokens"))
    expected = "tool_calls" if "tool_choice" in params else "length" if limit else "stop"
    assert finish == [expected]
    assert chunks[-1].x_groq.usage.total_tokens > 0


def arguments(name: str) -> dict[str, Any]:
    params = dict(CALLS[name])
    params.setdefault("model", MODEL)
    return params


@pytest.mark.parametrize("name", list(CALLS))
def test_chat_completions_create_sync(client: groq.Groq, name: str) -> None:
    params = arguments(name)
    check_completion(client.chat.completions.create(messages=USER, **params), params)
    stream = client.chat.completions.create(messages=USER, stream=True, **params)
    check_stream(list(stream), params)


@pytest.mark.parametrize("name", list(CALLS))
async def test_chat_completions_create_async(aclient: groq.AsyncGroq, name: str) -> None:
    params = arguments(name)
    check_completion(await aclient.chat.completions.create(messages=USER, **params), params)
    stream = await aclient.chat.completions.create(messages=USER, stream=True, **params)
    check_stream([c async for c in stream], params)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"logit_bias": {"50256": -100}}, "property 'logit_bias' is unsupported"),
        ({"logprobs": True}, "property 'logprobs' is unsupported"),
        ({"top_logprobs": 2}, "property 'top_logprobs' is unsupported"),
        ({"n": 2}, "'n' : number must be at most 1"),
        ({"reasoning_effort": "none"}, "reasoning_effort 'none' is not supported"),
    ],
)
def test_what_groq_refuses_is_a_typed_400(
    client: groq.Groq, params: dict[str, Any], message: str
) -> None:
    with pytest.raises(groq.BadRequestError) as info:
        client.chat.completions.create(messages=USER, model=MODEL, **params)
    assert info.value.status_code == 400
    assert message in str(info.value)


def test_models(client: groq.Groq) -> None:
    listed = client.models.list()
    ids = [m.id for m in listed.data]
    assert MODEL in ids
    assert "whisper-large-v3" in ids
    one = client.models.retrieve(MODEL)
    assert (one.id, one.object, one.owned_by) == (MODEL, "model", "OpenAI")
    with pytest.raises(groq.NotFoundError):  # only fine-tuned models can be deleted
        client.models.delete(MODEL)


async def test_models_async(aclient: groq.AsyncGroq) -> None:
    listed = await aclient.models.list()
    assert MODEL in [m.id for m in listed.data]
    assert (await aclient.models.retrieve(MODEL)).id == MODEL


def batch_lines(count: int) -> bytes:
    return b"".join(
        json.dumps(
            {
                "custom_id": f"row-{i}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": MODEL, "messages": USER},
            }
        ).encode()
        + b"\n"
        for i in range(count)
    )


def test_files_and_batches(client: groq.Groq, emulator: GroqEmulator) -> None:
    uploaded = client.files.create(file=("in.jsonl", batch_lines(3)), purpose="batch")
    assert (uploaded.object, uploaded.purpose) == ("file", "batch")
    assert uploaded.bytes == len(batch_lines(3))
    assert uploaded.id in [f.id for f in client.files.list().data]
    assert client.files.info(uploaded.id).filename == "in.jsonl"
    assert client.files.content(uploaded.id).read() == batch_lines(3)
    batch = client.batches.create(
        input_file_id=uploaded.id,
        endpoint="/v1/chat/completions",
        completion_window="24h",
        metadata={"job": "conformance"},
    )
    assert batch.object == "batch"
    while batch.status not in ("completed", "failed"):
        batch = client.batches.retrieve(batch.id)
    assert batch.status == "completed"
    assert batch.request_counts is not None
    assert (batch.request_counts.total, batch.request_counts.completed) == (3, 3)
    assert batch.id in [b.id for b in client.batches.list().data]
    assert batch.output_file_id is not None
    output = client.files.content(batch.output_file_id).text().splitlines()
    assert sorted(json.loads(x)["custom_id"] for x in output) == ["row-0", "row-1", "row-2"]
    deleted = client.files.delete(uploaded.id)
    assert (deleted.id, deleted.deleted) == (uploaded.id, True)


async def test_files_and_batches_async_with_a_cancel(
    aclient: groq.AsyncGroq, emulator: GroqEmulator
) -> None:
    uploaded = await aclient.files.create(file=("in.jsonl", batch_lines(2)), purpose="batch")
    emulator.batches.hold = True
    try:
        batch = await aclient.batches.create(
            input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h"
        )
        cancelled = await aclient.batches.cancel(batch.id)
        assert cancelled.status in ("cancelling", "cancelled")
        again = await aclient.batches.retrieve(batch.id)
        assert again.status in ("cancelling", "cancelled")
        assert batch.id in [b.id for b in (await aclient.batches.list()).data]
    finally:
        emulator.release_batches()
        emulator.batches.hold = False
    assert (await aclient.files.info(uploaded.id)).id == uploaded.id
    assert (await aclient.files.delete(uploaded.id)).deleted is True


# --- audio ------------------------------------------------------------------------------


def _wav(seconds: float) -> bytes:
    from synaptic_groq.emulator._audio import wav  # noqa: PLC0415

    return wav(seconds, rate=16_000)


AUDIO_CALLS: dict[str, dict[str, Any]] = {
    "json": {"language": "en", "prompt": "Names: Ada.", "temperature": 0.0},
    "text": {"response_format": "text"},
    "verbose_words": {"response_format": "verbose_json", "timestamp_granularities": ["word"]},
    "verbose_both": {
        "response_format": "verbose_json",
        "timestamp_granularities": ["word", "segment"],
    },
    "url": {"url": "{files}/talk.wav"},  # fetched by the emulator from loopback
}


@pytest.fixture
def files(tmp_path: Path) -> Iterator[str]:
    """``talk.wav`` served on loopback, for ``url=``."""
    import functools  # noqa: PLC0415
    import http.server  # noqa: PLC0415
    import threading  # noqa: PLC0415

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_: object) -> None:
            pass

    (tmp_path / "talk.wav").write_bytes(_wav(1.5))
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(tmp_path))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("name", list(AUDIO_CALLS))
def test_audio_transcriptions_sync(client: groq.Groq, name: str, files: str) -> None:
    options = dict(AUDIO_CALLS[name])
    if "url" in options:
        options["url"] = options["url"].format(files=files)
    else:
        options["file"] = ("talk.wav", _wav(1.5))
    if name == "text":  # Groq answers text/plain, as recorded; the SDK's strict mode wants
        # JSON, against Groq itself too: this one call is checked without it
        client = groq.Groq(api_key="gsk_conformance", base_url=str(client.base_url))
    heard = client.audio.transcriptions.create(model="whisper-large-v3-turbo", **options)
    text = heard if isinstance(heard, str) else heard.text
    assert "Emulated transcript of talk.wav (1.5 seconds)" in text


async def test_audio_translations_and_speech_async(aclient: groq.AsyncGroq) -> None:
    heard = await aclient.audio.translations.create(
        model="whisper-large-v3", file=("talk.wav", _wav(1.0)), prompt="Names.",
        response_format="verbose_json", temperature=0.0,
    )  # fmt: skip
    assert heard.text == " Emulated English translation of talk.wav (1.0 seconds)."
    said = await aclient.audio.speech.create(
        model="canopylabs/orpheus-v1-english", input="Hello there", voice="diana",
        response_format="wav", sample_rate=24000, speed=1.0,
    )  # fmt: skip
    assert (await said.read())[:4] == b"RIFF"
    with pytest.raises(groq.BadRequestError):
        await aclient.audio.speech.create(model="canopylabs/orpheus-v1-english", input="x",
                                          voice="fahad")  # fmt: skip
