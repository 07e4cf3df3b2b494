"""synaptic-groq: Groq, the first OpenAI-compatible dialect synaptic serves.

``GroqChatModel(GroqConfig("gsk_...", GroqModel.GPT_OSS_120B))``: chat, streaming, tools,
structured output, reasoning, typed rate limits, and a dated model catalog.
"""

from synaptic_groq._catalog import (
    CATALOG,
    CATALOG_DATE,
    DecommissionedModelWarning,
    Lifecycle,
    ModelInfo,
    live_replacement,
    model_info,
)
from synaptic_groq._config import API_KEY_ENV, BASE_URL_ENV, DEFAULT_BASE_URL, GroqConfig
from synaptic_groq._model import GROQ, GroqChatModel, parse_model_entry
from synaptic_groq._models import GroqModel

__version__ = "0.1.0"

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "CATALOG",
    "CATALOG_DATE",
    "DEFAULT_BASE_URL",
    "GROQ",
    "DecommissionedModelWarning",
    "GroqChatModel",
    "GroqConfig",
    "GroqModel",
    "Lifecycle",
    "ModelInfo",
    "__version__",
    "live_replacement",
    "model_info",
    "parse_model_entry",
]
