"""synaptic-groq: Groq, the first OpenAI-compatible dialect synaptic serves.

``GroqChatModel(GroqConfig("gsk_...", GroqModel.GPT_OSS_120B))``: chat, streaming, tools,
structured output, reasoning, typed rate limits, and a dated model catalog; Groq's
built-in tools and options as typed builders, and its answer extras (executed tools,
citations, usage breakdown) typed through ``GroqExtras.of(response)``.
"""

from typing import TYPE_CHECKING

from synaptic_core import lazy_names
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

if TYPE_CHECKING:
    from synaptic_groq._accepted import ACCEPTED_FIELDS, REJECTED_FIELDS
    from synaptic_groq._audio import VOICES, GroqSpeechModel, GroqTranscriptionModel
    from synaptic_groq._batch_job import (
        BatchCancelledError,
        BatchError,
        BatchExpiredError,
        BatchFailedError,
        BatchNotAvailableError,
        GroqBatchJob,
    )
    from synaptic_groq._batches import (
        BATCH_FINISHED,
        BatchInfo,
        FileInfo,
        GroqBatchClient,
        RequestCounts,
    )
    from synaptic_groq._compound import (
        BrowserResult,
        Chart,
        ChartElement,
        Citation,
        CodeResult,
        DocumentCitation,
        ExecutedTool,
        FunctionCitation,
        GroqExtras,
        ModelUsage,
        SearchResult,
        SearchResults,
        UsageBreakdown,
    )
    from synaptic_groq._options import (
        BUILTIN_TOOL_TYPES,
        CompoundCustom,
        CompoundModels,
        CompoundTools,
        Document,
        GroqOptions,
        SearchSettings,
        WolframSettings,
        browser_search,
        code_interpreter,
        document_part,
    )

# The typed answer extras, Groq's option builders and its field list are needed after
# an answer arrives or when options are set, never at import time (cold start).
_LAZY = {
    **dict.fromkeys(
        (
            "BrowserResult",
            "Chart",
            "ChartElement",
            "Citation",
            "CodeResult",
            "DocumentCitation",
            "ExecutedTool",
            "FunctionCitation",
            "GroqExtras",
            "ModelUsage",
            "SearchResult",
            "SearchResults",
            "UsageBreakdown",
        ),
        "synaptic_groq._compound",
    ),
    **dict.fromkeys(
        (
            "BUILTIN_TOOL_TYPES",
            "CompoundCustom",
            "CompoundModels",
            "CompoundTools",
            "Document",
            "GroqOptions",
            "SearchSettings",
            "WolframSettings",
            "browser_search",
            "code_interpreter",
            "document_part",
        ),
        "synaptic_groq._options",
    ),
    **dict.fromkeys(
        ("BATCH_FINISHED", "BatchInfo", "FileInfo", "GroqBatchClient", "RequestCounts"),
        "synaptic_groq._batches",
    ),
    **dict.fromkeys(
        (
            "BatchCancelledError",
            "BatchError",
            "BatchExpiredError",
            "BatchFailedError",
            "BatchNotAvailableError",
            "GroqBatchJob",
        ),
        "synaptic_groq._batch_job",
    ),
    "ACCEPTED_FIELDS": "synaptic_groq._accepted",
    "REJECTED_FIELDS": "synaptic_groq._accepted",
    **dict.fromkeys(
        ("GroqSpeechModel", "GroqTranscriptionModel", "VOICES"), "synaptic_groq._audio"
    ),
}


__getattr__ = lazy_names("synaptic_groq", _LAZY, globals())


__all__ = [
    "ACCEPTED_FIELDS",
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "BATCH_FINISHED",
    "BUILTIN_TOOL_TYPES",
    "CATALOG",
    "CATALOG_DATE",
    "DEFAULT_BASE_URL",
    "GROQ",
    "REJECTED_FIELDS",
    "VOICES",
    "BatchCancelledError",
    "BatchError",
    "BatchExpiredError",
    "BatchFailedError",
    "BatchInfo",
    "BatchNotAvailableError",
    "BrowserResult",
    "Chart",
    "ChartElement",
    "Citation",
    "CodeResult",
    "CompoundCustom",
    "CompoundModels",
    "CompoundTools",
    "DecommissionedModelWarning",
    "Document",
    "DocumentCitation",
    "ExecutedTool",
    "FileInfo",
    "FunctionCitation",
    "GroqBatchClient",
    "GroqBatchJob",
    "GroqChatModel",
    "GroqConfig",
    "GroqExtras",
    "GroqModel",
    "GroqOptions",
    "GroqSpeechModel",
    "GroqTranscriptionModel",
    "Lifecycle",
    "ModelInfo",
    "ModelUsage",
    "RequestCounts",
    "SearchResult",
    "SearchResults",
    "SearchSettings",
    "UsageBreakdown",
    "WolframSettings",
    "__version__",
    "browser_search",
    "code_interpreter",
    "document_part",
    "live_replacement",
    "model_info",
    "parse_model_entry",
]
