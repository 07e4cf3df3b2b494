"""A missing extra is an ImportError that says what to install, not a bare module name."""

from __future__ import annotations


def missing_extra(module: str, extra: str, cause: ImportError) -> ImportError:
    """The error to raise when ``module`` (a provider package) is not installed."""
    error = ImportError(
        f'synaptic.{extra} needs the {extra!r} extra: pip install "synaptic[{extra}]" '
        f'(or uv add "synaptic[{extra}]"); {module} is not installed',
        name=module,
    )
    error.__cause__ = cause
    return error
