"""synaptic: one clean, fast, honest Python interface to LLM providers.

``synaptic.load_chat_model("groq:openai/gpt-oss-120b")`` builds a model by name;
``synaptic.core`` and ``synaptic.models`` hold the provider-neutral API, and
``synaptic.groq`` / ``synaptic.openai`` the providers (installed with the ``groq`` and
``openai`` extras). Importing ``synaptic`` imports no provider and no httpx.
"""

from synaptic_core import available_providers, load_chat_model

__version__ = "0.1.0"

__all__ = ["__version__", "available_providers", "load_chat_model"]
