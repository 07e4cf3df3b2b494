"""Audio budgets in Redis (issue 24): Groq's audio limits (requests, audio seconds per
hour and day) shared by every process that names the store, with the in-process
budget's arithmetic on the Redis server's clock; an outage paces with this process's
share, starting empty; two ``synaptic transcribe`` processes under one shared budget
meet no 429."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import redis
import synaptic
from synaptic_core import RateLimitError
from synaptic_core.audio import RateLimitedTranscriptionModel
from synaptic_core.pacing import Limits
from synaptic_groq.emulator import GroqEmulator
from synaptic_groq.emulator._audio import wav
from synaptic_redis import RedisAudioBudget

from .conftest import RedisServer, _free_port

KEY = "gsk_audio_redis_SECRET_0123"
BUDGET = "audio:groq:0123456789abcdef:whisper-large-v3"


def budget(url: str, **limits: float) -> RedisAudioBudget:
    return RedisAudioBudget(Limits(store=url, max_wait=None, **limits), key=BUDGET)  # type: ignore[arg-type]


def test_two_processes_share_one_audio_budget(redis_server: RedisServer) -> None:
    """Two budgets naming one key stand for two processes: 36 audio seconds an hour
    (10 billed at least) is three requests between them, the fourth waits for the
    refill (400 s), a refund gives a refused request's 10 s back."""
    first, second = budget(redis_server.url, audio_seconds_per_hour=36),\
        budget(redis_server.url, audio_seconds_per_hour=36)  # fmt: skip
    assert [first.reserve(1.0), first.reserve(2.5), second.reserve(0.2)] == [0.0, 0.0, 0.0]
    assert second.snapshot()["s:3600"] == pytest.approx(6.0, abs=0.01)
    assert second.reserve(1.0) == pytest.approx(400.25, abs=0.5)  # 4 s short at 36/h
    refusal = RateLimitError("slow down", provider="groq")  # no retry-after: no pause
    first.refused(1.0, refusal)  # the 4th's claim back (it met a 429)
    assert first.snapshot()["s:3600"] == pytest.approx(6.0, abs=0.01)
    assert (first.share, second.share) == (1.0, 0.5)  # as each last reserved
    stored = redis.Redis.from_url(redis_server.url)
    names = sorted(k.decode() for k in stored.keys("*"))
    assert names == [f"synaptic:{BUDGET}", f"synaptic:workers:{BUDGET}"]
    dumped = repr(stored.hgetall(f"synaptic:{BUDGET}"))
    assert "SECRET" not in dumped
    assert repr(first) == f"RedisAudioBudget('{redis_server.url}', 'whisper-large-v3')"


def test_too_long_and_too_late_are_refused_before_anything_is_sent(
    redis_server: RedisServer,
) -> None:
    late = RedisAudioBudget(
        Limits(store=redis_server.url, requests_per_minute=2, audio_seconds_per_hour=100,
               max_wait=10), key=BUDGET)  # fmt: skip
    with pytest.raises(RateLimitError) as never:
        late.reserve(101.0)
    assert (never.value.code, never.value.retryable) == ("local_budget", False)
    assert str(never.value).startswith(
        "this audio is 101 s; the budget allows 100 audio seconds per hour: split it"
    )
    assert late.reserve(1.0) == 0.0
    assert late.reserve(1.0) == 0.0
    with pytest.raises(RateLimitError) as waited:  # the third this minute: 30 s away
        late.reserve(1.0)
    assert waited.value.retry_after == pytest.approx(30.0, abs=0.5)
    assert late.snapshot()["r:60"] == pytest.approx(0.0, abs=0.05)  # nothing taken


def test_an_outage_paces_at_this_process_share_starting_empty(
    redis_server: RedisServer,
) -> None:
    shared = budget(redis_server.url, requests_per_minute=60)
    other = budget(redis_server.url, requests_per_minute=60)
    assert [shared.reserve(1.0), other.reserve(1.0), shared.reserve(1.0)] == [0.0, 0.0, 0.0]
    assert shared.share == 0.5  # two workers this minute: a half each
    redis_server.stop()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        waits = [shared.reserve(1.0) for _ in range(3)]
    assert len(caught) == 1
    assert str(caught[0].message).startswith(
        f"the rate-limit store {redis_server.url} is unreachable (Error 111 connecting"
    )
    # Empty at 30 a minute: one every 2 s, queued (plus the quarter-second margin).
    assert waits == pytest.approx([2.25, 4.25, 6.25], abs=0.05)


def test_profiles_name_the_store_and_two_cli_processes_meet_no_429(
    redis_server: RedisServer, tmp_path: Path
) -> None:
    """Two ``synaptic transcribe`` processes, 130 files each, under an audio limit of
    240 requests a minute: in-process budgets would each burst 130 (20 or so answered
    429); sharing the budget in Redis, at most 1% are (the target; the budget's clock
    starts at the first reservation, the emulator's at that request's arrival, and a
    quarter second covers the difference unless the machine is very busy), and every
    file is done."""
    env_key = {"GROQ_API_KEY": KEY}
    with GroqEmulator(audio_requests_per_minute=240) as emulator:
        limits = {"store": redis_server.url, "requests_per_minute": 240}
        model = synaptic.load_transcription_model("groq:whisper-large-v3", environ=env_key,
                                                  base_url=emulator.base_url, limits=limits)  # fmt: skip
        assert isinstance(model.model, RateLimitedTranscriptionModel)  # type: ignore[attr-defined]
        assert isinstance(model.model.budget, RedisAudioBudget)  # type: ignore[attr-defined]
        model.close()
        config = tmp_path / "synaptic.toml"
        config.write_text(
            '[profiles.w]\nprovider = "groq"\nmodel = "whisper-large-v3-turbo"\n'
            f'[profiles.w.limits]\nrequests_per_minute = 240\nstore = "{redis_server.url}"\n'
        )
        runs = []
        for name in ("a", "b"):
            folder = tmp_path / name
            folder.mkdir()
            for i in range(130):
                (folder / f"{i:03d}.wav").write_bytes(wav(0.1, rate=8_000))
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
            env.update(GROQ_API_KEY=KEY, GROQ_BASE_URL=emulator.base_url,
                       SYNAPTIC_HOME=str(tmp_path / f"home-{name}"))  # fmt: skip
            files = sorted(str(p) for p in folder.iterdir())
            runs.append(subprocess.Popen(
                [sys.executable, "-m", "synaptic", "transcribe", *files, "-o", str(folder / "out"),
                 "-m", "w", "-C", str(config), "--jobs", "8"],
                env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))  # fmt: skip
        for run in runs:
            _, err = run.communicate(timeout=120)
            assert run.returncode == 0, err
        stats = emulator.stats.snapshot()
    assert stats["requests_by_status"]["200"] == 260
    assert stats["requests_by_status"].get("429", 0) <= 2
    assert all(len(list((tmp_path / n / "out").iterdir())) == 130 for n in ("a", "b"))


def test_an_unreachable_store_url_is_said_once_and_audio_goes_on(tmp_path: Path) -> None:
    url = f"redis://127.0.0.1:{_free_port()}/0"
    nowhere = budget(url, requests_per_minute=600)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert nowhere.reserve(1.0) == pytest.approx(0.35, abs=0.01)  # empty: 0.1 s + margin
    assert len(caught) == 1
    assert "pacing with this process's share of the budget until it is back" in str(
        caught[0].message
    )
