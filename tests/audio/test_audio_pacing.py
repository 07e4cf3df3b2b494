"""Audio paced by its own budget (Groq's RPM, RPD, audio seconds per hour and per day):
seconds read from the file's header before the upload, at least 10 billed, waits in
arrival order, refusals before anything is sent. A fake clock: no real sleeping."""

from __future__ import annotations

from pathlib import Path

import pytest

from synaptic_core import FakeBackend, RateLimitError
from synaptic_core.audio import AudioBudget, RateLimitedTranscriptionModel
from synaptic_core.audio._duration import duration_of
from synaptic_core.audio._source import AudioSource
from synaptic_groq import GroqConfig, GroqTranscriptionModel
from synaptic_groq.emulator._audio import wav

KEY = "gsk_audio_pacing_0123456789"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def paced(
    budget: AudioBudget, clock: Clock, answers: int
) -> tuple[RateLimitedTranscriptionModel, FakeBackend]:
    backend = FakeBackend()
    for _ in range(answers):
        backend.add_response({"text": "ok"})
    model = GroqTranscriptionModel(GroqConfig(KEY, "whisper-large-v3-turbo"), backend)
    return RateLimitedTranscriptionModel(model, budget, sleep_sync=clock.sleep), backend


def test_audio_seconds_per_hour_pace_the_uploads() -> None:
    clock = Clock()
    budget = AudioBudget(audio_seconds_per_hour=3600, max_wait=None, clock=clock)  # 1 s a second
    model, backend = paced(budget, clock, 3)
    for _ in range(3):
        model.transcribe_sync(wav(1800.0, rate=1000))  # half an hour each
    assert clock.slept == [1800.25]  # two fit the hour; the third waits its half (+ margin)
    assert len(backend.requests) == 3


def test_short_files_are_billed_ten_seconds_and_requests_per_minute_count() -> None:
    clock = Clock()
    budget = AudioBudget(requests_per_minute=2, audio_seconds_per_hour=30, max_wait=None,
                         clock=clock)  # fmt: skip
    model, _ = paced(budget, clock, 4)
    for _ in range(4):
        model.transcribe_sync(wav(0.5))
    # 2 requests a minute: the 3rd waits 30 s. 30 audio seconds an hour at 10 s billed
    # each: 3 fit, the 4th waits for 10 s to refill (1,200 s), less the 30.25 s already
    # waited (they refilled ~0.25 s): 1,169.75 s. Each wait has WAIT_MARGIN (0.25 s) added.
    assert clock.slept == [30.25, 1170.0]


def test_what_cannot_fit_is_refused_before_anything_is_sent() -> None:
    clock = Clock()
    budget = AudioBudget(audio_seconds_per_hour=60, max_wait=100, clock=clock)
    model, backend = paced(budget, clock, 1)
    with pytest.raises(RateLimitError) as info:
        model.transcribe_sync(wav(120.0, rate=1000))
    assert info.value.code == "local_budget"
    assert info.value.retryable is False
    assert "this audio is 120 s; the budget allows 60 audio seconds per hour: split it" in str(
        info.value
    )
    model.transcribe_sync(wav(50.0, rate=1000))
    with pytest.raises(RateLimitError, match="would make this request wait 2400 s"):
        model.transcribe_sync(wav(50.0, rate=1000))
    assert len(backend.requests) == 1


def test_seconds_come_from_the_header_else_the_size(tmp_path: object) -> None:
    assert AudioSource.of(wav(12.5, rate=16_000)).seconds() == pytest.approx(12.5)
    assert duration_of(b"\xff\xfb" + bytes(100), 160_000) == pytest.approx(10.0)  # "free"


def test_an_mp3s_length_comes_from_its_first_frame() -> None:
    """Constant bitrate: the size over the bitrate (64 kbit/s is 8,000 bytes a second,
    where the 128 kbit/s guess would halve it); variable: the Xing/Info or VBRI frame
    count; an ID3v2 tag is skipped; MPEG-2 (24 kHz speech) has its own tables."""
    cbr = b"\xff\xfb\x50\x44" + bytes(200)  # MPEG-1 Layer III, 64 kbit/s, 44.1 kHz
    assert duration_of(cbr, 80_000) == pytest.approx(10.0)
    tag = b"ID3\x04\x00\x00\x00\x00\x01\x00" + bytes(128)  # a 128-byte ID3v2 tag
    assert duration_of(tag + cbr, 138 + 80_000) == pytest.approx(10.0)
    xing = bytearray(b"\xff\xfb\x90\x44" + bytes(400))
    xing[36:48] = b"Xing" + (1).to_bytes(4, "big") + (1_000).to_bytes(4, "big")
    assert duration_of(bytes(xing), 5_000_000) == pytest.approx(1_000 * 1152 / 44_100)
    mono_info = bytearray(b"\xff\xfb\x90\xc4" + bytes(400))  # mono: side info 17 bytes
    mono_info[21:33] = b"Info" + (1).to_bytes(4, "big") + (441).to_bytes(4, "big")
    assert duration_of(bytes(mono_info), 9_999) == pytest.approx(441 * 1152 / 44_100)
    vbri = bytearray(b"\xff\xfb\x90\x44" + bytes(400))
    vbri[36:40], vbri[50:54] = b"VBRI", (2_000).to_bytes(4, "big")
    assert duration_of(bytes(vbri), 123) == pytest.approx(2_000 * 1152 / 44_100)
    mpeg2 = b"\xff\xf3\x44\xc4" + bytes(100)  # MPEG-2 Layer III, 32 kbit/s, 24 kHz
    assert duration_of(mpeg2, 40_000) == pytest.approx(10.0)
    assert duration_of(b"\xff\xfd\x50\x44" + bytes(100), 80_000) == 5.0  # Layer II: a guess


def test_a_profiles_limits_pace_audio_loaded_by_name() -> None:
    import synaptic
    from synaptic_core import ConfigError
    from synaptic_core.audio import RetryTranscriptionModel

    env = {"GROQ_API_KEY": KEY}
    model = synaptic.load_transcription_model(
        "groq:whisper-large-v3-turbo", environ=env,
        limits={"requests_per_minute": 20, "audio_seconds_per_hour": 7200},
    )  # fmt: skip
    assert isinstance(model, RetryTranscriptionModel)
    assert isinstance(model.model, RateLimitedTranscriptionModel)
    again = synaptic.load_transcription_model(
        "groq:whisper-large-v3-turbo", environ=env,
        limits={"requests_per_minute": 20, "audio_seconds_per_hour": 7200},
    )  # fmt: skip
    assert again.model.budget is model.model.budget  # one budget per limits, key and model
    other_model = synaptic.load_transcription_model(
        "groq:whisper-large-v3", environ=env,
        limits={"requests_per_minute": 20, "audio_seconds_per_hour": 7200},
    )  # fmt: skip
    assert other_model.model.budget is not model.model.budget  # Groq's limits are per model
    shared = synaptic.load_transcription_model("groq:whisper-large-v3", environ=env,
                                               limits={"store": "redis://127.0.0.1:1"})  # fmt: skip
    assert type(shared.model.budget).__name__ == "RedisAudioBudget"  # connects on first use
    with pytest.raises(ConfigError, match=r"no installed store for memcached:// URLs"):
        synaptic.load_transcription_model("groq:whisper-large-v3", environ=env,
                                          limits={"store": "memcached://x"})  # fmt: skip


def test_the_emulator_answers_429_past_its_audio_limits_and_the_budget_avoids_them() -> None:
    from synaptic_core.audio import AudioBudget
    from synaptic_groq.emulator import GroqEmulator

    clock = Clock()
    with GroqEmulator(audio_requests_per_minute=20, audio_seconds_per_hour=30,
                      clock=clock) as emulator:  # fmt: skip
        plain = GroqTranscriptionModel(
            GroqConfig(KEY, "whisper-large-v3", base_url=emulator.base_url)
        )
        heard = [plain.transcribe_sync(wav(1.0)) for _ in range(3)]  # 10 s billed: 30 s
        # Each answer carries the requests-per-minute trio, as chat answers do.
        assert [(h.rate_limit.limit_requests, h.rate_limit.remaining_requests)
                for h in heard if h.rate_limit] == [(20, 19), (20, 18), (20, 17)]  # fmt: skip
        assert heard[-1].rate_limit is not None
        assert heard[-1].rate_limit.reset_requests == pytest.approx(9.0)
        with pytest.raises(RateLimitError) as info:
            plain.transcribe_sync(wav(1.0))
        assert "on audio seconds per hour (ASH)" in str(info.value)
        assert info.value.retry_after == pytest.approx(1200, rel=0.01)
        assert info.value.rate_limit is not None
        assert info.value.rate_limit.remaining_requests == 17  # refused: nothing spent
        clock.now += 1200
        plain.transcribe_sync(wav(1.0))  # refilled
        # The same limits as a budget: it waits instead of meeting the 429.
        budget = AudioBudget(requests_per_minute=20, audio_seconds_per_hour=30, max_wait=None,
                             clock=clock)  # fmt: skip
        clock.now += 3600  # both full again
        paced = RateLimitedTranscriptionModel(plain, budget, sleep_sync=clock.sleep)
        for _ in range(5):
            paced.transcribe_sync(wav(1.0))
        assert clock.slept == [1200.25, 1200.0]  # the second: its wait less the margin slept
        by_status = emulator.stats.snapshot()["requests_by_status"]
        plain.close()
    assert by_status == {"200": 9, "429": 1}


def test_a_refused_request_is_given_back_before_its_retry() -> None:
    """A 429 means the server spent nothing: the budget gets the reservation back, so
    the retry reserves once more instead of twice (it used to wait a whole extra file)."""
    clock = Clock()
    budget = AudioBudget(audio_seconds_per_hour=30, max_wait=None, clock=clock)
    backend = FakeBackend()
    backend.add_response({"error": {"message": "slow down", "type": "requests",
                                    "code": "rate_limit_exceeded"}}, status=429,
                         headers={"retry-after": "0"})  # fmt: skip
    backend.add_response({"text": "ok"}).add_response({"text": "ok"})
    model = RateLimitedTranscriptionModel(
        GroqTranscriptionModel(GroqConfig(KEY, "whisper-large-v3-turbo"), backend), budget,
        sleep_sync=clock.sleep,
    )  # fmt: skip
    with pytest.raises(RateLimitError):
        model.transcribe_sync(wav(0.5))
    model.transcribe_sync(wav(0.5))  # the retry: the refused one's 10 s came back
    model.transcribe_sync(wav(0.5))
    assert clock.slept == []  # 3 x 10 s fit the 30: nothing waited


def test_a_429_pauses_the_budget_and_the_headers_lower_it() -> None:
    """What the server says wins: a 429 gives the request back and pauses the budget it
    names until ``retry-after`` (claims already queued keep their places); the answer's
    ``x-ratelimit-*-requests`` lower the bucket whose limit they name once nothing else
    is in flight; a limit no bucket has (Groq's per-day figure) changes nothing."""
    from synaptic_core import RateLimitInfo

    clock = Clock()
    budget = AudioBudget(requests_per_minute=60, audio_seconds_per_hour=3600, max_wait=None,
                         clock=clock)  # fmt: skip
    assert budget.reserve(1.0) == 0.0
    budget.refused(1.0, RateLimitError("on requests per minute (RPM)", retry_after=5.0))
    assert budget.reserve(1.0) == pytest.approx(5.25)  # behind the pause, with the margin
    assert budget.reserve(1.0) == pytest.approx(6.25)  # then at the rate: 1 a second
    budget.refused(1.0, RateLimitError("slow down", retry_after=2.0))  # queued ones stand
    assert budget.reserve(1.0) == pytest.approx(6.25)  # the refused one's slot, given back
    clock.now += 3600
    budget.settle(RateLimitInfo(limit_requests=60, remaining_requests=1))  # one more in flight
    budget.settle(RateLimitInfo(limit_requests=60, remaining_requests=10))  # the last
    budget.settle(RateLimitInfo(limit_requests=14_400, remaining_requests=3))  # no such bucket
    assert [budget.reserve(1.0) for _ in range(10)][-1] == 0.0
    assert budget.reserve(1.0) == pytest.approx(1.25)
    # A 429 naming audio seconds pauses the seconds: 10 billed at its end.
    clock.now += 3600
    for _ in range(11):
        budget.settle(None)  # the in-flight ones answered
    budget.refused(10.0, RateLimitError("on audio seconds per hour (ASH)", retry_after=100.0))
    assert budget.reserve(1.0) == pytest.approx(100.25)


def test_a_run_right_after_another_starts_from_what_it_left(tmp_path: Path) -> None:
    """``synaptic transcribe`` remembers its audio budget in ``budgets.json`` (as batch
    and chat do): a second run right after a first that spent the minute's requests
    waits for them instead of sending into a 429 (here past ``max_wait``: refused
    before sending, nothing sent)."""
    import json
    import os
    import subprocess
    import sys

    from synaptic_groq.emulator import GroqEmulator

    for index in range(11):
        (tmp_path / f"c{index:02d}.wav").write_bytes(wav(0.1, rate=8_000))
    config = tmp_path / "synaptic.toml"
    config.write_text('[profiles.w]\nprovider = "groq"\nmodel = "whisper-large-v3-turbo"\n'
                      "[profiles.w.limits]\nrequests_per_minute = 10\nmax_wait = 2\n")  # fmt: skip
    with GroqEmulator(audio_requests_per_minute=10) as emulator:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GROQ_", "SYNAPTIC_"))}
        env.update(GROQ_API_KEY=KEY, GROQ_BASE_URL=emulator.base_url,
                   SYNAPTIC_HOME=str(tmp_path / "home"))  # fmt: skip

        def run(*names: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "synaptic", "transcribe", *names, "-o", "out", "-m", "w",
                 "-C", str(config), "--retries", "0"], capture_output=True, text=True, env=env,
                cwd=tmp_path, timeout=60, check=False)  # fmt: skip

        first = run(*(f"c{i:02d}.wav" for i in range(10)))
        assert first.returncode == 0, first.stderr
        second = run("c10.wav", "c00.wav")
        stats = emulator.stats.snapshot()
    assert second.returncode == 1
    assert "c10.wav: error: the audio budget would make this request wait" in second.stderr
    assert stats["requests_by_status"] == {"200": 10}  # the 11th never sent, no 429
    saved = json.loads((tmp_path / "home" / "budgets.json").read_text())["budgets"]
    assert [k.split(":")[0] for k in saved] == ["audio"]
    assert KEY not in json.dumps(saved)
