"""Bulk jobs in the OpenAI/Groq batch format: check lines, run them live, write and read
Groq's batch output lines. Provider-neutral (any ``ChatModel``); Groq's Batch API
client is ``synaptic_groq.GroqBatchClient``.
"""

from synaptic_openai.batch._budget import ready_for_bulk
from synaptic_openai.batch._lines import (
    CHAT_COMPLETIONS_URL,
    MAX_LINE_BYTES,
    BatchInputError,
    BatchLine,
    BatchSource,
    LineReader,
    OversizedLine,
    check_lines,
    parse_line,
    read_lines,
)
from synaptic_openai.batch._output import (
    BatchResult,
    Outcome,
    OutputScan,
    OutputWriteError,
    OutputWriter,
    check_output_path,
    iter_output,
    outcome_of,
    read_batch_output,
    result_from_error,
    result_from_response,
    result_from_row,
    scan_output,
)
from synaptic_openai.batch._plan import BatchPlan, BatchSummary
from synaptic_openai.batch._progress import BatchProgress, BudgetRate, estimate_eta
from synaptic_openai.batch._run import BatchJob
from synaptic_openai.batch._stops import (
    BatchStoppedEarlyError,
    BatchStoppedError,
    refused_locally,
)
from synaptic_openai.batch._wire import (
    BodyError,
    error_body,
    request_from_body,
    response_to_body,
    usage_to_wire,
)

__all__ = [
    "CHAT_COMPLETIONS_URL",
    "MAX_LINE_BYTES",
    "BatchInputError",
    "BatchJob",
    "BatchLine",
    "BatchPlan",
    "BatchProgress",
    "BatchResult",
    "BatchSource",
    "BatchStoppedEarlyError",
    "BatchStoppedError",
    "BatchSummary",
    "BodyError",
    "BudgetRate",
    "LineReader",
    "Outcome",
    "OutputScan",
    "OutputWriteError",
    "OutputWriter",
    "OversizedLine",
    "check_lines",
    "check_output_path",
    "error_body",
    "estimate_eta",
    "iter_output",
    "outcome_of",
    "parse_line",
    "read_batch_output",
    "read_lines",
    "ready_for_bulk",
    "refused_locally",
    "request_from_body",
    "response_to_body",
    "result_from_error",
    "result_from_response",
    "result_from_row",
    "scan_output",
    "usage_to_wire",
]
