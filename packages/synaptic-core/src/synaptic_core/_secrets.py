"""Every API key this process uses, and the one scrub that takes them out of text.

Server text reaches people by many roads: error messages and bodies, echoed headers
(``x-request-id``), log records (ours and httpx/httpcore's at DEBUG), the CLI's output,
bulk-job output lines, telemetry spans. Passing the key down each road is how one road
gets missed, so keys are remembered once, when a model or client is built with one
(:func:`remember`), and :func:`scrub` removes every remembered key from any text: plain,
and JSON-escaped (``\\u0067sk_...``, ``\\/``) as a hostile body may send it, before it is
decoded. ``SynapticError`` scrubs its own fields; the places where text leaves the
library (CLI, batch writer, telemetry, log records) scrub again as a last line.

Short strings are not remembered (a test key of two letters would blank out every word
containing them); providers also pass their key explicitly to
:func:`synaptic_core.redact`, which takes any length.
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

REDACTED = "[REDACTED]"
#: Keys shorter than this are not remembered (see the module's docstring).
MIN_LENGTH = 8
#: At most this many keys are remembered; the oldest is forgotten past it.
MAX_SECRETS = 64

_SECRETS: dict[str, None] = {}  # insertion-ordered set
_LOCK = threading.Lock()
_escaped: re.Pattern[str] | None = None
# Loggers known to print response headers or bodies at DEBUG. A logger's filters see only
# the records made by that logger (not its children's), so each is named.
_THIRD_PARTY_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "hpack.hpack",
    "hpack.table",
)


def remember(secret: str | None) -> None:
    """Remember ``secret`` so that :func:`scrub` removes it from any text from now on."""
    global _escaped  # noqa: PLW0603 (the compiled pattern follows the set)
    if not secret or len(secret) < MIN_LENGTH or secret in _SECRETS:
        return
    with _LOCK:
        if secret in _SECRETS:
            return
        first = not _SECRETS
        _SECRETS[secret] = None
        while len(_SECRETS) > MAX_SECRETS:
            del _SECRETS[next(iter(_SECRETS))]
        _escaped = None
    if first:
        _install_log_filters()


def forget_all() -> None:
    """Forget every remembered key (tests)."""
    global _escaped  # noqa: PLW0603
    with _LOCK:
        _SECRETS.clear()
        _escaped = None


def char_pattern(char: str) -> str:
    """A regex for ``char`` as it may stand in JSON text: itself or escaped."""
    code = f"{ord(char):04x}"
    options = [re.escape(char), rf"\\u(?i:{code})"]
    if char == "/":
        options.append(r"\\/")
    return "(?:" + "|".join(options) + ")"


def _escaped_pattern() -> re.Pattern[str]:
    global _escaped  # noqa: PLW0603
    pattern = _escaped
    if pattern is None:
        with _LOCK:
            keys = sorted(_SECRETS, key=len, reverse=True)
        alternatives = ("".join(char_pattern(c) for c in key) for key in keys)
        pattern = _escaped = re.compile("|".join(alternatives))
    return pattern


def scrub(text: str) -> str:
    """``text`` with every remembered key (plain or JSON-escaped) replaced by ``[REDACTED]``."""
    if not _SECRETS or not text:
        return text
    for secret in list(_SECRETS):
        if secret in text:
            text = text.replace(secret, REDACTED)
    if "\\" in text:
        text = _escaped_pattern().sub(REDACTED, text)
    return text


class StreamScrubber:
    """Scrub text that arrives in pieces (a streamed answer on a terminal): a key split
    across two pieces is still caught, because what could be a key's start is held back
    until the next piece (or ``flush``) shows how it goes on. Only that is held: the
    longest end of the text that some key starts with (usually nothing), so the answer
    shows as it arrives, even when the server pauses."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> str:
        """What may be shown of the text so far (scrubbed), holding back a possible key's
        start."""
        if not _SECRETS:
            pending, self._pending = self._pending, ""
            return pending + text
        clean = scrub(self._pending + text)
        hold = _held(clean, list(_SECRETS))
        self._pending = clean[len(clean) - hold :] if hold else ""
        return clean[: len(clean) - hold]

    def flush(self) -> str:
        """The rest (the stream ended)."""
        pending, self._pending = self._pending, ""
        return scrub(pending)


_PIECE = re.compile(r"\\u([0-9a-fA-F]{4})|\\/|(.)", re.S)
_PARTIAL_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?$")


def _decoded(tail: str) -> str:
    """``tail`` with JSON escapes decoded, an escape cut at its end left out."""
    cut = _PARTIAL_ESCAPE.search(tail)
    if cut is not None:
        tail = tail[: cut.start()]
    return "".join(
        chr(int(m.group(1), 16)) if m.group(1) else (m.group(2) or "/")
        for m in _PIECE.finditer(tail)
    )


def _held(text: str, secrets: list[str]) -> int:
    """How many characters at the end of ``text`` could begin a key, plain or
    JSON-escaped: from the first place near the end where what follows (decoded) is
    the beginning of a key, or an escape cut short."""
    longest = max(len(secret) for secret in secrets)
    firsts = {secret[0] for secret in secrets} | {"\\"}
    for at in range(max(0, len(text) - 6 * longest), len(text)):
        if text[at] not in firsts:
            continue
        decoded = _decoded(text[at:])
        if not decoded or any(secret.startswith(decoded) for secret in secrets):
            return len(text) - at
    return 0


def scrub_optional(text: str | None) -> str | None:
    """:func:`scrub` for a field that may be ``None``."""
    return None if text is None else scrub(text)


def scrub_headers(headers: dict[str, str]) -> dict[str, str]:
    """Header values with every remembered key removed (a server may echo one). Called
    on every response: one scan of all values together, and a copy only when one
    holds a key."""
    joined = "\n".join(headers.values())
    if scrub(joined) == joined:
        return headers
    return {name: scrub(value) for name, value in headers.items()}


def contains_secret(text: str) -> bool:
    """Whether ``text`` holds a remembered key (plain or escaped)."""
    return scrub(text) != text


class ScrubFilter:
    """A logging filter that removes remembered keys from each record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _SECRETS:
            try:
                message = record.getMessage()
            except Exception:
                return True
            clean = scrub(message)
            if clean != message:
                record.msg, record.args = clean, None
        return True


_FILTER = ScrubFilter()


def add_log_filter(logger: logging.Logger) -> None:
    """Attach the scrubbing filter to ``logger`` (once)."""
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)


def _install_log_filters() -> None:
    import logging  # noqa: PLC0415 (only once a key is remembered)

    for name in (*_THIRD_PARTY_LOGGERS, "synaptic"):
        add_log_filter(logging.getLogger(name))
