"""The provider registry: lazy listing, import on demand, cache, duplicates, unknown names."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from synaptic_core import ConfigError, Provider, ProviderRegistry, ProviderSettings, hookimpl


def test_installed_plugins_are_listed_without_being_imported() -> None:
    code = textwrap.dedent(
        """
        import sys
        import synaptic_core
        names = synaptic_core.available_providers()
        assert names == sorted(names) and {"fake", "shout"} <= set(names), names
        assert "synaptic_shout" not in sys.modules
        assert "httpx" not in sys.modules
        registry = synaptic_core.default_registry()
        assert registry.get("shout").name == "shout"
        assert "synaptic_shout" in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder on sys.path where tests write plugin modules."""
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def write_plugin(folder: Path, module: str, provider: str, *, hook: str = "") -> None:
    hook = hook or "synaptic_register_providers"
    (folder / f"{module}.py").write_text(
        textwrap.dedent(
            f"""
            from synaptic_core import Provider, ProviderSettings, ScriptedChatModel, hookimpl
            LOADS = []
            LOADS.append(1)

            @hookimpl
            def {hook}(register):
                register(Provider(
                    name={provider!r},
                    factory=lambda s: ScriptedChatModel(echo=True, model=s.model),
                    settings=ProviderSettings,
                    description="from {module}",
                ))
            """
        )
    )


def ep(name: str, value: str) -> metadata.EntryPoint:
    return metadata.EntryPoint(name=name, value=value, group="synaptic")


def test_only_the_asked_for_plugin_is_imported_and_it_is_cached(plugins: Path) -> None:
    write_plugin(plugins, "plug_alpha", "alpha")
    write_plugin(plugins, "plug_beta", "beta")
    registry = ProviderRegistry(entry_points=[ep("alpha", "plug_alpha"), ep("beta", "plug_beta")])
    assert registry.names() == ["alpha", "beta", "fake"]
    assert "plug_alpha" not in sys.modules
    alpha = registry.get("alpha")
    assert alpha.description == "from plug_alpha"
    assert "plug_alpha" in sys.modules
    assert "plug_beta" not in sys.modules
    assert registry.get("alpha") is alpha
    assert sys.modules["plug_alpha"].LOADS == [1]
    assert alpha.factory(ProviderSettings(model="m")).chat_sync("hey").content == "hey"


def test_unknown_provider_suggests_close_names(plugins: Path) -> None:
    registry = ProviderRegistry(entry_points=[ep("shout", "nowhere")])
    with pytest.raises(ConfigError) as info:
        registry.get("shuot")
    assert (
        str(info.value)
        == "unknown provider 'shuot' (did you mean 'shout'?); available: fake, shout"
    )


def test_unknown_known_provider_says_what_to_install() -> None:
    with pytest.raises(
        ConfigError,
        match=r"install it from a checkout: python -m pip install \./packages/synaptic-core "
        r'\./packages/synaptic-openai \./packages/synaptic-groq "\./\[groq\]"',
    ):
        ProviderRegistry(entry_points=[]).get("groq")


def test_two_distributions_with_one_name_are_refused(plugins: Path) -> None:
    write_plugin(plugins, "plug_one", "dup")
    write_plugin(plugins, "plug_two", "dup")
    registry = ProviderRegistry(entry_points=[ep("dup", "plug_one"), ep("dup", "plug_two")])
    with pytest.raises(ConfigError, match="provider 'dup' is registered twice"):
        registry.get("dup")


def test_a_plugin_may_not_take_a_registered_name(plugins: Path) -> None:
    write_plugin(plugins, "plug_first", "taken")
    write_plugin(plugins, "plug_thief", "taken")
    registry = ProviderRegistry(entry_points=[ep("taken", "plug_first"), ep("other", "plug_thief")])
    registry.get("taken")
    with pytest.raises(ConfigError, match="provider 'taken' is registered twice"):
        registry.get("other")


def test_a_plugin_may_not_shadow_a_builtin(plugins: Path) -> None:
    write_plugin(plugins, "plug_fake", "fake")
    registry = ProviderRegistry(entry_points=[ep("fake", "plug_fake")])
    with pytest.raises(ConfigError, match="provider 'fake' is registered twice: built in and by"):
        registry.get("fake")


def test_entry_point_that_registers_another_name(plugins: Path) -> None:
    write_plugin(plugins, "plug_mismatch", "something")
    registry = ProviderRegistry(entry_points=[ep("expected", "plug_mismatch")])
    with pytest.raises(
        ConfigError,
        match=r"did not register a provider named 'expected' \(it registered \['something'\]\)",
    ):
        registry.get("expected")


def test_plugin_that_fails_to_import(plugins: Path) -> None:
    (plugins / "plug_broken.py").write_text("raise RuntimeError('no native lib')\n")
    registry = ProviderRegistry(entry_points=[ep("broken", "plug_broken")])
    with pytest.raises(ConfigError, match=r"failed to import \(RuntimeError: no native lib\)"):
        registry.get("broken")


def test_misspelled_hook_is_reported(plugins: Path) -> None:
    write_plugin(plugins, "plug_typo", "typo", hook="synaptic_register_provider")
    registry = ProviderRegistry(entry_points=[ep("typo", "plug_typo")])
    with pytest.raises(ConfigError, match="invalid synaptic plugin"):
        registry.get("typo")


def test_plugin_objects_register_directly_and_many_providers_at_once() -> None:
    class Many:
        @hookimpl
        def synaptic_register_providers(self, register):  # type: ignore[no-untyped-def]
            for name in ("one", "two"):
                register(Provider(name=name, factory=lambda s: None, settings=ProviderSettings))  # type: ignore[arg-type,return-value]

    registry = ProviderRegistry(builtins=False, entry_points=[])
    assert registry.register_plugin(Many(), origin="test") == ["one", "two"]
    assert registry.names() == ["one", "two"]


@pytest.mark.parametrize("name", ["", "Groq", "has space", "-lead", "x" * 65])
def test_provider_names_are_checked(name: str) -> None:
    with pytest.raises(ConfigError, match="invalid provider name"):
        Provider(name=name, factory=lambda s: None, settings=ProviderSettings)  # type: ignore[arg-type,return-value]


def test_describe_lists_descriptions() -> None:
    registry = ProviderRegistry()
    described = registry.describe()
    assert described["fake"] == "Deterministic offline answers (echo, or scripted responses)"
    assert described["shout"] == "Answers in capitals (example plugin)"
