"""Process-wide state that one test must not leave to the next."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

# The example plugin (``tests/plugins/synaptic-shout``) exists for the tests alone: its
# source and its distribution metadata (the entry point) are put on the path here, for
# this process and the commands it starts, so the registry discovers it as it would an
# installed distribution, while the development environment's `synaptic providers`
# lists only real providers.
# Commands the tests start write under $SYNAPTIC_HOME (each test has its own); one that
# loses it on the way still lands in a folder of the test session, never the user's data.
os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="synaptic-tests-data-")

_SHOUT = str(Path(__file__).parent / "plugins" / "synaptic-shout" / "src")
if _SHOUT not in sys.path:
    sys.path.insert(0, _SHOUT)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (_SHOUT, os.environ.get("PYTHONPATH")) if p
    )


@pytest.fixture(autouse=True)
def _forget_shared_budget_warnings() -> None:
    """The "someone else spends this budget" warning is said once per budget and process;
    each test starts with it unsaid (without importing pacing for tests that never do)."""
    pacing = sys.modules.get("synaptic_core.pacing._model")
    if pacing is not None:
        pacing._WARNED.clear()  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _synaptic_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test's CLI writes (budgets remembered between runs) to a home of its own, never
    the user's; and budgets made by ``pace`` start full unless a test asks otherwise."""
    monkeypatch.setenv("SYNAPTIC_HOME", str(tmp_path_factory.mktemp("home")))
    shared = sys.modules.get("synaptic_core.pacing._shared")
    if shared is not None:
        shared._SAVED[0] = None  # type: ignore[attr-defined]
