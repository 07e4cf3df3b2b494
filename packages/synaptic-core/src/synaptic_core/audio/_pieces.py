"""Text cut for text to speech: Orpheus takes about 200 characters a request
(groq-api.md section 10), so longer text is spoken a sentence or so at a time. Cuts
fall at sentence ends first, then at commas and the like, then between words; a word
longer than the limit is cut where it must be."""

from __future__ import annotations

import re

_SENTENCE = re.compile("(?<=[.!?\u3002\uff01\uff1f\u061f\u2026])\\s+")
_CLAUSE = re.compile(r"(?<=[,;:،؛—])\s+")


def speech_pieces(text: str, limit: int = 200) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, each whole sentences where
    they fit (whitespace between pieces is dropped: each is spoken on its own)."""
    if limit < 1:
        msg = f"limit must be at least 1, not {limit}"
        raise ValueError(msg)
    words = " ".join(text.split())
    pieces: list[str] = []
    for sentence in _SENTENCE.split(words):
        for part in _fit(sentence, limit, (_CLAUSE, re.compile(r"\s+"))):
            if pieces and len(pieces[-1]) + 1 + len(part) <= limit:
                pieces[-1] = f"{pieces[-1]} {part}"
            else:
                pieces.append(part)
    return [p for p in pieces if p]


def _fit(text: str, limit: int, cuts: tuple[re.Pattern[str], ...]) -> list[str]:
    if len(text) <= limit:
        return [text]
    if not cuts:  # one word longer than the limit
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    joined: list[str] = []
    for part in cuts[0].split(text):
        for fitted in _fit(part, limit, cuts[1:]):
            if joined and len(joined[-1]) + 1 + len(fitted) <= limit:
                joined[-1] = f"{joined[-1]} {fitted}"
            else:
                joined.append(fitted)
    return joined
