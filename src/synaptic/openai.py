"""The openai provider (``synaptic_openai``), the ``[openai]`` extra (README: Install)."""

from synaptic._extras import missing_extra

try:
    from synaptic_openai import *  # type: ignore[import-not-found,unused-ignore]  # noqa: F403
    from synaptic_openai import __all__ as __all__  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0414 (explicit re-export)
except ImportError as _exc:
    if _exc.name != "synaptic_openai":
        raise
    raise missing_extra("synaptic_openai", "openai", _exc) from None
