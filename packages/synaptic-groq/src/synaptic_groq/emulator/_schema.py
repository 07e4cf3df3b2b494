"""Instances of JSON schemas, generated within fixed bounds.

The emulator answers structured-output requests (``response_format`` ``json_schema``)
and forced tool calls with the smallest deterministic instance valid against the
schema. A schema decides how big that instance is (``minItems: 10000000``, a huge
``minLength``, nested arrays that multiply, a ``$ref`` to itself), so a 250-byte request
could once hold the event loop for 23 s and take 1 GB. Generation now works within a
budget, per answer:

- at most ``MAX_VALUES`` (10,000) JSON values in all (array items, properties, scalars);
- at most ``MAX_CHARS`` (1,000,000) characters of strings, ``const`` and ``enum`` values
  (the plain string value is a word of the prompt, at most 64 characters);
- at most ``MAX_DEPTH`` (32) levels of nesting (objects, arrays, ``$ref``, ``anyOf``...).

A schema whose smallest valid instance does not fit is refused with ``SchemaError``
(the emulator answers 400 ``invalid_request_error``, ``param`` ``response_format`` or
``tools``) rather than answered with an instance that breaks the schema: a real model
could not produce it within its output limit either, and an answer that silently
violated ``minItems`` would be a lie a test might build on. Checks come before work
(``minItems`` is compared with what is left of the budget before any item is made), so
a refusal costs microseconds. Keywords of the wrong type (``"minItems": "many"``, an
``enum`` that is not a list) are ``SchemaError`` too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import partial
from typing import Any

MAX_VALUES = 10_000
MAX_CHARS = 1_000_000
MAX_DEPTH = 32
_MAX_REF_HOPS = 32


class SchemaError(ValueError):
    """A schema the emulator cannot answer within its bounds, or a malformed one."""


class _Budget:
    """What is left for one answer."""

    __slots__ = ("chars", "values")

    def __init__(self) -> None:
        self.values = MAX_VALUES
        self.chars = MAX_CHARS

    def check_values(self, count: int) -> None:
        """Refuse now if ``count`` more values cannot fit (before any is made)."""
        if count > self.values:
            msg = (
                f"the schema's smallest valid instance has more than {MAX_VALUES} values; "
                "the emulator generates at most that many"
            )
            raise SchemaError(msg)

    def take_value(self) -> None:
        self.check_values(1)
        self.values -= 1

    def take_chars(self, count: int) -> None:
        if count > self.chars:
            msg = (
                f"the schema's smallest valid instance has more than {MAX_CHARS} "
                "characters of strings and constants; the emulator generates at most that many"
            )
            raise SchemaError(msg)
        self.chars -= count


def _count(schema: dict[str, Any], key: str, default: int) -> int:
    value = schema.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        msg = f"'{key}' must be a non-negative integer, not {value!r}"
        raise SchemaError(msg)
    if not math.isfinite(value):
        msg = f"'{key}' must be finite"
        raise SchemaError(msg)
    return int(value)


def _number(schema: dict[str, Any], key: str) -> float | int | None:
    value = schema.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        msg = f"'{key}' must be a finite number, not {value!r}"
        raise SchemaError(msg)
    return value


def _first_type(types: list[Any]) -> Any:
    """The type an instance takes from a list of types: the first that is not null."""
    return next((k for k in types if k != "null"), "null")


def _options(schema: dict[str, Any], key: str) -> list[Any]:
    options = schema.get(key, [])
    if not isinstance(options, list):
        msg = f"'{key}' must be a list of schemas"
        raise SchemaError(msg)
    return options


def schema_instance(schema: Any, text: Callable[[], str]) -> Any:
    """A deterministic instance valid against a (strict) JSON schema, within the
    module's bounds: every required property and no other, enums, consts, nested objects
    and arrays, ``$defs`` / ``$ref``. ``text()`` gives a plausible string value."""
    root = schema if isinstance(schema, dict) else {}
    return _Generator(root, text).instance(schema, 0)


class _Generator:
    """One answer's generation: the schema's root (for ``$ref``), the budget."""

    def __init__(self, root: dict[str, Any], text: Callable[[], str]) -> None:
        self.root = root
        self.budget = _Budget()
        self._text = text
        self._string: str | None = None
        self._sizes: dict[int, int] = {}
        self._refs: dict[str, Any] = {}
        self._memo: dict[tuple[int, str], Any] = {}

    def string(self) -> str:
        if self._string is None:
            self._string = self._text()
        return self._string

    def resolve(self, schema: Any) -> Any:
        """``schema`` with a local ``$ref`` (``#/$defs/X``, ``#/definitions/X``) followed;
        each reference is walked once per answer."""
        hops = 0
        while isinstance(schema, dict) and "$ref" in schema:
            if hops >= _MAX_REF_HOPS:
                msg = f"'$ref' chains longer than {_MAX_REF_HOPS} are not followed"
                raise SchemaError(msg)
            ref = str(schema["$ref"])
            if ref not in self._refs:
                target: Any = self.root
                for part in ref.removeprefix("#/").split("/") if ref.startswith("#/") else []:
                    target = target.get(part, {}) if isinstance(target, dict) else {}
                self._refs[ref] = target
            schema, hops = self._refs[ref], hops + 1
        return schema

    def once(self, schema: dict[str, Any], what: str, make: Callable[[], Any]) -> Any:
        """``make()`` for this schema object, computed once per answer. Why: a keyword's
        cost (a long ``anyOf``, ``allOf`` or ``type`` list) would otherwise be paid again
        for each of up to ``MAX_VALUES`` values generated from it."""
        key = (id(schema), what)
        if key not in self._memo:
            self._memo[key] = make()
        return self._memo[key]

    def _choice(self, schema: dict[str, Any], key: str) -> dict[str, Any] | None:
        options = [self.resolve(o) for o in _options(schema, key)]
        options = [o for o in options if isinstance(o, dict)]
        return next((o for o in options if o.get("type") != "null"), None) or next(
            iter(options), None
        )

    def _merged(self, schema: dict[str, Any]) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for option in _options(schema, "allOf"):
            part = self.resolve(option)
            if not isinstance(part, dict):
                msg = "'allOf' must be a list of schemas"
                raise SchemaError(msg)
            merged.update(part)
        return merged

    def instance(self, schema: Any, depth: int) -> Any:  # noqa: PLR0912 (one branch per keyword)
        if depth > MAX_DEPTH:
            msg = f"the schema nests deeper than {MAX_DEPTH} levels; the emulator stops there"
            raise SchemaError(msg)
        schema = self.resolve(schema)
        if not isinstance(schema, dict):
            self.budget.take_value()
            return self._plain_string(0)
        if "const" in schema:
            self.budget.take_value()
            return self._charged(schema["const"])
        enum = schema.get("enum")
        if enum:
            if not isinstance(enum, list):
                msg = "'enum' must be a list"
                raise SchemaError(msg)
            self.budget.take_value()
            return self._charged(enum[0])
        for key in ("anyOf", "oneOf"):  # combinators make no value of their own
            if key in schema:
                choice = self.once(schema, key, partial(self._choice, schema, key))
                if choice is not None:
                    return self.instance(choice, depth + 1)
        if schema.get("allOf"):
            merged = self.once(schema, "allOf", lambda: self._merged(schema))
            return self.instance(merged, depth + 1)
        self.budget.take_value()
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = self.once(schema, "type", partial(_first_type, kind))
        if kind == "null":
            return None
        if kind == "integer":
            minimum = _number(schema, "minimum")
            if minimum is not None:
                return math.ceil(minimum)
            exclusive = _number(schema, "exclusiveMinimum")
            return math.floor(exclusive) + 1 if exclusive is not None else 1
        if kind == "number":
            minimum = _number(schema, "minimum")
            return float(minimum) if minimum is not None else 1.0
        if kind == "boolean":
            return True
        if kind == "array":
            count = max(1, _count(schema, "minItems", 1))
            self.budget.check_values(count)  # before any item is made
            items = schema.get("items", {})
            return [self.instance(items, depth + 1) for _ in range(count)]
        if kind == "object" or "properties" in schema:
            return self._object(schema, depth)
        return self._plain_string(_count(schema, "minLength", 0))

    def _object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties", {})
        if not isinstance(properties, dict):
            msg = "'properties' must be an object"
            raise SchemaError(msg)
        wanted = schema.get("required", list(properties))
        if not isinstance(wanted, list):
            msg = "'required' must be a list of property names"
            raise SchemaError(msg)
        self.budget.check_values(len(wanted))  # before the names are checked: bounded work
        if not all(isinstance(n, str) for n in wanted):
            msg = "'required' must be a list of property names"
            raise SchemaError(msg)
        return {name: self.instance(properties.get(name, {}), depth + 1) for name in wanted}

    def _charged(self, value: Any) -> Any:
        """A ``const`` / ``enum`` value, its size taken from the budget (a 1 MB constant
        repeated by ``minItems`` would otherwise multiply)."""
        if isinstance(value, str):
            self.budget.take_chars(len(value))
        elif isinstance(value, dict | list):
            size = self._sizes.get(id(value))
            if size is None:
                size = self._sizes[id(value)] = len(json.dumps(value))
            self.budget.take_chars(size)
        return value

    def _plain_string(self, minimum: int) -> str:
        text = self.string()
        self.budget.take_chars(max(minimum, len(text)))
        if len(text) >= minimum:
            return text
        return text + "x" * (minimum - len(text))
