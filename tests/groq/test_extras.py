"""Groq's own answer facts typed (executed tools, citations, usage breakdown), the builders
of built-in tools and Groq options (exact request JSON), and the fields Groq refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from synaptic_core import (
    AIMessageChunk,
    BuiltinTool,
    ChatRequest,
    ConfigError,
    FakeBackend,
    Message,
    ParseError,
    ToolDefinition,
)
from synaptic_groq import (
    ACCEPTED_FIELDS,
    Citation,
    CodeResult,
    CompoundCustom,
    Document,
    ExecutedTool,
    GroqChatModel,
    GroqConfig,
    GroqExtras,
    GroqOptions,
    SearchSettings,
    UsageBreakdown,
    browser_search,
    code_interpreter,
    document_part,
)

from .stream_fixtures import EXECUTED_TOOL, USAGE_BREAKDOWN, reasoning_answer

CODE_TOOL = {
    "index": 1,
    "type": "python",
    "arguments": '{"code": "print(2**10)"}',
    "output": "1024\n",
    "code_results": [
        {"text": "1024\n"},
        {
            "png": "iVBORw0KGgo=",
            "chart": {
                "type": "bar",
                "title": "Powers",
                "elements": [{"label": "2^10", "value": 1024, "group": "a"}],
                "x_label": "power",
            },
        },
    ],
}
BROWSER_TOOL = {
    "index": 2,
    "type": "browser.search",
    "arguments": '{"query": "groq"}',
    "output": None,
    "browser_results": [
        {"title": "Groq", "url": "https://groq.com", "content": "Fast.", "live_view_url": None}
    ],
    "a_field_from_the_future": {"kept": True},
}
CITATIONS = [
    {
        "type": "document_citation",
        "document_citation": {"document_id": "doc-1", "start_index": 0, "end_index": 12},
    },
    {
        "type": "function_citation",
        "function_citation": {"tool_call_id": "fc_1", "start_index": 13, "end_index": 20},
    },
]


@pytest.mark.parametrize("wire", [EXECUTED_TOOL, CODE_TOOL, BROWSER_TOOL])
def test_executed_tools_round_trip_to_the_exact_wire_json(wire: dict[str, Any]) -> None:
    tool = ExecutedTool.model_validate(wire)
    assert tool.to_wire() == wire
    assert json.dumps(tool.to_wire(), sort_keys=True) == json.dumps(wire, sort_keys=True)


def test_executed_tools_are_typed() -> None:
    code = ExecutedTool.model_validate(CODE_TOOL)
    assert code.code_results is not None
    assert code.code_results[0] == CodeResult(text="1024\n")
    chart = code.code_results[1].chart
    assert chart is not None
    assert (chart.type, chart.title, chart.elements[0].label, chart.elements[0].value) == (
        "bar",
        "Powers",
        "2^10",
        1024,
    )
    browser = ExecutedTool.model_validate(BROWSER_TOOL)
    assert browser.browser_results is not None
    assert browser.browser_results[0].url == "https://groq.com"
    assert browser.parsed_arguments == {"query": "groq"}
    assert ExecutedTool(index=0, type="search", arguments="not json").parsed_arguments == {}


def test_citations_and_usage_breakdown_round_trip() -> None:
    citations = [Citation.model_validate(c) for c in CITATIONS]
    assert [c.to_wire() for c in citations] == CITATIONS
    assert citations[0].document_citation is not None
    assert citations[0].document_citation.document_id == "doc-1"
    assert citations[1].function_citation is not None
    assert citations[1].function_citation.tool_call_id == "fc_1"
    breakdown = UsageBreakdown.model_validate(USAGE_BREAKDOWN)
    assert breakdown.to_wire() == USAGE_BREAKDOWN
    assert breakdown.models[1].tokens.input_tokens == 300


def test_groq_extras_of_a_whole_response() -> None:
    body = reasoning_answer().body
    assert body is not None
    body = json.loads(json.dumps(body))
    body["choices"][0]["message"]["executed_tools"] = [EXECUTED_TOOL, CODE_TOOL]
    body["choices"][0]["message"]["annotations"] = CITATIONS
    body["usage_breakdown"] = USAGE_BREAKDOWN
    model = GroqChatModel(GroqConfig("k", "groq/compound"), FakeBackend().add_response(body))
    response = model.chat_sync("q")
    extras = GroqExtras.of(response)
    assert [t.to_wire() for t in extras.executed_tools] == [EXECUTED_TOOL, CODE_TOOL]
    assert [c.to_wire() for c in extras.citations] == CITATIONS
    assert extras.usage_breakdown == UsageBreakdown.model_validate(USAGE_BREAKDOWN)
    assert extras.seed == 1487290741
    assert [r.url for r in extras.search_results] == [
        "https://example.com/groq-lpu",
        "https://example.org/inference",
    ]
    assert "message" not in response.provider_metadata  # nothing left untyped


def test_streamed_annotations_concatenate_and_tools_merge_by_index() -> None:
    first = AIMessageChunk(provider_metadata={"annotations": CITATIONS[:1]})
    second = AIMessageChunk(provider_metadata={"annotations": CITATIONS[1:]})
    args = AIMessageChunk(
        provider_metadata={"executed_tools": [{"index": 0, "type": "search", "arguments": "{}"}]}
    )
    done = AIMessageChunk(provider_metadata={"executed_tools": [{**EXECUTED_TOOL}]})
    merged = first + args + second + done
    extras = GroqExtras.of(merged)
    assert [c.to_wire() for c in extras.citations] == CITATIONS
    assert [t.to_wire() for t in extras.executed_tools] == [EXECUTED_TOOL]


def test_extras_of_an_unexpected_shape_are_a_parse_error() -> None:
    chunk = AIMessageChunk(provider_metadata={"executed_tools": [{"index": "zero", "type": 3}]})
    with pytest.raises(ParseError, match="groq sent extras of an unexpected shape"):
        GroqExtras.of(chunk)


def test_no_extras_is_empty() -> None:
    assert GroqExtras.of(AIMessageChunk()) == GroqExtras()


# --- builders: exact request JSON ------------------------------------------------------


def sent(config: GroqConfig, request: ChatRequest | str = "q") -> dict[str, Any]:
    backend = FakeBackend().add_response(reasoning_answer().body)
    GroqChatModel(config, backend).chat_sync(request)
    body: dict[str, Any] = json.loads(backend.last_request.content or b"{}")
    return body


def test_built_in_tools_go_next_to_function_tools() -> None:
    weather = ToolDefinition(name="get_weather", parameters={"type": "object", "properties": {}})
    request = ChatRequest([Message.human("q")]).with_tools(
        [weather, browser_search(), code_interpreter()]
    )
    body = sent(GroqConfig("k", "openai/gpt-oss-120b"), request)
    assert body["tools"] == [
        {
            "type": "function",
            "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
        },
        {"type": "browser_search"},
        {"type": "code_interpreter"},
    ]


def test_groq_options_on_the_config_give_the_exact_body() -> None:
    config = (
        GroqConfig("k", "groq/compound")
        .with_search_settings(
            SearchSettings(include_domains=["*.gov"], exclude_domains=["example.com"], country="pt")
        )
        .with_compound_custom(
            CompoundCustom.of(
                answering_model="openai/gpt-oss-120b",
                enabled_tools=["web_search", "wolfram_alpha"],
                wolfram_authorization="wolfram-SECRET-1",
            )
        )
        .with_documents(
            [
                Document.from_text("Lisbon has 300 sunny days.", id="doc-1"),
                Document.from_json({"a": 1}),
            ],
            citations=True,
        )
    )
    body = sent(config)
    assert body == {
        "model": "groq/compound",
        "messages": [{"role": "user", "content": "q"}],
        "search_settings": {
            "include_domains": ["*.gov"],
            "exclude_domains": ["example.com"],
            "country": "pt",
        },
        "compound_custom": {
            "models": {"answering_model": "openai/gpt-oss-120b"},
            "tools": {
                "enabled_tools": ["web_search", "wolfram_alpha"],
                "wolfram_settings": {"authorization": "wolfram-SECRET-1"},
            },
        },
        "documents": [
            {"source": {"type": "text", "text": "Lisbon has 300 sunny days."}, "id": "doc-1"},
            {"source": {"type": "json", "data": {"a": 1}}},
        ],
        "citation_options": "enabled",
    }
    assert "wolfram-SECRET-1" not in repr(config)
    assert "wolfram-SECRET-1" not in str(config.model_dump())


def test_groq_options_on_one_request() -> None:
    options = GroqOptions(
        search_settings=SearchSettings(include_images=True),
        citation_options="disabled",
        disable_tool_validation=True,
    )
    request = ChatRequest([Message.human("q")]).with_extra(**options.fields())
    body = sent(GroqConfig("k", "groq/compound-mini"), request)
    assert body["search_settings"] == {"include_images": True}
    assert body["citation_options"] == "disabled"
    assert body["disable_tool_validation"] is True
    assert options.to_wire() == {
        "search_settings": {"include_images": True},
        "citation_options": "disabled",
        "disable_tool_validation": True,
    }


def test_a_document_part_in_a_user_message() -> None:
    message = Message.human(
        ["Summarise:", document_part({"title": "Q3", "body": "up 4%"}, id="q3")]
    )
    assert message.content == "Summarise:"
    body = sent(GroqConfig("k", "openai/gpt-oss-120b"), ChatRequest([message]))
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Summarise:"},
                {
                    "type": "document",
                    "document": {"data": {"title": "Q3", "body": "up 4%"}, "id": "q3"},
                },
            ],
        }
    ]
    assert Message.from_json(message.model_dump_json()) == message


def test_options_from_a_profile() -> None:
    import synaptic

    model = synaptic.load_chat_model(
        {
            "provider": "groq",
            "model": "groq/compound",
            "api_key": "k",
            "search_settings": {"include_domains": ["*.edu"]},
            "compound_custom": {"tools": {"enabled_tools": ["web_search"]}},
            "citation_options": "enabled",
        },
        retries=0,
    )
    assert isinstance(model, GroqChatModel)
    assert model.config.wire_options() == {
        "search_settings": {"include_domains": ["*.edu"]},
        "compound_custom": {"tools": {"enabled_tools": ["web_search"]}},
        "citation_options": "enabled",
    }


# --- what Groq would refuse is never sent -----------------------------------------------


@pytest.mark.parametrize(
    ("config", "request_", "message"),
    [
        (
            GroqConfig("k", "openai/gpt-oss-120b"),
            ChatRequest([Message.human("q")]).with_extra(search_setings={}),
            "Groq does not know the body field 'search_setings' and would answer HTTP 400 "
            "(did you mean 'search_settings'?)",
        ),
        (
            GroqConfig("k", "openai/gpt-oss-120b"),
            ChatRequest([Message.human("q")]).with_tools([BuiltinTool(type="browser_serch")]),
            "Groq has no built-in tool 'browser_serch' (did you mean 'browser_search'?); "
            "it takes browser_search and code_interpreter next to function tools",
        ),
        (
            GroqConfig("k", "openai/gpt-oss-120b"),
            ChatRequest([Message.human("q")]).with_extra(reasoning_effort="none"),
            "reasoning_effort 'none' is not accepted by openai/gpt-oss-120b (Groq answers 400); "
            "use one of low, medium, high",
        ),
    ],
)
def test_refused_before_sending(config: GroqConfig, request_: ChatRequest, message: str) -> None:
    backend = FakeBackend()
    with pytest.raises(ConfigError) as info:
        GroqChatModel(config, backend).chat_sync(request_)
    assert str(info.value) == message
    assert backend.requests == []


def test_conflicting_reasoning_options_fail_when_the_model_is_built() -> None:
    config = GroqConfig(
        "k", "openai/gpt-oss-120b", reasoning_format="parsed", include_reasoning=True
    )
    with pytest.raises(ConfigError, match="reasoning_format and include_reasoning cannot both"):
        GroqChatModel(config, FakeBackend())


def test_every_option_the_builders_make_is_an_accepted_field() -> None:
    config = GroqConfig(
        "k",
        "groq/compound",
        reasoning_format="parsed",
        reasoning_effort="default",
        service_tier="flex",
        search_settings=SearchSettings(country="pt"),
        compound_custom=CompoundCustom.of(enabled_tools=["web_search"]),
        documents=[Document.from_text("x")],
        citation_options="enabled",
    )
    assert set(config.wire_options()) <= ACCEPTED_FIELDS
    assert set(GroqOptions.model_fields) <= ACCEPTED_FIELDS
