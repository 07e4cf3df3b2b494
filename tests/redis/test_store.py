"""The Redis store: the same budget semantics as the local one, atomic across 4
processes, server time, no API key in Redis, and outages that never stop requests."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import time
import warnings

import pytest

import redis
import synaptic
from synaptic_core import (
    FakeBackend,
    NetworkError,
    RateLimitError,
    RateLimitInfo,
    RequestTooLargeError,
)
from synaptic_core.pacing import Limits, RateLimitedChatModel
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_redis import RedisRateLimiter

from .conftest import RedisServer, completion

KEY = "gsk_redis_SECRET_key"


def test_reservations_settle_and_refund_in_redis(redis_server: RedisServer) -> None:
    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=2, tokens_per_minute=1000), url=redis_server.url
    )
    waits = [limiter.reserve("k", 100).wait for _ in range(3)]
    assert waits[:2] == [0.0, 0.0]
    assert waits[2] == pytest.approx(30.0, abs=0.5)  # FIFO, by the server's clock
    levels = limiter.snapshot("k")
    assert levels["tokens_per_minute"] == pytest.approx(700, abs=10)
    limiter.settle("k", 100, 40)  # reconcile: 60 back
    limiter.refund("k", 100)  # a request that never ran: 100 back (and its request)
    levels = limiter.snapshot("k")
    assert levels["tokens_per_minute"] == pytest.approx(860, abs=10)
    assert levels["requests_per_minute"] == pytest.approx(0, abs=0.2)


def test_never_fits_and_max_wait(redis_server: RedisServer) -> None:
    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=1, tokens_per_minute=100, max_wait=5),
        url=redis_server.url,
    )
    with pytest.raises(RequestTooLargeError, match="more than the limit of 100 tokens per minute"):
        limiter.reserve("k", 101)
    limiter.reserve("k", 10)
    with pytest.raises(RateLimitError) as info:
        limiter.reserve("k", 10)
    assert info.value.retry_after == pytest.approx(60, abs=1)
    assert limiter.snapshot("k")["requests_per_minute"] == pytest.approx(0, abs=0.1)  # not taken


def test_pause_and_header_learning(redis_server: RedisServer) -> None:
    limiter = RedisRateLimiter(Limits(headroom=0), url=redis_server.url)
    limiter.observe(
        "k",
        RateLimitInfo(
            limit_requests=14_400, remaining_requests=100, limit_tokens=6000, remaining_tokens=50
        ),
    )
    assert limiter.snapshot("k") == {
        "requests_per_day": pytest.approx(100, abs=1),
        "tokens_per_minute": pytest.approx(50, abs=5),
    }
    limiter.pause("k", 3)
    assert limiter.reserve("k", 0).wait == pytest.approx(3, abs=0.2)


def test_the_api_key_never_reaches_redis(redis_server: RedisServer) -> None:
    limiter = RedisRateLimiter(Limits(headroom=0, tokens_per_minute=10_000), url=redis_server.url)
    model = RateLimitedChatModel(
        GroqChatModel(
            GroqConfig(KEY, "openai/gpt-oss-20b"), FakeBackend().add_response(completion())
        ),
        limiter,
    )
    model.chat_sync("hi")
    client = redis.Redis.from_url(redis_server.url)
    dump = json.dumps(
        [
            [k.decode(), {f.decode(): v.decode() for f, v in client.hgetall(k).items()}]
            for k in client.keys("synaptic:budget:*")
        ]
        + [
            [k.decode(), [m.decode() for m in client.zrange(k, 0, -1)]]  # the workers
            for k in client.keys("synaptic:workers:*")
        ]
    )
    assert KEY not in dump
    assert "synaptic:budget:groq:" in dump
    assert "secret" not in repr(limiter).lower()


WORKER = """
import json, sys, time
from synaptic_core.pacing import Limits
from synaptic_redis import RedisRateLimiter
limiter = RedisRateLimiter(Limits(headroom=0, requests_per_minute=100, max_wait=None), url=sys.argv[1])
starts = []
for _ in range(50):
    wait = limiter.reserve("shared", 0).wait
    starts.append([wait, time.time() + wait])  # when this request may start
print(json.dumps(starts))
"""


def test_four_processes_share_one_budget_atomically(redis_server: RedisServer) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, redis_server.url], stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [
        pair for process in processes for pair in json.loads(process.communicate(timeout=120)[0])
    ]
    assert len(results) == 200
    immediate = sum(1 for wait, _ in results if wait == 0)
    assert 100 <= immediate <= 105  # the budget, plus what refilled while they ran
    starts = sorted(start for wait, start in results if wait > 0)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    # One slot each, 0.6 s apart at 100 a minute: two sharing a slot would start together.
    # (Bounds allow for a busy machine's scheduling between Redis's reply and time.time().)
    assert min(gaps) > 0.3
    assert starts[-1] - starts[0] == pytest.approx(0.6 * (len(starts) - 1), abs=1.0)


def test_an_outage_falls_back_to_the_local_budget_and_resyncs(redis_server: RedisServer) -> None:
    now = [0.0]
    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=1000),
        url=redis_server.url,
        retry_interval=5,
        clock=lambda: now[0],
    )
    backend = FakeBackend()
    for _ in range(6):
        backend.add_response(completion())
    model = RateLimitedChatModel(
        GroqChatModel(GroqConfig(KEY, "openai/gpt-oss-20b"), backend), limiter
    )
    model.chat_sync("before")
    redis_server.stop()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.chat_sync("during 1")
        model.chat_sync("during 2")
    assert [str(w.message).split(";")[0] for w in caught] == [
        f"the rate-limit store redis://127.0.0.1:{redis_server.port}/0 is unreachable (Error 111 "
        f"connecting to 127.0.0.1:{redis_server.port}. Connection refused.)"
    ]
    redis_server.start()
    now[0] += 6  # past retry_interval: Redis again
    model.chat_sync("after")
    assert len(backend.requests) == 4  # every request sent exactly once
    assert limiter.snapshot(model.key)["requests_per_minute"] == pytest.approx(
        999, abs=1
    )  # a fresh server


def test_an_outage_can_raise_instead(redis_server: RedisServer) -> None:
    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=10), url=redis_server.url, on_outage="raise"
    )
    redis_server.stop()
    with pytest.raises(NetworkError, match=r"rate-limit store .* is unreachable"):
        limiter.reserve("k", 0)


def test_a_slow_redis_keeps_waits_bounded(redis_server: RedisServer) -> None:
    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=10), url=redis_server.url, timeout=0.2
    )
    limiter.reserve("k", 0)
    blocker = redis.Redis.from_url(redis_server.url)
    blocker.execute_command("CLIENT", "PAUSE", "1000")  # every other client waits 1 s
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reservation = limiter.reserve("k", 0)  # the local budget answers
    assert time.monotonic() - started < 0.9  # the pause lasts 1 s: we did not wait it out
    assert reservation.limiter is limiter.local


def test_a_profile_names_the_redis_store(redis_server: RedisServer) -> None:
    model = synaptic.load_chat_model(
        "groq:openai/gpt-oss-20b",
        environ={"GROQ_API_KEY": KEY},
        limits={"requests_per_minute": 30, "store": redis_server.url},
        retries=0,
    )
    assert isinstance(model, RateLimitedChatModel)
    assert isinstance(model.limiter, RedisRateLimiter)
