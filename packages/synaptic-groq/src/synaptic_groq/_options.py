"""Typed builders for Groq's own request options: built-in tools, web search settings,
compound system settings, documents and citations.

Groq rejects any field it does not know with HTTP 400, so these models only produce
the shapes Groq documents (groq-api.md sections 2 and 9). Use them on a config
(``GroqConfig(...).with_search_settings(...)``) or on one request
(``request.with_extra(search_settings=SearchSettings(...))``,
``request.with_tools([browser_search()])``); either way ``to_wire()`` gives the JSON.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, SecretStr

from synaptic_core import BuiltinTool, DocumentPart

BUILTIN_TOOL_TYPES = ("browser_search", "code_interpreter")
"""Built-in tool types Groq's chat completions take next to function tools."""

CitationOptions = Literal["enabled", "disabled"]


def browser_search() -> BuiltinTool:
    """Groq's built-in web browsing (gpt-oss models): ``{"type": "browser_search"}``."""
    return BuiltinTool(type="browser_search")


def code_interpreter() -> BuiltinTool:
    """Groq's built-in Python sandbox (gpt-oss models): ``{"type": "code_interpreter"}``."""
    return BuiltinTool(type="code_interpreter")


class _Option(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    def to_wire(self) -> dict[str, Any]:
        """The JSON Groq expects, with only the fields that are set."""
        return self.model_dump(mode="json", exclude_none=True)


class SearchSettings(_Option):
    """Where compound systems and ``browser_search`` may look.

    Domains accept wildcards (``*.gov``); ``country`` biases results to one country.
    """

    include_domains: list[str] | None = None
    exclude_domains: list[str] | None = None
    include_images: bool | None = None
    country: str | None = None


class CompoundModels(_Option):
    """Which models a compound system uses for answering and for reasoning."""

    answering_model: str | None = None
    reasoning_model: str | None = None


class WolframSettings(_Option):
    """Wolfram Alpha access for compound systems; the key is a secret (never shown)."""

    authorization: SecretStr | None = None

    def to_wire(self) -> dict[str, Any]:
        """``{"authorization": "<key>"}`` (the only place the key is revealed)."""
        if self.authorization is None:
            return {}
        return {"authorization": self.authorization.get_secret_value()}


class CompoundTools(_Option):
    """Which tools a compound system may use (``web_search``, ``code_interpreter``,
    ``visit_website``, ``browser_automation``, ``wolfram_alpha``)."""

    enabled_tools: list[str] | None = None
    wolfram_settings: WolframSettings | None = None

    def to_wire(self) -> dict[str, Any]:
        """The JSON Groq expects (the Wolfram key revealed only here)."""
        wire: dict[str, Any] = {}
        if self.enabled_tools is not None:
            wire["enabled_tools"] = list(self.enabled_tools)
        if self.wolfram_settings is not None:
            wire["wolfram_settings"] = self.wolfram_settings.to_wire()
        return wire


class CompoundCustom(_Option):
    """Groq's ``compound_custom``: the models and tools of a compound system.

    ``CompoundCustom.of(answering_model=..., enabled_tools=["web_search"])`` builds the
    nested shape from flat arguments.
    """

    models: CompoundModels | None = None
    tools: CompoundTools | None = None

    @classmethod
    def of(
        cls,
        *,
        answering_model: str | None = None,
        reasoning_model: str | None = None,
        enabled_tools: Sequence[str] | None = None,
        wolfram_authorization: str | None = None,
    ) -> CompoundCustom:
        """The nested settings from flat arguments (unset ones are left out)."""
        models = None
        if answering_model is not None or reasoning_model is not None:
            models = CompoundModels(
                answering_model=answering_model, reasoning_model=reasoning_model
            )
        tools = None
        if enabled_tools is not None or wolfram_authorization is not None:
            wolfram = (
                None
                if wolfram_authorization is None
                else WolframSettings(authorization=SecretStr(wolfram_authorization))
            )
            tools = CompoundTools(
                enabled_tools=None if enabled_tools is None else list(enabled_tools),
                wolfram_settings=wolfram,
            )
        return cls(models=models, tools=tools)

    def to_wire(self) -> dict[str, Any]:
        """The JSON Groq expects."""
        wire: dict[str, Any] = {}
        if self.models is not None:
            wire["models"] = self.models.to_wire()
        if self.tools is not None:
            wire["tools"] = self.tools.to_wire()
        return wire


class Document(_Option):
    """A document the model answers from (Groq's ``documents``); cite it with
    ``citation_options="enabled"``. Build with ``Document.from_text(...)`` or
    ``Document.from_json(...)``."""

    source: dict[str, Any]
    id: str | None = None

    @classmethod
    def from_text(cls, text: str, *, id: str | None = None) -> Document:
        """A plain-text document: ``{"source": {"type": "text", "text": ...}}``."""
        return cls(source={"type": "text", "text": text}, id=id)

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, id: str | None = None) -> Document:
        """A JSON document: ``{"source": {"type": "json", "data": {...}}}``."""
        return cls(source={"type": "json", "data": dict(data)}, id=id)


def document_part(data: Mapping[str, Any], *, id: str | None = None) -> DocumentPart:
    """A document inside a user message: ``{"type": "document", "document": {...}}``.

    ``Message.human(["Summarise this:", document_part({...})])``.
    """
    return DocumentPart(data=dict(data), id=id)


class GroqOptions(_Option):
    """Groq-only request fields as one value, for one request:
    ``request.with_extra(**GroqOptions(search_settings=...).fields())``."""

    search_settings: SearchSettings | None = None
    compound_custom: CompoundCustom | None = None
    documents: list[Document] | None = None
    citation_options: CitationOptions | None = None
    disable_tool_validation: bool | None = None
    include_reasoning: bool | None = None

    def fields(self) -> dict[str, Any]:
        """The set fields, as typed values (``build_body`` turns them into JSON)."""
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if getattr(self, name) is not None
        }

    def to_wire(self) -> dict[str, Any]:
        """The set fields as JSON."""
        wire: dict[str, Any] = {}
        for name, value in self.fields().items():
            if isinstance(value, list):
                wire[name] = [v.to_wire() if isinstance(v, _Option) else v for v in value]
            elif isinstance(value, _Option):
                wire[name] = value.to_wire()
            else:
                wire[name] = value
        return wire
