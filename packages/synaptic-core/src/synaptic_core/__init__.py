"""synaptic-core: the provider-neutral half of synaptic.

Messages, requests, responses, stream chunks, tools, the ``ChatModel`` base, the error
hierarchy, ``RetryChatModel`` and ``FallbackChatModel``, the transports (``HttpBackend``,
``FakeBackend``), the provider registry (pluggy) and ``load_chat_model``.
Importing this package imports neither httpx nor any provider.
"""

from typing import TYPE_CHECKING

from synaptic_core._backend import (
    Backend,
    HttpRequest,
    HttpResponse,
    StreamResponse,
    SyncStreamResponse,
)
from synaptic_core._builders import SamplingBuilders
from synaptic_core._chat_model import ChatModel, model_chain, response_to_chunk
from synaptic_core._errors import (
    AuthenticationError,
    BadRequestError,
    CapacityExceededError,
    ConfigError,
    ContextLengthExceededError,
    InputError,
    InsecureTransportWarning,
    JsonValidateFailedError,
    ModelDecommissionedError,
    ModelNotFoundError,
    ModelRetiredError,
    NetworkError,
    NotFoundError,
    ParseError,
    PermissionDeniedError,
    RateLimitError,
    RedirectError,
    RequestTimeoutError,
    RequestTooLargeError,
    ResponseTooLargeError,
    ServerError,
    StreamError,
    StructuredOutputError,
    SynapticError,
    ToolUseFailedError,
    build_error,
    error_class_for,
    error_from_response,
    redact,
    retype_error,
    truncate,
    unencodable_text_error,
)
from synaptic_core._fast import construct
from synaptic_core._http_backend import HttpBackend
from synaptic_core._lazy import lazy_names
from synaptic_core._merger import ChunkMerger
from synaptic_core._messages import (
    AIMessage,
    AnyMessage,
    ContentPart,
    DocumentPart,
    HumanMessage,
    ImagePart,
    Message,
    SystemMessage,
    TextPart,
    ToolMessage,
)
from synaptic_core._ratelimit import RateLimitInfo, parse_go_duration, parse_retry_after
from synaptic_core._request import (
    ChatInput,
    ChatRequest,
    ResponseFormat,
    strict_json_schema,
    to_request,
)
from synaptic_core._response import (
    AIMessageChunk,
    ChatResponse,
    chunk_of,
    merge_metadata,
    merge_tool_call_chunks,
    parse_tool_call,
)
from synaptic_core._secrets import remember as remember_secret
from synaptic_core._secrets import scrub as scrub_secrets
from synaptic_core._tools import (
    BuiltinTool,
    InvalidToolCall,
    ToolCall,
    ToolCallChunk,
    ToolChoice,
    ToolDefinition,
)
from synaptic_core._usage import TokenUsage

if TYPE_CHECKING:
    from synaptic_core._fake_backend import FakeBackend, FakeBackendExhaustedError
    from synaptic_core._fallback import AllModelsFailedError, FallbackChatModel
    from synaptic_core._hooks import Provider, ProviderSettings, hookimpl, hookspec
    from synaptic_core._loader import load_chat_model, load_speech_model, load_transcription_model
    from synaptic_core._logging import get_logger
    from synaptic_core._registry import ProviderRegistry, available_providers, default_registry
    from synaptic_core._retry import (
        RetryChatModel,
        RetryConfig,
        RetryDecision,
        RetryEvent,
        backoff_delay,
        decide_retry,
    )
    from synaptic_core._scripted import ScriptedChatModel, ScriptedModelExhaustedError
    from synaptic_core._suggest import suggest
    from synaptic_core.audio import (
        SpeechAudio,
        SpeechModel,
        Transcription,
        TranscriptionModel,
        TranscriptionSegment,
        TranscriptionWord,
    )
    from synaptic_core.pacing import Limits, LocalRateLimiter, RateLimitedChatModel, TokenEstimator

# Loaded on first use: the registry pulls in pluggy and importlib.metadata, the loader
# tomllib, retries and fallbacks logging, suggestions difflib; a program that only
# sends requests through a provider needs none of them at import time (cold start).
_LAZY = {
    "SpeechAudio": "synaptic_core.audio",
    "SpeechModel": "synaptic_core.audio",
    "Transcription": "synaptic_core.audio",
    "TranscriptionModel": "synaptic_core.audio",
    "TranscriptionSegment": "synaptic_core.audio",
    "TranscriptionWord": "synaptic_core.audio",
    "FakeBackend": "synaptic_core._fake_backend",
    "FakeBackendExhaustedError": "synaptic_core._fake_backend",
    "AllModelsFailedError": "synaptic_core._fallback",
    "FallbackChatModel": "synaptic_core._fallback",
    "RetryChatModel": "synaptic_core._retry",
    "RetryConfig": "synaptic_core._retry",
    "RetryDecision": "synaptic_core._retry",
    "RetryEvent": "synaptic_core._retry",
    "backoff_delay": "synaptic_core._retry",
    "decide_retry": "synaptic_core._retry",
    "ScriptedChatModel": "synaptic_core._scripted",
    "ScriptedModelExhaustedError": "synaptic_core._scripted",
    "suggest": "synaptic_core._suggest",
    "get_logger": "synaptic_core._logging",
    "Limits": "synaptic_core.pacing",
    "LocalRateLimiter": "synaptic_core.pacing",
    "RateLimitedChatModel": "synaptic_core.pacing",
    "TokenEstimator": "synaptic_core.pacing",
    "Provider": "synaptic_core._hooks",
    "ProviderSettings": "synaptic_core._hooks",
    "hookimpl": "synaptic_core._hooks",
    "hookspec": "synaptic_core._hooks",
    "load_chat_model": "synaptic_core._loader",
    "load_speech_model": "synaptic_core._loader",
    "load_transcription_model": "synaptic_core._loader",
    "ProviderRegistry": "synaptic_core._registry",
    "available_providers": "synaptic_core._registry",
    "default_registry": "synaptic_core._registry",
}


__getattr__ = lazy_names("synaptic_core", _LAZY, globals())


__version__ = "0.1.0"

__all__ = [
    "AIMessage",
    "AIMessageChunk",
    "AllModelsFailedError",
    "AnyMessage",
    "AuthenticationError",
    "Backend",
    "BadRequestError",
    "BuiltinTool",
    "CapacityExceededError",
    "ChatInput",
    "ChatModel",
    "ChatRequest",
    "ChatResponse",
    "ChunkMerger",
    "ConfigError",
    "ContentPart",
    "ContextLengthExceededError",
    "DocumentPart",
    "FakeBackend",
    "FakeBackendExhaustedError",
    "FallbackChatModel",
    "HttpBackend",
    "HttpRequest",
    "HttpResponse",
    "HumanMessage",
    "ImagePart",
    "InputError",
    "InsecureTransportWarning",
    "InvalidToolCall",
    "JsonValidateFailedError",
    "Limits",
    "LocalRateLimiter",
    "Message",
    "ModelDecommissionedError",
    "ModelNotFoundError",
    "ModelRetiredError",
    "NetworkError",
    "NotFoundError",
    "ParseError",
    "PermissionDeniedError",
    "Provider",
    "ProviderRegistry",
    "ProviderSettings",
    "RateLimitError",
    "RateLimitInfo",
    "RateLimitedChatModel",
    "RedirectError",
    "RequestTimeoutError",
    "RequestTooLargeError",
    "ResponseFormat",
    "ResponseTooLargeError",
    "RetryChatModel",
    "RetryConfig",
    "RetryDecision",
    "RetryEvent",
    "SamplingBuilders",
    "ScriptedChatModel",
    "ScriptedModelExhaustedError",
    "ServerError",
    "SpeechAudio",
    "SpeechModel",
    "StreamError",
    "StreamResponse",
    "StructuredOutputError",
    "SynapticError",
    "SyncStreamResponse",
    "SystemMessage",
    "TextPart",
    "TokenEstimator",
    "TokenUsage",
    "ToolCall",
    "ToolCallChunk",
    "ToolChoice",
    "ToolDefinition",
    "ToolMessage",
    "ToolUseFailedError",
    "Transcription",
    "TranscriptionModel",
    "TranscriptionSegment",
    "TranscriptionWord",
    "__version__",
    "available_providers",
    "backoff_delay",
    "build_error",
    "chunk_of",
    "construct",
    "decide_retry",
    "default_registry",
    "error_class_for",
    "error_from_response",
    "get_logger",
    "hookimpl",
    "hookspec",
    "lazy_names",
    "load_chat_model",
    "load_speech_model",
    "load_transcription_model",
    "merge_metadata",
    "merge_tool_call_chunks",
    "model_chain",
    "parse_go_duration",
    "parse_retry_after",
    "parse_tool_call",
    "redact",
    "remember_secret",
    "response_to_chunk",
    "retype_error",
    "scrub_secrets",
    "strict_json_schema",
    "suggest",
    "to_request",
    "truncate",
    "unencodable_text_error",
]
