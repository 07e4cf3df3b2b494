"""Bulk jobs: a file of Groq/OpenAI batch lines run live (paced by the rate-limit budget,
retried, every finished line written at once, resumable), and the results read back.

``open_batch("prompts.jsonl", "groq:openai/gpt-oss-20b", output="answers.jsonl")``
checks every line, then ``for result in job.results_sync()`` (or ``async for result in
job``) runs them, yielding each line as it finishes. ``read_batch_output(path)`` maps
``custom_id`` to its response or typed error, for live output and Groq Batch API output
alike (``synaptic_groq.GroqBatchJob`` runs a file through Groq's Batch API). The
``synaptic batch`` command is these, with a progress bar.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO, Any

from synaptic_core import ChatModel, load_chat_model
from synaptic_core._install import install_hint

try:
    from synaptic_openai.batch import (
        BatchInputError,
        BatchJob,
        BatchPlan,
        BatchProgress,
        BatchResult,
        BatchSource,
        BatchStoppedEarlyError,
        BatchStoppedError,
        BatchSummary,
        iter_output,
        read_batch_output,
    )
except ImportError as exc:  # pragma: no cover (the extras install it)
    msg = f"bulk jobs need a provider, the groq extra (or openai): {install_hint('groq')}"
    raise ImportError(msg) from exc


def open_batch(
    source: BatchSource,
    model: ChatModel | str | Mapping[str, Any] | None = None,
    *,
    output: str | os.PathLike[str] | IO[bytes] | None = None,
    resume: bool = False,
    shard: tuple[int, int] | None = None,
    provider: str = "groq",
    max_in_flight: int = 256,
    config_file: str | os.PathLike[str] | None = None,
    retry_failed: bool = False,
    timeout: float | None = None,
) -> BatchJob:
    """A live ``BatchJob`` over ``source`` (a path, or lines).

    ``model``: a spec or profile name (``"groq:openai/gpt-oss-20b"``, ``"fast"``: its
    ``limits`` and ``retry`` apply), or a ``ChatModel``; either way it overrides the
    bodies' ``model``. None: each body's ``model`` under ``provider``. Models the job
    loads are closed with it (``with open_batch(...) as job``). ``output``: a path, or
    an open binary stream (not resumable). ``resume`` runs the lines the output lacks
    and those that failed in a retryable way; ``retry_failed`` every failed line too.
    ``timeout``: seconds each request may take, whole (None: no limit of the job's own).
    """
    options: dict[str, Any] = {
        "output": output,
        "resume": resume,
        "shard": shard,
        "max_in_flight": max_in_flight,
        "retry_failed": retry_failed,
        "timeout": timeout,
    }
    if isinstance(model, ChatModel):
        return BatchJob(source, model, **options)
    if model is not None:
        loaded = load_chat_model(model, config_file=config_file)
        return BatchJob(source, loaded, owns_models=True, **options)

    def per_line(name: str) -> ChatModel:
        return load_chat_model(f"{provider}:{name}", config_file=config_file)

    return BatchJob(source, per_line, owns_models=True, **options)


__all__ = [
    "BatchInputError",
    "BatchJob",
    "BatchPlan",
    "BatchProgress",
    "BatchResult",
    "BatchStoppedEarlyError",
    "BatchStoppedError",
    "BatchSummary",
    "iter_output",
    "open_batch",
    "read_batch_output",
]
