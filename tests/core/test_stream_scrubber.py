"""Scrubbing a streamed answer: a key split across pieces is caught, and nothing else is
held back (the answer shows as it arrives, even when the server pauses)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from synaptic_core._secrets import REDACTED, StreamScrubber, forget_all, remember, scrub

KEY = "gsk_stream_SECRET_0123456789abcdef"


@pytest.fixture(autouse=True)
def _a_known_key() -> Iterator[None]:
    remember(KEY)
    yield
    forget_all()


def shown(pieces: list[str]) -> tuple[list[str], str]:
    scrubber = StreamScrubber()
    parts = [scrubber.feed(piece) for piece in pieces]
    return parts, scrubber.flush()


def test_text_that_cannot_begin_a_key_is_shown_at_once() -> None:
    parts, rest = shown(["Emulated answer ", "from openai/gpt-oss-20b", " to: hi"])
    assert parts == ["Emulated answer ", "from openai/gpt-oss-20b", " to: hi"]
    assert rest == ""


def test_only_a_possible_start_of_a_key_is_held_back() -> None:
    parts, rest = shown(["the key is gs", "k_stream_SE", "CRET_0123456789abcdef, done"])
    assert parts == ["the key is ", "", f"{REDACTED}, done"]
    assert rest == ""
    parts, rest = shown(["a gs", "t-shirt"])  # "gs" could have begun it; "gst" cannot
    assert parts == ["a ", "gst-shirt"]


def test_a_json_escaped_key_split_across_pieces_is_caught() -> None:
    escaped = "".join(f"\\u{ord(c):04x}" for c in KEY)
    middle = len(escaped) // 2
    parts, rest = shown([f"x {escaped[:middle]}", f"{escaped[middle:]} y"])
    assert "".join(parts) + rest == f"x {REDACTED} y"


ESCAPED = "".join(f"\\u{ord(c):04x}" for c in KEY)
WORDS = ["a", " ", "g", "gs", "gsk_", KEY[:10], KEY[10:], KEY, "é\n", "\\", ESCAPED[:30],
         ESCAPED[30:], "\\u0067"]  # fmt: skip


@given(st.lists(st.sampled_from(WORDS), max_size=30), st.data())
def test_any_split_shows_exactly_the_scrubbed_text(words: list[str], data: st.DataObject) -> None:
    remember(KEY)
    text = "".join(words)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=10)))
    pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    parts, rest = shown(pieces)
    assert "".join(parts) + rest == scrub(text)
    assert all(KEY not in part for part in parts)
