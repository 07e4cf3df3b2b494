"""Where the command line keeps its files: ``$SYNAPTIC_HOME``, else the user data folder.

Only the CLI writes there (a library writes nothing unless its application asks):
``budgets.json``, what the last run left of each rate-limit budget
(``synaptic_core.pacing.SavedBudgets``), so a second job right after a first, or a
resumed one after a kill, does not start believing a spent budget is full.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path


def home() -> Path:
    """``$SYNAPTIC_HOME``, or the platform's user data folder + ``synaptic``."""
    explicit = os.environ.get("SYNAPTIC_HOME")
    if explicit:
        return Path(explicit).expanduser()
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.environ.get("APPDATA")
        return Path(base) / "synaptic" if base else Path.home() / "AppData" / "Local" / "synaptic"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "synaptic"
    data = os.environ.get("XDG_DATA_HOME")
    return (Path(data) if data else Path.home() / ".local" / "share") / "synaptic"


@contextlib.contextmanager
def remembered_budgets() -> Iterator[None]:
    """Budgets made inside start from what the last run left (``budgets.json``) and are
    written there on the way out, however the command ends."""
    from synaptic_core.pacing import flush_budgets, remember_budgets  # noqa: PLC0415

    remember_budgets(home() / "budgets.json")
    try:
        yield
    finally:
        flush_budgets()
