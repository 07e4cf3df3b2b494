"""Why a live bulk job stops before its last line, and which failures are the line's.

A line is written as failed only when its request was sent and answered with a failure
(or failed in transit after its retries). Three things are not one line's fault, and
stop the job instead of being written 50,000 times over:

- **Refused locally** (``BatchStoppedError``, resumable): the budget would make the
  request wait longer than ``max_wait`` (a ``RateLimitError`` with ``code
  "local_budget"`` and no status), a 429 whose ``retry-after`` is longer than that (the
  retry layer raises it at once), or the budget's store failing. Nothing is written for
  the lines that did not run; ``--resume`` runs them once the budget has room.
- **An outage** (``BatchStoppedError``, resumable): every line for a while failed in a
  retryable way after its retries (5xx, timeouts, dropped connections). Those lines are
  written (``--resume`` reruns them); the job stops rather than burn through the file.
- **The same permanent failure on the first lines** (``BatchStoppedEarlyError``): a
  wrong key (401), no permission (403), a model that does not exist or was retired.
  The first lines run one at a time until one is answered, so a wrong key costs a few
  requests, not the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Literal

from synaptic_core import (
    AuthenticationError,
    ModelDecommissionedError,
    ModelNotFoundError,
    PermissionDeniedError,
    RateLimitError,
    SynapticError,
)
from synaptic_core.pacing import LOCAL_BUDGET

_SENT = "_synaptic_sent"


class BatchStoppedError(SynapticError):
    """The job stopped before every line ran, and running it again with ``resume=True``
    (``--resume``) finishes it: no line that did not run was written. ``resume_after``:
    seconds until the rate-limit budget has room again (None: unknown); ``cause``: the
    error that stopped it."""

    def __init__(
        self,
        message: str,
        *,
        resume_after: float | None = None,
        cause: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.resume_after = resume_after
        self.cause = cause


class BatchStoppedEarlyError(SynapticError):
    """The first lines all failed the same permanent way (a wrong key, a model that does
    not exist), so the rest were not sent. ``error``: the first of those lines' errors;
    ``failed``: how many lines failed so. Those lines are written; after fixing the
    cause, ``retry_failed=True`` (``--retry-failed``) runs them again with the rest."""

    def __init__(self, message: str, *, error: SynapticError, failed: int) -> None:
        super().__init__(message, status_code=error.status_code, code=error.code)
        self.error = error
        self.failed = failed


def mark_sent(error: BaseException) -> None:
    """Mark ``error`` as the request's own: it came out of what the request is sent
    through (an answer, or a failure in transit), not from the budget above it."""
    with contextlib.suppress(AttributeError):  # slots: it then counts as not sent
        setattr(error, _SENT, True)


def refused_locally(error: BaseException) -> bool:
    """Whether ``error`` is the budget's refusal, raised before the request was sent:
    ``code == "local_budget"``, or any ``RateLimitError`` without a status (a server's
    429 always has one)."""
    return isinstance(error, RateLimitError) and (
        error.code == LOCAL_BUDGET or error.status_code is None
    )


def never_sent(error: BaseException) -> bool:
    """Whether a job's request failed before it was sent, under the job's watch
    (``SentWatch``): the budget's refusal, or a transient error (a store unreachable)
    or an unexpected one that did not come out of the model the budget sends through.
    A fallback's ``AllModelsFailedError`` was not sent only if none of its models was."""
    if refused_locally(error):
        return True
    if getattr(error, _SENT, False):
        return False
    errors = getattr(error, "errors", None)
    if isinstance(errors, list) and errors:
        return all(never_sent(each) for each in errors)
    return not isinstance(error, SynapticError) or error.retryable


Kind = Literal["permanent", "outage"]


def kind_of(error: BaseException | None) -> tuple[Kind, str] | None:
    """How a sent line's failure bears on the whole job: ``("permanent", signature)``
    for what every line will meet (401, 403, a model that does not exist or was
    retired), ``("outage", "retryable")`` for a failure that may pass (after retries),
    None for the line's own problem (a 400 about its body)."""
    if isinstance(error, AuthenticationError | PermissionDeniedError):
        return "permanent", f"{type(error).__name__} {error.status_code} {error.code}"
    if isinstance(error, ModelNotFoundError | ModelDecommissionedError):
        return "permanent", f"{type(error).__name__} {error.status_code} {error.code}"
    if isinstance(error, SynapticError) and error.retryable:
        return "outage", "retryable"
    return None


def what_is_wrong(error: SynapticError) -> str:
    """The job-wide cause of a permanent failure, in words, with what to check."""
    said = error.message
    if isinstance(error, AuthenticationError):
        return (
            f"the API key was refused ({said}): check the key (GROQ_API_KEY, or the "
            "profile's api_key_env)"
        )
    if isinstance(error, PermissionDeniedError):
        return f"the key may not do this ({said}): check the key's organisation and plan"
    if isinstance(error, ModelDecommissionedError):
        return f"the model was retired ({said}): name a current one (synaptic models)"
    return (
        f"the model does not exist or this key cannot use it ({said}): check its name "
        "(synaptic models --live)"
    )


def until(seconds: float, *, now: dt.datetime | None = None) -> str:
    """``"for 4m10s (until 14:03 UTC)"``: a wait in words and as a wall-clock time."""
    moment = (now or dt.datetime.now(dt.timezone.utc)) + dt.timedelta(seconds=seconds)
    stamp = moment.strftime("%H:%M UTC" if seconds < 43_200 else "%Y-%m-%d %H:%M UTC")
    return f"for {duration(seconds)} (until {stamp})"


def duration(seconds: float) -> str:
    """``"45s"``, ``"4m10s"``, ``"3h05m"``, ``"277h46m"``: short, for one line."""
    total = max(0, round(seconds))
    if total < 60:
        return f"{total}s"
    minutes, secs = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def budget_stop(error: BaseException, *, sent_429: bool) -> BatchStoppedError:
    """The job stops because the budget has no room for longer than it may wait."""
    wait = getattr(error, "retry_after", None)
    wait = wait if isinstance(wait, int | float) and wait > 0 else None
    if not isinstance(error, RateLimitError):
        what = (
            "the request could not be paced: the rate-limit budget or its store failed "
            f"({_text(error)})"
        )
    elif sent_429:
        what = "the server's rate limit is spent" + (f" {until(wait)}" if wait else "")
    else:
        what = "the rate-limit budget has no room" + (f" {until(wait)}" if wait else "")
        if error.remembered:
            what += (
                f" (as an earlier run on this machine left it, in {error.remembered}; "
                "delete that file to forget it)"
            )
    message = (
        f"{what}: the job stopped rather than write lines that were never answered; "
        "run it again with resume (--resume)" + (" after that" if wait else " once it is fixed")
    )
    return BatchStoppedError(message, resume_after=wait, cause=error)


def outage_stop(error: BaseException, failed: int) -> BatchStoppedError:
    """The job stops because every line lately failed in a way that may pass later."""
    message = (
        f"the last {failed} line(s) all failed after their retries ({_text(error)}): the "
        "provider looks down, so the job stopped rather than fail every line; those lines "
        "are written as failed and run again with resume (--resume) once it is back"
    )
    return BatchStoppedError(message, cause=error)


def early_stop(error: SynapticError, failed: int, left: int) -> BatchStoppedEarlyError:
    """The job stops because its first lines all failed the same permanent way."""
    rest = f"the other {left} line(s) were not sent" if left else "no line was left to send"
    message = (
        f"the first {failed} line(s) all failed the same way: {what_is_wrong(error)}; "
        f"{rest}; fix that, then run the job again with its failed lines "
        "(synaptic batch --retry-failed; retry_failed=True in code) to run them with the rest"
    )
    return BatchStoppedEarlyError(message, error=error, failed=failed)


def _text(error: BaseException) -> str:
    text = error.message if isinstance(error, SynapticError) else str(error)
    return " ".join(text.split()) or type(error).__name__


class Streak:
    """The job's run of same-kind failures: the first lines (``opening``: every line
    finished so far failed the same job-wide way), and later any run of retryable
    failures with no answer between (an outage). ``update`` returns the error to stop
    with, if any."""

    def __init__(self, *, first: int, outage: int) -> None:
        self.first = first
        self.outage = outage
        self.opening = True  # no line answered yet, and every failure of one kind
        self.kind: tuple[Kind, str] | None = None
        self.count = 0
        self.error: SynapticError | None = None
        self.failing = 0  # retryable failures since the last answer
        self.last: BaseException | None = None

    def update(self, error: BaseException | None, *, left: int) -> SynapticError | None:
        """Count one finished line (``error`` None: answered); ``left``: lines not
        finished yet. Returns the ``BatchStoppedError`` / ``BatchStoppedEarlyError`` to
        stop with, or None to go on."""
        kind = None if error is None else kind_of(error)
        if error is None:
            self.failing = 0
        elif kind is not None and kind[0] == "outage":
            self.failing += 1
            self.last = error
        if self.opening:
            if error is None or kind is None or (self.kind is not None and kind != self.kind):
                self.opening = False
            else:
                self.kind = kind
                self.count += 1
                if self.error is None and isinstance(error, SynapticError):
                    self.error = error
                if self.count >= self.first or left == 0:
                    return self._stop(left)
        if self.failing >= self.outage and self.last is not None:
            return outage_stop(self.last, self.failing)
        return None

    def _stop(self, left: int) -> SynapticError | None:
        assert self.kind is not None
        if self.kind[0] == "permanent" and self.error is not None:
            return early_stop(self.error, self.count, left)
        if self.last is not None:
            return outage_stop(self.last, self.count)
        return None
