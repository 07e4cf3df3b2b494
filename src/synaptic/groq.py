"""The groq provider (``synaptic_groq``), installed with ``pip install "synaptic[groq]"``."""

from synaptic._extras import missing_extra

try:
    from synaptic_groq import *  # type: ignore[import-not-found,unused-ignore]  # noqa: F403
    from synaptic_groq import __all__ as __all__  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0414 (explicit re-export)
except ImportError as _exc:
    if _exc.name != "synaptic_groq":
        raise
    raise missing_extra("synaptic_groq", "groq", _exc) from None
