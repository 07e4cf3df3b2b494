"""synaptic: one clean, fast, honest Python interface to LLM providers.

``synaptic.load_chat_model("groq:openai/gpt-oss-120b")`` builds a model by name;
``synaptic.core`` and ``synaptic.models`` hold the provider-neutral API, and
``synaptic.groq`` / ``synaptic.openai`` the providers (installed with the ``groq`` and
``openai`` extras); ``synaptic.open_batch`` runs a file of batch lines (``synaptic.batch``).
Importing ``synaptic`` imports no provider and no httpx.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from synaptic.batch import open_batch, read_batch_output
    from synaptic_core import (
        available_providers,
        load_chat_model,
        load_speech_model,
        load_transcription_model,
    )

__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Lazy: the registry and config loader are only needed by name-based loading.
    if name in (
        "available_providers",
        "load_chat_model",
        "load_speech_model",
        "load_transcription_model",
    ):
        import synaptic_core  # noqa: PLC0415

        return getattr(synaptic_core, name)
    if name in ("open_batch", "read_batch_output"):
        from synaptic import batch  # noqa: PLC0415

        return getattr(batch, name)
    msg = f"module 'synaptic' has no attribute {name!r}"
    raise AttributeError(msg)


__all__ = [
    "__version__",
    "available_providers",
    "load_chat_model",
    "load_speech_model",
    "load_transcription_model",
    "open_batch",
    "read_batch_output",
]
