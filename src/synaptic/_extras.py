"""A missing extra is an ImportError that says what to install, not a bare module name."""

from __future__ import annotations

from synaptic_core._install import install_hint


def missing_extra(module: str, extra: str, cause: ImportError) -> ImportError:
    """The error to raise when ``module`` (a provider package) is not installed."""
    error = ImportError(
        f"synaptic.{extra} needs the {extra!r} extra ({module} is not installed): "
        f"{install_hint(extra)}",
        name=module,
    )
    error.__cause__ = cause
    return error
