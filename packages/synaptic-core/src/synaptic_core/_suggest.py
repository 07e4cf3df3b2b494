"""One "did you mean" for every misspelt name: providers, settings, options, fields."""

from __future__ import annotations

from collections.abc import Iterable


def suggest(name: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest choices, or ``""``."""
    import difflib  # noqa: PLC0415 (only on the error path)

    close = difflib.get_close_matches(name, list(choices), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean " + " or ".join(repr(c) for c in close) + "?)"
