"""How to install a missing part: from a checkout, because the package index's
``synaptic`` and ``synaptic-core`` are unrelated projects (README: Install). One
wording for every error that says what to install."""

from __future__ import annotations

_PACKAGES = {
    "groq": ("synaptic-core", "synaptic-openai", "synaptic-groq"),
    "openai": ("synaptic-core", "synaptic-openai"),
    "redis": ("synaptic-core", "synaptic-redis"),
    "otel": ("synaptic-core", "synaptic-otel"),
}


def install_hint(extra: str) -> str:
    """``install it from a checkout: python -m pip install ./packages/... "./[EXTRA]" ...``."""
    paths = " ".join(f"./packages/{name}" for name in _PACKAGES.get(extra, ("synaptic-core",)))
    return (
        f'install it from a checkout: python -m pip install {paths} "./[{extra}]" '
        "(README: Install; the index's synaptic is another project)"
    )
