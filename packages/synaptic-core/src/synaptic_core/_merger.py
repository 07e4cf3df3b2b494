"""``ChunkMerger``: merge a stream's chunks as they arrive, in memory bounded by the answer.

Keeping every chunk and merging at the end costs memory per chunk (a pydantic object
each: a 64 MiB stream of one-character chunks is gigabytes), and merging as you go with
``a + b`` copies the text so far at every step (quadratic). The merger does neither: up
to :data:`BATCH` chunks wait, are merged into one, and merged results are combined like a
binary counter (two of the same size become one), so memory is the answer plus a few
dozen chunk objects and every byte is copied O(log n) times.
"""

from __future__ import annotations

from synaptic_core._response import AIMessageChunk

#: Chunks merged at once before they join the counter.
BATCH = 256


class ChunkMerger:
    """``merger.add(chunk)`` for each chunk, then ``merger.result()``: the merged chunk."""

    __slots__ = ("_pending", "_stack")

    def __init__(self) -> None:
        self._pending: list[AIMessageChunk] = []
        self._stack: list[tuple[int, AIMessageChunk]] = []  # (level, merged), levels falling

    def add(self, chunk: AIMessageChunk) -> None:
        """Take one chunk (in stream order)."""
        pending = self._pending
        pending.append(chunk)
        if len(pending) >= BATCH:
            self._push(AIMessageChunk.merge(pending))
            self._pending = []

    def _push(self, merged: AIMessageChunk) -> None:
        stack = self._stack
        level = 0
        while stack and stack[-1][0] == level:
            _, earlier = stack.pop()
            merged = AIMessageChunk.merge((earlier, merged))
            level += 1
        stack.append((level, merged))

    def result(self) -> AIMessageChunk:
        """Every chunk taken so far, merged (an empty chunk when there were none)."""
        parts = [merged for _, merged in self._stack]
        parts.extend(self._pending)
        return AIMessageChunk.merge(parts)
