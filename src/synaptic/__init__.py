"""synaptic: one clean, fast, honest Python interface to LLM providers.

The facade (``synaptic.core``, ``synaptic.models``, ``synaptic.groq``,
``load_chat_model``) grows with the provider packages; the provider-neutral pieces
live in ``synaptic_core``.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
