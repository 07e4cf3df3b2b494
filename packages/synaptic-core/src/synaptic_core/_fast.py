"""Building models from values that are already the right types, without validation.

Parsers on the hot path (one chunk per streamed token) produce values they have already
checked; re-validating them through pydantic would cost more than the parsing itself.
``construct`` builds the same object the validated constructor would (a test compares
them field by field for every model it is used on), but only for trusted values, and
only when *every* field is given.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

ModelT = TypeVar("ModelT", bound=BaseModel)
_set = object.__setattr__


def construct(cls: type[ModelT], values: dict[str, Any]) -> ModelT:
    """An instance of ``cls`` holding ``values`` (all fields, already valid), unchecked."""
    instance = cls.__new__(cls)
    _set(instance, "__dict__", values)
    _set(instance, "__pydantic_fields_set__", set(values))
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance
