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
from fractions import Fraction
from functools import partial
from typing import Any

MAX_VALUES = 10_000
MAX_CHARS = 1_000_000
MAX_DEPTH = 32
_MAX_REF_HOPS = 32


class SchemaError(ValueError):
    """A schema the emulator cannot answer within its bounds, or a malformed one."""


class _TooLargeError(SchemaError):
    """The instance would not fit the budget (an optional part is then left out)."""


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
            raise _TooLargeError(msg)

    def take_value(self) -> None:
        self.check_values(1)
        self.values -= 1

    def take_chars(self, count: int) -> None:
        if count > self.chars:
            msg = (
                f"the schema's smallest valid instance has more than {MAX_CHARS} "
                "characters of strings and constants; the emulator generates at most that many"
            )
            raise _TooLargeError(msg)
        self.chars -= count


_MAX_NUMBER = 1e300  # a keyword's magnitude past this is refused (no float overflow)


def _finite(value: Any) -> bool:
    """A JSON number the emulator can compute with: not a bool, not ``inf``/``nan``
    (``1e999`` parses as ``inf``), and no integer literal too large for a float (``1``
    and 400 zeros made ``math.isfinite`` raise ``OverflowError``: a 500)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return -_MAX_NUMBER <= value <= _MAX_NUMBER  # exact for ints; false for inf and nan


def _count(schema: dict[str, Any], key: str, default: int) -> int:
    value = schema.get(key, default)
    if not _finite(value) or value < 0:
        msg = f"'{key}' must be a finite non-negative integer, not {_shown(value)}"
        raise SchemaError(msg)
    return int(value)


def _number(schema: dict[str, Any], key: str) -> float | int | None:
    value = schema.get(key)
    if value is None:
        return None
    if not _finite(value):
        msg = f"'{key}' must be a finite number of at most {_MAX_NUMBER:g}, not {_shown(value)}"
        raise SchemaError(msg)
    return value  # type: ignore[no-any-return]


def _shown(value: Any) -> str:
    """``repr`` cut short: a 400-digit literal is not echoed whole."""
    text = repr(value) if not isinstance(value, int) or abs(value) < 10**30 else "a huge integer"
    return text if len(text) <= 40 else text[:37] + "..."


def _upper_lower(schema: dict[str, Any]) -> tuple[Any, bool, Any, bool]:
    """``(low, low_exclusive, high, high_exclusive)``; draft 4's boolean
    ``exclusiveMinimum``/``exclusiveMaximum`` modify ``minimum``/``maximum``."""
    bounds: list[Any] = []
    for inclusive, exclusive, sign in (
        ("minimum", "exclusiveMinimum", 1),
        ("maximum", "exclusiveMaximum", -1),
    ):
        value, strict = _number(schema, inclusive), False
        flag = schema.get(exclusive)
        if isinstance(flag, bool):
            strict = flag and value is not None
        else:
            other = _number(schema, exclusive)
            if other is not None and (value is None or sign * (other - value) >= 0):
                value, strict = other, True
        bounds += [value, strict]
    return bounds[0], bounds[1], bounds[2], bounds[3]


def _integer_bounds(schema: dict[str, Any]) -> tuple[int | None, int | None]:
    low, low_strict, high, high_strict = _upper_lower(schema)
    if low is not None:
        low = math.floor(low) + 1 if low_strict else math.ceil(low)
    if high is not None:
        high = math.ceil(high) - 1 if high_strict else math.floor(high)
    return low, high


def _multiple(schema: dict[str, Any]) -> float | int | None:
    step = _number(schema, "multipleOf")
    if step is not None and step <= 0:
        msg = f"'multipleOf' must be greater than 0, not {_shown(step)}"
        raise SchemaError(msg)
    return step


def _integer_step(schema: dict[str, Any]) -> int:
    """The smallest positive integer that is a multiple of ``multipleOf`` (1 without)."""
    step = _multiple(schema)
    return 1 if step is None else Fraction(step).numerator


def _integer(schema: dict[str, Any]) -> int:
    low, high = _integer_bounds(schema)
    step = _integer_step(schema)
    if low is not None:
        value = -(-low // step) * step
    elif high is None or high >= step:
        value = step
    else:
        value = (high // step) * step
    if high is not None and value > high:
        msg = "no integer satisfies the schema's bounds and 'multipleOf'"
        raise SchemaError(msg)
    return value


def _float(schema: dict[str, Any]) -> float:
    low, low_strict, high, high_strict = _upper_lower(schema)
    step = _multiple(schema)
    if step is not None:
        start = low if low is not None else (step if high is None or high >= step else high)
        value = math.ceil(start / step) * step
        if low is not None and low_strict and value <= low:
            value += step
        if low is None and high is not None and value > high:
            value = math.floor(high / step) * step
        if high is not None and high_strict and value >= high:
            value -= step
        candidate = float(value)
    else:
        candidate = 1.0
        if low is not None and (candidate < low or (low_strict and candidate <= low)):
            candidate = (
                float(low)
                if not low_strict
                else float(low + 1 if high is None else (low + high) / 2)
            )
        if high is not None and (candidate > high or (high_strict and candidate >= high)):
            candidate = (
                float(high)
                if not high_strict
                else float(high - 1 if low is None else (low + high) / 2)
            )
    fits_low = low is None or candidate > low or (not low_strict and candidate == low)
    fits_high = high is None or candidate < high or (not high_strict and candidate == high)
    if not (fits_low and fits_high):
        msg = "no number satisfies the schema's bounds and 'multipleOf'"
        raise SchemaError(msg)
    return candidate


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
                self._refs[ref] = self._target(ref)
            schema, hops = self._refs[ref], hops + 1
        return schema

    def _target(self, ref: str) -> Any:
        """The part of the root a local ``$ref`` (a JSON pointer) names."""
        if ref != "#" and not ref.startswith("#/"):
            msg = f"remote $ref is not supported: {ref[:80]!r} (only '#/...' within the schema)"
            raise SchemaError(msg)
        target: Any = self.root
        for part in ref[2:].split("/") if ref != "#" else []:
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            elif isinstance(target, dict) and key in target:
                target = target[key]
            else:
                msg = f"'$ref' target {ref[:80]!r} is not in the schema"
                raise SchemaError(msg)
        return target

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
            raise _TooLargeError(msg)
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
            return _integer(schema)
        if kind == "number":
            return _float(schema)
        if kind == "boolean":
            return True
        if kind == "array":
            return self._array(schema, depth)
        if kind == "object" or "properties" in schema:
            return self._object(schema, depth)
        return self._bounded_string(schema)

    def _bounded_string(self, schema: dict[str, Any]) -> str:
        if "pattern" in schema:
            msg = "the emulator cannot generate strings for 'pattern'; leave it out or use 'enum'"
            raise SchemaError(msg)
        minimum = _count(schema, "minLength", 0)
        maximum = _count(schema, "maxLength", MAX_CHARS) if "maxLength" in schema else None
        if maximum is not None and maximum < minimum:
            msg = f"no string satisfies 'minLength' {minimum} and 'maxLength' {maximum}"
            raise SchemaError(msg)
        text = self._plain_string(minimum)
        return text if maximum is None else text[:maximum]

    def _array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        count = _count(schema, "minItems", 1)
        if "maxItems" in schema:
            maximum = _count(schema, "maxItems", 0)
            if maximum < count:
                msg = f"no array satisfies 'minItems' {count} and 'maxItems' {maximum}"
                raise SchemaError(msg)
            count = min(max(1, count), maximum)
        else:
            count = max(1, count)
        self.budget.check_values(count)  # before any item is made
        items = schema.get("items", {})
        if schema.get("uniqueItems") is True and count > 1:
            return self._unique(items, count, depth)
        return [self.instance(items, depth + 1) for _ in range(count)]

    def _unique(self, items: Any, count: int, depth: int) -> list[Any]:
        """``count`` distinct items: enum values, both booleans, or consecutive integers."""
        resolved = self.resolve(items)
        if not isinstance(resolved, dict):
            resolved = {}
        enum = resolved.get("enum")
        kind = resolved.get("type")
        if isinstance(enum, list) and enum:
            distinct: list[Any] = []
            for value in enum[: count * 4]:  # bounded: count is within the budget
                if value not in distinct:
                    distinct.append(value)
                if len(distinct) == count:
                    break
            choices = distinct
        elif kind == "boolean" and "const" not in resolved:
            choices = [True, False]
        elif kind == "integer" and "const" not in resolved:
            first = self.instance(resolved, depth + 1)
            step = _integer_step(resolved)
            _, high = _integer_bounds(resolved)
            choices = [first + step * n for n in range(count)]
            if high is not None and choices[-1] > high:
                choices = []
        else:
            msg = "the emulator cannot generate unique items for this 'items' schema"
            raise SchemaError(msg)
        if len(choices) < count:
            msg = f"no array has {count} unique items of this 'items' schema"
            raise SchemaError(msg)
        for value in choices[:count]:
            self.budget.take_value()
            self._charged(value)
        return choices[:count]

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
        least = _count(schema, "minProperties", 0)
        most = _count(schema, "maxProperties", 0) if "maxProperties" in schema else None
        required = "required" in schema
        if most is not None and (most < least or (required and len(set(wanted)) > most)):
            msg = "no object satisfies the schema's 'required', 'minProperties', 'maxProperties'"
            raise SchemaError(msg)
        self.budget.check_values(least)
        made: dict[str, Any] = {}
        if required:
            for name in wanted:
                made[name] = self.instance(properties.get(name, {}), depth + 1)
        for name in wanted if not required else properties:  # optional ones, while wanted
            if name in made or (required and len(made) >= least):
                continue
            if most is not None and len(made) >= most:
                break
            self._optional(made, name, properties[name], depth)
        if len(made) < least:
            self._generic(made, schema, least, depth)
        return made

    def _optional(self, made: dict[str, Any], name: str, schema: Any, depth: int) -> None:
        """Add an optional property, or leave it out if it does not fit the budget."""
        values, chars = self.budget.values, self.budget.chars
        try:
            made[name] = self.instance(schema, depth + 1)
        except _TooLargeError:
            self.budget.values, self.budget.chars = values, chars

    def _generic(
        self, made: dict[str, Any], schema: dict[str, Any], least: int, depth: int
    ) -> None:
        """Properties not named by the schema, up to ``minProperties``, if it allows them."""
        extra = schema.get("additionalProperties", {})
        if extra is False or "patternProperties" in schema or "propertyNames" in schema:
            msg = f"the emulator cannot make the {least} properties 'minProperties' asks for"
            raise SchemaError(msg)
        value_schema = {} if extra is True else extra
        number = 0
        while len(made) < least:
            number += 1
            name = f"property_{number}"
            if name not in made and name not in schema.get("properties", {}):
                made[name] = self.instance(value_schema, depth + 1)

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
