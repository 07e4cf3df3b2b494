"""Every check, the same for a person and for CI: ``uv run nox``.

Sessions sync their virtualenv from ``uv.lock`` (``uv sync --locked``), so what is tested
is exactly what is locked. Source paths are derived from ``packages/*``, never kept by
hand. Default: tests, lint, typecheck. On demand: bench, build.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["tests", "sdk-conformance", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True

ROOT = Path(__file__).parent
PACKAGES = sorted(p.parent for p in ROOT.glob("packages/*/pyproject.toml"))
SOURCES = [str(p / "src") for p in PACKAGES] + ["src"]


def sync(session: nox.Session, *groups: str) -> None:
    """Install the locked workspace (all members, dev group, ``groups``) into the venv."""
    extra = [arg for group in groups for arg in ("--group", group)]
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--all-packages",
        *extra,
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
        silent=True,
    )


@nox.session
def tests(session: nox.Session) -> None:
    """The offline test suite (warnings are errors)."""
    sync(session)
    session.run("pytest", *session.posargs)


@nox.session(name="sdk-conformance")
def sdk_conformance(session: nox.Session) -> None:
    """The official groq SDK (pinned: the conformance group) through every resource
    method Groq serves, against the emulator, with strict response validation
    (conformance/test_groq_sdk.py names what is left out and why)."""
    sync(session, "conformance")
    session.run("pytest", "conformance", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff: lint and format check."""
    sync(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict on every package's sources."""
    sync(session)
    session.run("mypy", *SOURCES)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Side-by-side benchmarks: raw httpx, the official groq SDK, synaptic (a few minutes)."""
    sync(session, "bench")
    session.run("python", "-m", "benchmarks.run", env={"PYTHONPATH": str(ROOT)})


@nox.session(default=False)
def build(session: nox.Session) -> None:
    """Build every wheel and check what ships: py.typed in each, no tests."""
    sync(session)
    out = ROOT / "dist"
    session.run("uv", "build", "--all-packages", "--wheel", "--out-dir", str(out), external=True)
    for wheel in sorted(out.glob("*.whl")):
        names = zipfile.ZipFile(wheel).namelist()
        if not any(n.endswith("/py.typed") for n in names):
            session.error(f"{wheel.name} does not ship py.typed")
        if any(n.startswith("tests/") for n in names):
            session.error(f"{wheel.name} ships tests")
        session.log(f"ok: {wheel.name}")
