"""Tools: definitions offered to the model, the model's calls, and streamed call fragments.

A tool is described by a JSON schema. Writing schemas by hand is error-prone, so
``ToolDefinition.from_function`` builds one from a typed Python function and
``ToolDefinition.from_model`` from a pydantic model; both use pydantic's own schema
generation, so what the model is told matches what validation accepts.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any, ClassVar, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator

from synaptic_core._fast import construct


@functools.cache  # compiled on first use: an import does not need it
def _tool_name() -> re.Pattern[str]:
    return re.compile(r"^[A-Za-z0-9_-]{1,64}$")


_EMPTY_PARAMETERS: dict[str, Any] = {"type": "object", "properties": {}}


def _check_tool_name(name: str) -> str:
    if not _tool_name().fullmatch(name):
        msg = (
            f"tool name {name!r} is invalid: use 1-64 characters from "
            "letters, digits, '_' and '-' (providers reject anything else)"
        )
        raise ValueError(msg)
    return name


def _doc_summary(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.split("\n\n", 1)[0].replace("\n", " ").strip()


def _clean_schema(schema: dict[str, Any]) -> dict[str, Any]:
    schema = dict(schema)
    schema.pop("title", None)
    schema.pop("description", None)
    schema.setdefault("properties", {})
    return schema


class BuiltinTool(BaseModel):
    """A tool the provider runs itself, offered next to function tools.

    Groq's ``browser_search`` and ``code_interpreter`` are built with
    ``synaptic_groq.browser_search()`` / ``code_interpreter()``; on the wire a built-in
    tool is ``{"type": type, **options}``. Its results come back in the response, not
    as tool calls for the caller to run.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    type: str
    options: dict[str, Any] = Field(default_factory=dict)

    @field_validator("type")
    @classmethod
    def _not_function(cls, value: str) -> str:
        if not value or value == "function":
            msg = (
                "a built-in tool needs its provider's tool type; "
                "describe functions with ToolDefinition"
            )
            raise ValueError(msg)
        return value

    def to_wire(self) -> dict[str, Any]:
        """``{"type": ..., **options}``."""
        return {"type": self.type, **self.options}


class ToolDefinition(BaseModel):
    """A tool the model may call: a name, what it does, and its parameters' JSON schema."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    name: str
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: dict(_EMPTY_PARAMETERS))
    strict: bool | None = None

    @field_validator("name")
    @classmethod
    def _valid_name(cls, value: str) -> str:
        return _check_tool_name(value)

    @classmethod
    def from_function(
        cls,
        func: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> ToolDefinition:
        """Describe a typed function: its name, its docstring's first paragraph, and a
        schema of its parameters (defaults make a parameter optional).

        Every parameter needs a type annotation: the model can only be told what the
        annotation says, so a missing one is an error rather than a silent ``Any``.
        """
        signature = inspect.signature(func)
        hints = get_type_hints(func, include_extras=True)
        fields: dict[str, Any] = {}
        for param in signature.parameters.values():
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                msg = f"tool function {func.__name__!r}: *args/**kwargs cannot be described"
                raise TypeError(msg)
            if param.name not in hints:
                msg = (
                    f"tool function {func.__name__!r}: parameter {param.name!r} "
                    "needs a type annotation"
                )
                raise TypeError(msg)
            default = ... if param.default is param.empty else param.default
            fields[param.name] = (hints[param.name], default)
        args_model = create_model(f"{func.__name__}_args", **fields)
        return cls(
            name=name or func.__name__,
            description=_doc_summary(func) if description is None else description,
            parameters=_clean_schema(args_model.model_json_schema()),
        )

    @classmethod
    def from_model(
        cls,
        model: type[BaseModel],
        *,
        name: str | None = None,
        description: str | None = None,
    ) -> ToolDefinition:
        """Describe a tool whose arguments are the fields of a pydantic model.

        The name defaults to the class name and the description to its docstring.
        """
        return cls(
            name=name or model.__name__,
            description=_doc_summary(model) if description is None else description,
            parameters=_clean_schema(model.model_json_schema()),
        )


class ToolChoice(BaseModel):
    """Whether and which tool the model must call.

    ``ToolChoice.AUTO`` (the model decides), ``ToolChoice.NONE`` (no tool),
    ``ToolChoice.REQUIRED`` (some tool), ``ToolChoice.function("name")`` (that tool).
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    mode: Literal["auto", "none", "required", "function"]
    function_name: str | None = None

    AUTO: ClassVar[ToolChoice]
    NONE: ClassVar[ToolChoice]
    REQUIRED: ClassVar[ToolChoice]

    @classmethod
    def function(cls, name: str) -> ToolChoice:
        """Force a call to the tool called ``name``."""
        return cls(mode="function", function_name=_check_tool_name(name))

    def __repr__(self) -> str:
        if self.mode == "function":
            return f"ToolChoice.function({self.function_name!r})"
        return f"ToolChoice.{self.mode.upper()}"


# Built without validation: validating at import would build pydantic's schema early.
ToolChoice.AUTO = construct(ToolChoice, {"mode": "auto", "function_name": None})
ToolChoice.NONE = construct(ToolChoice, {"mode": "none", "function_name": None})
ToolChoice.REQUIRED = construct(ToolChoice, {"mode": "required", "function_name": None})


class ToolCall(BaseModel):
    """A complete tool call from the model, with its arguments parsed to a dict."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class InvalidToolCall(BaseModel):
    """A tool call that could not be used as is: its raw ``arguments`` text and why."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    id: str | None = None
    name: str | None = None
    arguments: str = ""
    error: str


class ToolCallChunk(BaseModel):
    """A fragment of a streamed tool call. Fragments with the same ``index`` belong to
    one call: ``id`` and ``name`` usually come in the first, ``arguments`` is text to be
    concatenated and parsed once the call is complete.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""
