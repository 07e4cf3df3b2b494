"""The groq provider (``synaptic_groq``), the ``[groq]`` extra (README: Install).

Every public name of ``synaptic_groq``, loaded when ``synaptic_groq`` loads it (its
typed answer extras on first use), so ``from synaptic.groq import GroqChatModel`` stays
a fast import.
"""

from typing import TYPE_CHECKING, Any

from synaptic._extras import missing_extra

if TYPE_CHECKING:
    from synaptic_groq import *  # noqa: F403
    from synaptic_groq import __all__ as __all__  # noqa: PLC0414 (explicit re-export)
else:
    try:
        import synaptic_groq as _groq
    except ImportError as _exc:
        if _exc.name != "synaptic_groq":
            raise
        raise missing_extra("synaptic_groq", "groq", _exc) from None

    __all__ = list(_groq.__all__)

    def __getattr__(name: str) -> Any:
        if name in __all__:
            value = getattr(_groq, name)
            globals()[name] = value
            return value
        msg = f"module 'synaptic.groq' has no attribute {name!r}"
        raise AttributeError(msg)

    def __dir__() -> list[str]:
        return sorted({*globals(), *__all__})
