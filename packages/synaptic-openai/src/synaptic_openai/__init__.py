"""synaptic-openai: the OpenAI-compatible chat-completions wire format over HTTP.

``OpenAIChatModel(OpenAIConfig(key, "gpt-4o-mini"))`` talks to OpenAI; with another
``base_url`` (and ``dialect=OPENAI_COMPATIBLE``) to vLLM, llama.cpp, Ollama and the like.
The pure pieces (request building, response parsing, the SSE decoder, stream assembly)
are public so other OpenAI-style providers (``synaptic_groq``) reuse them.
"""

from typing import TYPE_CHECKING

from synaptic_core import lazy_names
from synaptic_openai._config import (
    DEFAULT_BASE_URL,
    UNSET,
    ChatConfig,
    OpenAIConfig,
    config_error,
)
from synaptic_openai._dialect import OPENAI, OPENAI_COMPATIBLE, Dialect
from synaptic_openai._model import OpenAIChatModel
from synaptic_openai._request import (
    build_body,
    message_to_wire,
    response_format_to_wire,
    tool_choice_to_wire,
    tool_to_wire,
)
from synaptic_openai._response import parse_chat_response, parse_tool_calls, parse_usage
from synaptic_openai._sse import SSEDecoder, SSEEvent, aiter_events, iter_events
from synaptic_openai._stream import StreamAssembler

__version__ = "0.1.0"

if TYPE_CHECKING:
    from synaptic_openai._audio_model import OpenAISpeechModel, OpenAITranscriptionModel
    from synaptic_openai._settings import ChatSettings


# Profile settings are only needed by name-based loading, and they pull in the provider
# registry (pluggy): not at import time.
# Audio loads on first use too: a program that only chats never imports it.
__getattr__ = lazy_names(
    "synaptic_openai",
    {
        "ChatSettings": "synaptic_openai._settings",
        "OpenAISpeechModel": "synaptic_openai._audio_model",
        "OpenAITranscriptionModel": "synaptic_openai._audio_model",
    },
    globals(),
)


__all__ = [
    "DEFAULT_BASE_URL",
    "OPENAI",
    "OPENAI_COMPATIBLE",
    "UNSET",
    "ChatConfig",
    "ChatSettings",
    "Dialect",
    "OpenAIChatModel",
    "OpenAIConfig",
    "OpenAISpeechModel",
    "OpenAITranscriptionModel",
    "SSEDecoder",
    "SSEEvent",
    "StreamAssembler",
    "__version__",
    "aiter_events",
    "build_body",
    "config_error",
    "iter_events",
    "message_to_wire",
    "parse_chat_response",
    "parse_tool_calls",
    "parse_usage",
    "response_format_to_wire",
    "tool_choice_to_wire",
    "tool_to_wire",
]
