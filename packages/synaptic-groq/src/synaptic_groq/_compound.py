"""Typed views of Groq's own answer facts: executed tools, citations, usage breakdown.

Groq's compound systems (``groq/compound*``) and built-in tools (``browser_search``,
``code_interpreter``) report the work they did in ``executed_tools`` (search results,
code output, browser pages); documents sent with ``citation_options="enabled"`` come
back as ``annotations`` (citations). synaptic keeps them, streamed or not, in
``provider_metadata`` under the same keys (DESIGN section 12), and
``GroqExtras.of(response)`` reads them here as pydantic models, without digging in
dicts.

Every model allows fields this version does not know (Groq adds them) and
``to_wire()`` gives back exactly the JSON it was read from, so nothing is lost on the
way through.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synaptic_core import AIMessageChunk, ChatResponse, ParseError, TokenUsage, truncate
from synaptic_openai import parse_usage


class _Wire(BaseModel):
    """Frozen, keeps unknown fields, and dumps back to the JSON it came from."""

    model_config = ConfigDict(frozen=True, extra="allow", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON this was read from: only the fields that were there, unknown ones too."""
        return self.model_dump(mode="json", exclude_unset=True)


class SearchResult(_Wire):
    """One web page a search found."""

    title: str | None = None
    url: str | None = None
    content: str | None = None
    score: int | float | None = None


class SearchResults(_Wire):
    """What one search returned: pages, and image URLs when asked for."""

    results: list[SearchResult] | None = None
    images: list[str] | None = None


class ChartElement(_Wire):
    """One element of a chart drawn by the code interpreter."""

    label: str | None = None
    value: int | float | None = None
    group: str | None = None
    points: list[list[int | float]] | None = None


class Chart(_Wire):
    """A chart drawn by the code interpreter (bar, line, pie, scatter, ...)."""

    type: str = ""
    elements: list[ChartElement] = Field(default_factory=list)
    title: str | None = None
    x_label: str | None = None
    y_label: str | None = None


class CodeResult(_Wire):
    """What one code run produced: text output, a PNG (base64), charts."""

    text: str | None = None
    png: str | None = None
    chart: Chart | None = None
    charts: list[Chart] | None = None


class BrowserResult(_Wire):
    """One page the browser tool visited."""

    title: str | None = None
    url: str | None = None
    content: str | None = None
    live_view_url: str | None = None


class ExecutedTool(_Wire):
    """One tool Groq ran while answering: its arguments, output and results.

    In a stream the same tool arrives in pieces (first its arguments, later its
    output); merging the chunks joins them by ``index``, as for tool calls.
    """

    index: int | None = None
    type: str = ""
    arguments: str = ""
    output: str | None = None
    search_results: SearchResults | None = None
    code_results: list[CodeResult] | None = None
    browser_results: list[BrowserResult] | None = None

    @property
    def parsed_arguments(self) -> dict[str, Any]:
        """``arguments`` parsed (they are JSON text); ``{}`` when empty or not an object."""
        try:
            value = json.loads(self.arguments) if self.arguments.strip() else {}
        except (ValueError, RecursionError):
            return {}
        return value if isinstance(value, dict) else {}


class DocumentCitation(_Wire):
    """A span of the answer that cites a document sent in ``documents``."""

    document_id: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class FunctionCitation(_Wire):
    """A span of the answer that cites a tool call's result."""

    tool_call_id: str | None = None
    start_index: int | None = None
    end_index: int | None = None


class Citation(_Wire):
    """One annotation of the answer: ``document_citation`` or ``function_citation``."""

    type: str = ""
    document_citation: DocumentCitation | None = None
    function_citation: FunctionCitation | None = None


class ModelUsage(_Wire):
    """Usage of one inner model of a compound system."""

    model: str | None = None
    usage: dict[str, Any] = Field(default_factory=dict)

    @property
    def tokens(self) -> TokenUsage:
        """``usage`` as a ``TokenUsage``."""
        return parse_usage(self.usage) or TokenUsage()


class UsageBreakdown(_Wire):
    """Per-model usage of a compound answer (Groq's ``usage_breakdown``)."""

    models: list[ModelUsage] = Field(default_factory=list)


class GroqExtras(BaseModel):
    """Groq's facts about one answer, typed: ``GroqExtras.of(response)``.

    Works on a ``ChatResponse`` and on a merged stream (``AIMessageChunk.merge(chunks)``)
    alike, and gives the same result for the same answer.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    executed_tools: list[ExecutedTool] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list)
    usage_breakdown: UsageBreakdown | None = None
    seed: int | None = None

    @classmethod
    def of(cls, answer: ChatResponse | AIMessageChunk) -> GroqExtras:
        """Read the extras from a response or a (merged) chunk's ``provider_metadata``."""
        metadata = answer.provider_metadata
        breakdown = metadata.get("usage_breakdown")
        seed = metadata.get("seed")
        try:
            return cls._read(metadata, breakdown, seed)
        except ValidationError as exc:
            msg = f"groq sent extras of an unexpected shape: {truncate(str(exc), 300)}"
            raise ParseError(msg, provider="groq", request_id=answer.request_id) from exc

    @classmethod
    def _read(cls, metadata: dict[str, Any], breakdown: Any, seed: Any) -> GroqExtras:
        return cls(
            executed_tools=[
                ExecutedTool.model_validate(item)
                for item in metadata.get("executed_tools") or []
                if isinstance(item, dict)
            ],
            citations=[
                Citation.model_validate(item)
                for item in metadata.get("annotations") or []
                if isinstance(item, dict)
            ],
            usage_breakdown=(
                UsageBreakdown.model_validate(breakdown) if isinstance(breakdown, dict) else None
            ),
            seed=seed if isinstance(seed, int) and not isinstance(seed, bool) else None,
        )

    @property
    def search_results(self) -> list[SearchResult]:
        """Every page every search found, in order."""
        return [
            result
            for tool in self.executed_tools
            if tool.search_results is not None
            for result in tool.search_results.results or []
        ]
