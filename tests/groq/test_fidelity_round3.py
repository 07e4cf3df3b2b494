"""Fidelity round 3 (issue 22): what the official SDK's own tests found against the
emulator, each fixed and held here. Deprecated fields Groq's spec still lists are
accepted (our client warns); ``max_tokens`` truncates with ``finish_reason: "length"``;
``reasoning_effort: "none"`` on gpt-oss is a 400; unknown properties say ", did you mean
'X'?"; audio models are listed as Groq lists them and refused as chat models, both by
the emulator and by our client; the command-line emulator can hold batches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from synaptic_core import ChatRequest, ConfigError, Message
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_groq.emulator import GroqEmulator


def post(emulator: GroqEmulator, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(
        f"{emulator.base_url}/chat/completions",
        json=body,
        headers={"authorization": "Bearer k"},
        timeout=10,
    )


def ask(**extra: Any) -> dict[str, Any]:
    return {
        "model": "openai/gpt-oss-20b",
        "messages": [{"role": "user", "content": "Tell me about the sea in a few words"}],
        **extra,
    }


@pytest.fixture(scope="module")
def groq() -> Any:
    with GroqEmulator() as emulator:
        yield emulator


# --- 1. deprecated parameters --------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"exclude_domains": ["example.com"]},
        {"include_domains": ["*.gov"]},
        {
            "functions": [{"name": "f", "parameters": {"type": "object", "properties": {}}}],
            "function_call": "auto",
        },
    ],
)
def test_deprecated_fields_groq_still_lists_are_accepted(
    groq: GroqEmulator, extra: dict[str, Any]
) -> None:
    answer = post(groq, ask(**extra))
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["finish_reason"] in ("stop", "length")


def test_our_client_sends_them_with_a_deprecation_warning(groq: GroqEmulator) -> None:
    model = GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b", base_url=groq.base_url))
    request = ChatRequest([Message.human("hi")]).with_extra(
        exclude_domains=["a.com"], function_call="auto"
    )
    with pytest.warns(DeprecationWarning, match="as deprecated") as caught:
        model.chat_sync(request)
    (warning,) = caught
    assert str(warning.message) == (
        "Groq lists exclude_domains, function_call as deprecated (still accepted, sent as "
        "given); use exclude_domains -> search_settings.exclude_domains, function_call -> "
        "tool_choice"
    )
    assert warning.filename == __file__  # pointed at the caller's line
    sent = groq.requests[-1]
    assert sent["exclude_domains"] == ["a.com"]
    assert sent["function_call"] == "auto"


# --- 2. max_tokens truncates ---------------------------------------------------------


def test_max_tokens_cuts_the_answer_and_says_length(groq: GroqEmulator) -> None:
    whole = post(groq, ask()).json()
    assert whole["usage"]["completion_tokens"] > 3
    cut = post(groq, ask(max_tokens=3)).json()
    choice = cut["choices"][0]
    assert choice["finish_reason"] == "length"
    assert cut["usage"]["completion_tokens"] == 3
    words = whole["choices"][0]["message"]["content"].split()
    assert choice["message"]["content"].split() == words[:3]
    renamed = post(groq, ask(max_completion_tokens=2)).json()
    assert renamed["choices"][0]["finish_reason"] == "length"
    assert renamed["usage"]["completion_tokens"] == 2


def test_max_tokens_cuts_streams_too_and_our_client_reports_it(groq: GroqEmulator) -> None:
    model = GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b", base_url=groq.base_url))
    request = ChatRequest([Message.human("Tell me about the sea in a few words")], max_tokens=3)
    answered = model.chat_sync(request)
    chunks = list(model.stream_chat_sync(request))
    from synaptic_core import AIMessageChunk

    streamed = AIMessageChunk.merge(chunks).to_response()
    assert answered.finish_reason == streamed.finish_reason == "length"
    assert answered.content == streamed.content
    assert len(answered.content.split()) == 3
    assert answered.usage is not None
    assert answered.usage.output_tokens == 3
    assert streamed.usage == answered.usage


def test_reasoning_counts_first_and_a_room_large_enough_is_not_cut(groq: GroqEmulator) -> None:
    roomy = post(groq, ask(max_tokens=1000)).json()
    assert roomy["choices"][0]["finish_reason"] == "stop"
    thinking = post(groq, ask(max_tokens=4, reasoning_effort="low")).json()
    message = thinking["choices"][0]["message"]
    assert thinking["choices"][0]["finish_reason"] == "length"
    assert len(message["reasoning"].split()) == 4
    assert message["content"] == ""


# --- 3. reasoning_effort none on gpt-oss ---------------------------------------------


def test_reasoning_effort_none_on_gpt_oss_is_a_400(groq: GroqEmulator) -> None:
    answer = post(groq, ask(reasoning_effort="none"))
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["param"] == "reasoning_effort"
    assert (
        "reasoning_effort 'none' is not supported by model openai/gpt-oss-20b" in error["message"]
    )
    model = GroqChatModel(GroqConfig("k", "openai/gpt-oss-20b", base_url=groq.base_url))
    with pytest.raises(ConfigError, match="reasoning_effort 'none' is not accepted"):
        model.chat_sync(ChatRequest([Message.human("hi")]).with_extra(reasoning_effort="none"))


# --- 4. did you mean -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (ask(temprature=1), "property 'temprature' is unsupported, did you mean 'temperature'?"),
        (ask(max_token=5), "property 'max_token' is unsupported, did you mean 'max_tokens'?"),
        (ask(zzz=1), "property 'zzz' is unsupported"),
        (
            {"model": "openai/gpt-oss-20b", "messages": [{"role": "user", "contnt": "x"}]},
            "'messages.0' : property 'contnt' is unsupported, did you mean 'content'?",
        ),
    ],
)
def test_unknown_properties_suggest_a_close_name(
    groq: GroqEmulator, body: dict[str, Any], message: str
) -> None:
    answer = post(groq, body)
    assert answer.status_code == 400
    assert answer.json()["error"]["message"] == message


# --- 5. audio models -----------------------------------------------------------------


def test_models_lists_audio_models_as_groq_does(groq: GroqEmulator) -> None:
    listed = httpx.get(
        f"{groq.base_url}/models", headers={"authorization": "Bearer k"}, timeout=10
    ).json()
    by_id = {m["id"]: m for m in listed["data"]}
    for whisper in ("whisper-large-v3", "whisper-large-v3-turbo"):
        entry = by_id[whisper]
        assert (entry["owned_by"], entry["context_window"], entry["max_completion_tokens"]) == (
            "OpenAI",
            448,
            448,
        )
    orpheus = by_id["canopylabs/orpheus-v1-english"]
    assert (orpheus["owned_by"], orpheus["context_window"]) == ("Canopy Labs", None)
    assert by_id["openai/gpt-oss-20b"]["context_window"] == 131_072


@pytest.mark.parametrize(
    ("model", "what"),
    [
        ("whisper-large-v3", "speech to text: use /audio/transcriptions"),
        ("canopylabs/orpheus-v1-english", "text to speech: use /audio/speech"),
    ],
)
def test_a_chat_request_to_an_audio_model_is_a_400(
    groq: GroqEmulator, model: str, what: str
) -> None:
    answer = post(groq, {**ask(), "model": model})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["message"] == f"The model `{model}` does not support chat completions ({what})"
    assert error["param"] == "model"


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        ("whisper-large-v3-turbo", "speech-to-text (Whisper)"),
        ("canopylabs/orpheus-arabic-saudi", "text-to-speech (Orpheus)"),
    ],
)
def test_our_client_refuses_an_audio_model_as_a_chat_model(model: str, kind: str) -> None:
    with pytest.raises(ConfigError) as info:
        GroqChatModel(GroqConfig("k", model))
    assert str(info.value) == (
        f"{model!r} is a {kind} model, not a chat model: Groq answers 400 to a chat request "
        "to it; for chat use 'openai/gpt-oss-20b' or 'openai/gpt-oss-120b' (`synaptic "
        "models` lists each model's kind)"
    )


def test_load_chat_model_refuses_an_audio_model_too() -> None:
    from synaptic_core import load_chat_model

    with pytest.raises(ConfigError, match="is a speech-to-text \\(Whisper\\) model, not a chat"):
        load_chat_model("groq:whisper-large-v3", api_key="k")


# --- 6. the command-line emulator holds batches -------------------------------------


def test_the_command_line_emulator_holds_batches_until_released() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "synaptic", "emulator", "--port", "0", "--hold-batches"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        base_url = first.split(" listening on ")[1].split(" ")[0]
        process.stdout.readline()  # export ...
        hint = process.stdout.readline()
        root = base_url.removesuffix("/openai/v1")
        assert hint.strip() == f"batches wait for: curl -X POST {root}/emulator/release-batches"
        headers = {"authorization": "Bearer k"}
        line = {
            "custom_id": "a",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": ask(),
        }
        with httpx.Client(base_url=base_url, headers=headers, timeout=10) as http:
            uploaded = http.post(
                "/files",
                files={"file": ("in.jsonl", json.dumps(line).encode() + b"\n")},
                data={"purpose": "batch"},
            ).json()
            batch = http.post(
                "/batches",
                json={
                    "input_file_id": uploaded["id"],
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                },
            ).json()
            for _ in range(20):  # held: polled again and again, it does not finish
                status = http.get(f"/batches/{batch['id']}").json()["status"]
                assert status in ("validating", "in_progress")
            released = httpx.post(f"{root}/emulator/release-batches", timeout=10)
            assert released.json() == {"released": True}
            deadline = time.monotonic() + 20
            while http.get(f"/batches/{batch['id']}").json()["status"] != "completed":
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        process.terminate()
        process.communicate(timeout=10)
