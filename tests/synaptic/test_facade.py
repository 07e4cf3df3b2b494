"""The facade: re-exports, missing extras, import hygiene, and the provider swap."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import synaptic
import synaptic.core
import synaptic.models
import synaptic_core


def test_import_synaptic_loads_no_provider_and_no_httpx() -> None:
    code = textwrap.dedent(
        """
        import sys, synaptic
        synaptic.available_providers()
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in
                        {"httpx", "httpcore", "synaptic_groq", "synaptic_openai", "synaptic_shout"})
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_synaptic_groq_loads_only_what_a_request_needs() -> None:
    """Cold start (every CLI run pays it): retries, fallbacks, logging, the registry
    (pluggy), suggestions (difflib), the typed Groq extras and httpx load on first use,
    and no pydantic schema is built at import, so pydantic's plugin loader (and with it
    ``importlib.metadata``, ~15-40 ms) is not loaded either."""
    code = textwrap.dedent(
        """
        import sys
        from synaptic.groq import GroqChatModel, GroqConfig
        heavy = ("pluggy", "logging", "difflib", "httpx", "synaptic_groq._compound",
                 "synaptic_groq._options", "synaptic_groq._accepted",
                 "synaptic_core._retry", "synaptic_core._fallback", "synaptic_core._fake_backend",
                 "importlib.metadata", "pydantic.plugin._loader")
        print(sorted(m for m in heavy if m in sys.modules))
        from synaptic.groq import GroqExtras
        import synaptic.groq
        assert set(synaptic_groq_all := synaptic.groq.__all__) >= {"GroqExtras", "GroqChatModel"}
        assert all(getattr(synaptic.groq, name) is not None for name in synaptic_groq_all)
        print(GroqExtras.__module__)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert out.splitlines() == ["[]", "synaptic_groq._compound"]


def test_core_re_exports_every_public_name() -> None:
    assert synaptic.core.__all__ == synaptic_core.__all__
    for name in synaptic_core.__all__:
        assert getattr(synaptic.core, name) is getattr(synaptic_core, name)


def test_reference_paths_resolve() -> None:
    from synaptic.core import (
        ChatModel,
        ChatRequest,
        Message,
        SynapticError,
        ToolChoice,
        ToolDefinition,
    )
    from synaptic.models import HttpBackend, RetryChatModel, RetryConfig

    assert {ChatModel, ChatRequest, Message, ToolDefinition, ToolChoice, SynapticError}
    assert {HttpBackend, RetryChatModel, RetryConfig}
    assert synaptic.models.__all__ == sorted(synaptic.models.__all__)


def test_facade_top_level() -> None:
    assert synaptic.__all__ == [
        "__version__",
        "available_providers",
        "load_chat_model",
        "load_speech_model",
        "load_transcription_model",
        "open_batch",
        "read_batch_output",
    ]
    assert synaptic.open_batch is synaptic.batch.open_batch
    assert synaptic.load_chat_model is synaptic_core.load_chat_model
    assert synaptic.load_transcription_model is synaptic_core.load_transcription_model
    assert synaptic.load_speech_model is synaptic_core.load_speech_model
    assert {"fake", "shout"} <= set(synaptic.available_providers())


@pytest.mark.parametrize("extra", ["groq", "openai"])
def test_missing_extra_says_what_to_install(extra: str) -> None:
    code = textwrap.dedent(
        f"""
        import sys
        sys.modules["synaptic_{extra}"] = None  # as if the extra were not installed
        try:
            import synaptic.{extra}
        except ImportError as exc:
            print(exc)
        else:
            raise SystemExit("no ImportError")
        """
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert out.stdout.startswith(
        f"synaptic.{extra} needs the '{extra}' extra (synaptic_{extra} is not installed): "
        "install it from a checkout: python -m pip install ./packages/synaptic-core "
    )
    assert f'"./[{extra}]" (README: Install' in out.stdout


def app(question: str, config: Path) -> str:
    """An application function that never names a provider."""
    model = synaptic.load_chat_model(config_file=config, environ={"SHOUT_API_KEY": "k"})
    return model.chat_sync(question).content


def test_swap_providers_by_config_alone(tmp_path: Path) -> None:
    fake = tmp_path / "fake.toml"
    fake.write_text('default = "m"\n[profiles.m]\nprovider = "fake"\nmodel = "echo"\n')
    shout = tmp_path / "shout.toml"
    shout.write_text(
        'default = "m"\n[profiles.m]\nprovider = "shout"\nmodel = "loud"\nexclamations = 2\n'
    )
    assert app("hello there", fake) == "hello there"
    assert app("hello there", shout) == "HELLO THERE!!"
