"""The Redis store on a bad day (issue 21 items 1, 2, 3, 7, 8): an outage falls back to
an EMPTY local budget at this process's share, READONLY after a failover is an outage
(never a failed line, never a redis traceback), async code never blocks on Redis and
takes two round trips a request, a 429 empties the shared budget and re-queues earlier
waiters behind it, the store costs little memory, and ``rediss://`` (TLS) works."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import synaptic
from synaptic.cli import main
from synaptic_core import (
    ConfigError,
    FakeBackend,
    NetworkError,
    RateLimitError,
    RateLimitInfo,
    RequestTooLargeError,
)
from synaptic_core.pacing import (
    LOCAL_BUDGET,
    Limits,
    LocalRateLimiter,
    RateLimitedChatModel,
    limiter_for,
)
from synaptic_groq import GroqChatModel, GroqConfig
from synaptic_redis import RedisRateLimiter
from synaptic_redis._resp import StoreError, SyncClient, parse_url
from synaptic_redis._script import SHA

from .conftest import RedisServer, _free_port, completion

KEY = "gsk_bad_day_key"
HEADERS = {
    "x-ratelimit-limit-requests": "14400",
    "x-ratelimit-remaining-requests": "14000",
    "x-ratelimit-limit-tokens": "100000",
    "x-ratelimit-remaining-tokens": "90000",
}


class Clock:
    """The fallback's clock (Redis keeps its own: the server's)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def groq(backend: FakeBackend) -> GroqChatModel:
    return GroqChatModel(GroqConfig(KEY, "openai/gpt-oss-20b"), backend)


def command(server: RedisServer, *args: str | int) -> Any:
    """One command to ``server`` through a throwaway connection (the tests' own view)."""
    client = SyncClient(parse_url(server.url))
    try:
        return client.call(*args)
    finally:
        client.close()


def require_redis_server() -> None:
    """As the ``redis_server`` fixture: a failure in CI, a skip elsewhere."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed (.ci/run installs it): CI needs it")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")


def no_redis_exception(caught: list[warnings.WarningMessage]) -> None:
    for warning in caught:
        assert "redis.exceptions" not in repr(warning.message)


# --- (a) an outage: the fallback starts empty and paces at this process's share -------


def test_an_outage_falls_back_to_an_empty_budget_at_this_processs_share(
    redis_server: RedisServer,
) -> None:
    """Two workers shared 600 a minute: cut off from Redis, each paces at 300 a minute
    (one every 0.2 s) from empty, so together they keep the organisation's 600. Before,
    each fell back to a FULL budget of its own: 600 at once each, 1,200 together."""
    clock = Clock()
    limits = Limits(headroom=0, requests_per_minute=600, max_wait=None)
    one, two = (
        RedisRateLimiter(limits, url=redis_server.url, clock=clock, retry_interval=3600)
        for _ in range(2)
    )
    for _ in range(2):
        one.reserve("k", 0)
        two.reserve("k", 0)
    assert one.share("k") == two.share("k") == 0.5
    redis_server.stop()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        waits = [[limiter.reserve("k", 0).wait for _ in range(4)] for limiter in (one, two)]
        clock.now += 1.0  # a second refills 5 each (300 a minute): the 4 queued and 1
        later = [limiter.reserve("k", 0).wait for limiter in (one, two)]
        # Nothing else raises either: settle, refund, observe, pause, recheck, snapshot.
        reservation = one.reserve("k", 10)
        assert reservation.limiter is one.local
        assert one.recheck(reservation) == 0.0
        one.settle("k", 10, 5)
        one.refund("k", 10)
        one.observe("k", RateLimitInfo(limit_requests=600, remaining_requests=10))
        one.pause("k", 1.0)  # a 429 during the outage: the fallback honours it too
        assert one.recheck(reservation) >= 1.0
        assert one.snapshot("k") == {}  # nothing to say: Redis is away
    assert waits == [pytest.approx([0.2, 0.4, 0.6, 0.8])] * 2
    assert later == pytest.approx([0.0, 0.0])
    assert [w.category for w in caught] == [RuntimeWarning, RuntimeWarning]  # once each
    assert all("is unreachable" in str(w.message) for w in caught)
    assert all("this process's share" in str(w.message) for w in caught)
    no_redis_exception(caught)


def test_a_process_alone_falls_back_at_the_whole_rate_but_still_from_empty(
    redis_server: RedisServer,
) -> None:
    """The per-minute buckets start empty; a per-day one keeps what was left today (an
    outage spends nothing), at this process's share."""
    clock = Clock()
    limits = Limits(
        headroom=0,
        requests_per_minute=60,
        tokens_per_minute=6000,
        requests_per_day=14_400,
        max_wait=None,
    )
    limiter = RedisRateLimiter(limits, url=redis_server.url, clock=clock, retry_interval=3600)
    limiter.reserve("k", 100)
    assert limiter.share("k") == 1.0
    limiter.observe("k", RateLimitInfo(limit_requests=14_400, remaining_requests=9_000))
    redis_server.stop()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        waits = [limiter.reserve("k", 100).wait for _ in range(3)]
    assert waits == pytest.approx([1.0, 2.0, 3.0])  # one a second: 60 a minute, no burst
    assert limiter.local.snapshot("k") == {
        "requests_per_minute": pytest.approx(-3.0),
        "tokens_per_minute": pytest.approx(-300.0),
        "requests_per_day": pytest.approx(9_000 - 3),
    }


def test_a_request_larger_than_the_share_waits_for_it_rather_than_failing(
    redis_server: RedisServer,
) -> None:
    clock = Clock()
    limits = Limits(headroom=0, tokens_per_minute=6000, max_wait=None)
    one, two = (
        RedisRateLimiter(limits, url=redis_server.url, clock=clock, retry_interval=3600)
        for _ in range(2)
    )
    one.reserve("k", 0)
    two.reserve("k", 0)
    one.reserve("k", 0)
    redis_server.stop()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert one.reserve("k", 4000).wait == pytest.approx(4000 / 50)  # 3,000 a minute
        with pytest.raises(RequestTooLargeError, match="limit of 6,000 tokens per minute"):
            one.reserve("k", 6001)


async def test_an_outage_on_the_async_path_paces_from_empty_and_never_raises(
    redis_server: RedisServer,
) -> None:
    clock = Clock()
    slept: list[float] = []

    async def asleep(seconds: float) -> None:
        slept.append(seconds)
        clock.now += seconds

    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=120, max_wait=None),
        url=redis_server.url,
        clock=clock,
        retry_interval=3600,
    )
    backend = FakeBackend()
    for _ in range(4):
        backend.add_response(completion(), headers=HEADERS)
    model = RateLimitedChatModel(groq(backend), limiter, asleep=asleep)
    await model.chat("before")
    redis_server.stop()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            await model.chat("during")
    assert slept == pytest.approx([0.5, 0.5, 0.5])  # 120 a minute from empty: one per 0.5 s
    assert len(backend.requests) == 4  # every request sent, once
    assert len(caught) == 1
    no_redis_exception(caught)
    await limiter.aclose()


# --- (b) READONLY after a failover: an outage, never a failure ------------------------


@pytest.fixture
def other_server(redis_server: RedisServer) -> Iterator[RedisServer]:
    server = RedisServer(_free_port(), None)
    server.start()
    yield server
    server.stop()


def make_replica(server: RedisServer, primary: RedisServer) -> None:
    """``server`` becomes ``primary``'s replica (a failover seen from the old primary's
    side): reads work, every write is refused with READONLY."""
    command(server, "REPLICAOF", "127.0.0.1", primary.port)
    deadline = time.monotonic() + 20
    while "master_link_status:up" not in command(server, "INFO", "replication").decode():
        assert time.monotonic() < deadline, "the replica never synced"
        time.sleep(0.05)


def test_readonly_is_an_outage_with_one_warning_and_never_a_redis_error(
    redis_server: RedisServer, other_server: RedisServer
) -> None:
    limits = Limits(headroom=0, requests_per_minute=600)
    limiter = RedisRateLimiter(limits, url=redis_server.url, retry_interval=0)
    assert limiter.reserve("k", 0).limiter is limiter
    make_replica(redis_server, other_server)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reservations = [limiter.reserve("k", 0) for _ in range(5)]  # retried each time
        limiter.settle("k", 0, 0)
        limiter.observe("k", RateLimitInfo(limit_requests=600, remaining_requests=10))
        limiter.pause("k", 0.1)
    assert all(r.limiter is limiter.local for r in reservations)
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "refused the update (READONLY" in message
    assert "pacing with this process's share of the budget" in message
    no_redis_exception(caught)
    strict = RedisRateLimiter(limits, url=redis_server.url, on_outage="raise")
    with pytest.raises(NetworkError, match=r"refused the update \(READONLY .*primary") as info:
        strict.reserve("k", 0)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_synaptic_chat_on_a_readonly_store_answers_and_warns(
    redis_server: RedisServer,
    other_server: RedisServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Before: a ``redis.exceptions.ReadOnlyError`` traceback."""
    monkeypatch.chdir(tmp_path)
    for name in ("SYNAPTIC_MODEL", "SYNAPTIC_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "synaptic.toml").write_text(
        'default = "x"\n[profiles.x]\nprovider = "fake"\nresponses = ["answered"]\n'
        f'[profiles.x.limits]\nrequests_per_minute = 597\nstore = "{redis_server.url}"\n'
    )
    make_replica(redis_server, other_server)
    with pytest.raises(SystemExit) as exit_:
        main(["chat", "hi"])
    out, err = capsys.readouterr()
    assert (exit_.value.code, out) == (0, "answered\n")
    assert "Traceback" not in err
    assert "redis.exceptions" not in err
    lines = err.splitlines()  # the CLI says it once, on one line, as it happens
    assert len(lines) == 1
    assert lines[0].startswith(
        f"warning: the rate-limit store redis://127.0.0.1:{redis_server.port}/0 refused the "
        f"update (READONLY You can't write against a read only replica. script: {SHA}"
    )


# --- (c) async: never blocks the loop, two round trips a request ----------------------


async def test_async_requests_take_two_round_trips_and_never_a_blocking_call(
    redis_server: RedisServer,
) -> None:
    """Before: 4 blocking calls a request (reserve, settle, and one observe per header
    kind) from async code. Now: one round trip to reserve, one to settle and observe."""
    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=6000, tokens_per_minute=1_000_000),
        url=redis_server.url,
    )

    def blocking(*args: Any) -> Any:
        raise AssertionError(f"a blocking Redis call on the async path: {args[:1]}")

    limiter._sync.pipeline = blocking  # type: ignore[method-assign]
    trips: list[list[str]] = []
    pipeline = limiter._async.pipeline

    async def counted(commands: Any) -> Any:
        trips.append([str(c[0]) for c in commands])
        return await pipeline(commands)

    limiter._async.pipeline = counted  # type: ignore[method-assign]
    backend = FakeBackend()
    requests, streams = 20, 5
    sse = [{"choices": [{"index": 0, "delta": {"content": "ok"}, "finish_reason": "stop"}]}]
    backend.add_response(completion(), headers=HEADERS).add_sse(sse, headers=HEADERS)
    for _ in range(requests):
        backend.add_response(completion(), headers=HEADERS)
    for _ in range(streams):
        backend.add_sse(sse, headers=HEADERS)
    model = RateLimitedChatModel(groq(backend), limiter)
    await model.chat("warm-up")  # the script is loaded on first use (EVALSHA, then EVAL)
    await streamed(model, "warm-up")
    stats_before = commandstats(redis_server)
    trips.clear()
    answers = await asyncio.gather(*(model.chat(f"q{i}") for i in range(requests)))
    texts = await asyncio.gather(*(streamed(model, f"s{i}") for i in range(streams)))
    stats_after = commandstats(redis_server)
    assert [a.content for a in answers] == ["ok"] * requests
    assert texts == ["ok"] * streams
    total = requests + streams
    print(f"\nasync: {len(trips)} round trips for {total} requests")
    assert len(trips) == 2 * total
    assert all(trip == ["EVALSHA"] for trip in trips)
    sent = {k: n - stats_before.get(k, 0) for k, n in stats_after.items()}
    assert {k: n for k, n in sent.items() if n} == {"evalsha": 2 * total}
    await limiter.aclose()


async def streamed(model: RateLimitedChatModel, text: str) -> str:
    async with model.stream_chat(text) as stream:
        return "".join([chunk.content async for chunk in stream])


def commandstats(server: RedisServer) -> dict[str, int]:
    """Top-level commands the server ran (what clients sent; not the script's own)."""
    text = command(server, "INFO", "commandstats").decode()
    counts: dict[str, int] = {}
    for line in text.splitlines():
        if line.startswith("cmdstat_"):
            name, _, rest = line[len("cmdstat_") :].partition(":")
            if name in ("evalsha", "eval", "script", "auth", "select", "hello", "ping"):
                counts[name] = int(rest.split("calls=")[1].split(",")[0])
    return counts


async def test_a_slow_redis_never_stalls_the_event_loop(redis_server: RedisServer) -> None:
    limiter = RedisRateLimiter(Limits(headroom=0, requests_per_minute=600), url=redis_server.url)
    await limiter.areserve("k", 0)
    ticks: list[float] = []

    async def ticker() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    running = asyncio.create_task(ticker())
    command(redis_server, "CLIENT", "PAUSE", "400")  # every client's command waits 0.4 s
    started = time.monotonic()
    reservation = await limiter.areserve("k", 0)
    elapsed = time.monotonic() - started
    running.cancel()
    assert reservation.limiter is limiter  # Redis answered, once the pause ended
    assert elapsed >= 0.3
    during = [t for t in ticks if started <= t <= started + elapsed]
    assert len(during) >= 10  # the loop kept running while Redis was slow
    await limiter.aclose()


async def test_async_cancellation_mid_call_drops_the_connection_not_the_store(
    redis_server: RedisServer,
) -> None:
    limiter = RedisRateLimiter(Limits(headroom=0, requests_per_minute=600), url=redis_server.url)
    await limiter.areserve("k", 0)
    command(redis_server, "CLIENT", "PAUSE", "300")
    task = asyncio.ensure_future(limiter.areserve("k", 0))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.sleep(0.3)
    assert (await limiter.areserve("k", 0)).limiter is limiter  # a fresh connection
    await limiter.aclose()


# --- (d) a 429 empties the shared budget; earlier waiters queue again behind it -------


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_429_requeues_earlier_waiters_behind_the_pause_at_the_rate(
    redis_server: RedisServer, mode: str
) -> None:
    """60 a minute, spent; 5 waiters queued (1..5 s); another process gets a 429 with
    retry-after 2 s: the budget is empty until then, then refills at 1 a second, and the
    waiters' old places are void: they queue again at 2, 3, 4, 5, 6 s (server clock).
    Before: the pause only set "not before", so they kept 1..5 s and burst after it."""
    limits = Limits(headroom=0, requests_per_minute=60, max_wait=None)
    limiter = RedisRateLimiter(limits, url=redis_server.url)
    other = RedisRateLimiter(limits, url=redis_server.url)

    async def scenario() -> tuple[list[float], list[float]]:
        if mode == "sync":
            spent = [limiter.reserve("k", 0).wait for _ in range(60)]
            queued = [limiter.reserve("k", 0) for _ in range(5)]
            other.pause("k", 2.0)
            return spent, [limiter.recheck(r) for r in queued] + [limiter.recheck(queued[0])]
        spent = [(await limiter.areserve("k", 0)).wait for _ in range(60)]
        queued = [await limiter.areserve("k", 0) for _ in range(5)]
        await other.apause("k", 2.0)
        rechecked = [await limiter.arecheck(r) for r in queued]
        return spent, [*rechecked, await limiter.arecheck(queued[0])]

    spent, waits = asyncio.run(scenario())
    assert max(spent) == 0.0
    assert waits == pytest.approx([2.0, 3.0, 4.0, 5.0, 6.0, 0.0], abs=0.15)
    # The in-process store does the same arithmetic.
    clock = Clock()
    local = LocalRateLimiter(limits, clock=clock)
    for _ in range(60):
        local.reserve("k", 0)
    queued = [local.reserve("k", 0) for _ in range(5)]
    local.pause("k", 2.0)
    assert [local.recheck(r) for r in queued] == pytest.approx(waits[:5], abs=0.15)
    limiter.close()
    other.close()


def test_a_stale_claim_refunds_nothing_and_a_new_wait_past_max_wait_is_local(
    redis_server: RedisServer,
) -> None:
    limits = Limits(headroom=0, requests_per_minute=60, max_wait=30)
    limiter = RedisRateLimiter(limits, url=redis_server.url)
    for _ in range(60):
        limiter.reserve("k", 0)
    stale, waiting = limiter.reserve("k", 0), limiter.reserve("k", 0)
    limiter.pause("k", 100.0)
    level = limiter.snapshot("k")["requests_per_minute"]
    stale.cancel()  # granted before the reset: the reset replaced its budget
    assert limiter.snapshot("k")["requests_per_minute"] == pytest.approx(level, abs=0.1)
    with pytest.raises(RateLimitError) as info:
        limiter.recheck(waiting)
    assert (info.value.code, info.value.status_code, info.value.retryable) == (
        LOCAL_BUDGET,
        None,
        False,
    )
    assert waiting.done
    with pytest.raises(RateLimitError) as late:
        limiter.reserve("k", 0)  # refused here, never sent: a bulk job's line is not failed
    assert late.value.code == LOCAL_BUDGET
    assert late.value.status_code is None


async def test_a_429_on_the_async_path_pauses_the_shared_budget(
    redis_server: RedisServer,
) -> None:
    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=60, max_wait=None), url=redis_server.url
    )
    backend = FakeBackend().add_response(
        {
            "error": {
                "message": "Rate limit reached",
                "type": "requests",
                "code": "rate_limit_exceeded",
            }
        },
        status=429,
        headers={"retry-after": "3"},
    )
    model = RateLimitedChatModel(groq(backend), limiter)
    with pytest.raises(RateLimitError):
        await model.chat("refused")
    other = RedisRateLimiter(limiter.limits, url=redis_server.url)
    assert (await other.areserve(model.key, 0)).wait == pytest.approx(3.0, abs=0.15)
    await limiter.aclose()
    await other.aclose()


# --- (e) memory ---------------------------------------------------------------------

MEMORY = """
import asyncio, resource, sys
from synaptic_core.pacing import Limits, LocalRateLimiter
limits = Limits(requests_per_minute=600, store=sys.argv[2] if len(sys.argv) > 2 else None)
if sys.argv[1] == "redis":
    import synaptic_redis
    limiter = synaptic_redis.RedisRateLimiter(limits)
else:
    limiter = LocalRateLimiter(limits)
limiter.reserve("k", 0)
async def main():
    if hasattr(limiter, "areserve"):
        await limiter.areserve("k", 0)
    else:
        limiter.reserve("k", 0)
asyncio.run(main())
try:  # this image's peak (ru_maxrss would count the forking pytest process's size too)
    with open("/proc/self/status") as status:
        print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
except OSError:
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss_kib(*args: str) -> int:
    done = subprocess.run(
        [sys.executable, "-c", MEMORY, *args], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


def test_the_redis_store_costs_at_most_10_mib_more_than_the_in_process_one(
    redis_server: RedisServer,
) -> None:
    """Before: ~19 MiB more (redis-py imports all of itself, OpenTelemetry's SDK too)."""
    local = min(peak_rss_kib("local") for _ in range(3))
    redis = min(peak_rss_kib("redis", redis_server.url) for _ in range(3))
    delta = (redis - local) / 1024
    print(f"\npeak RSS: in-process {local / 1024:.1f} MiB, Redis {redis / 1024:.1f} MiB, "
          f"delta {delta:.1f} MiB")  # fmt: skip
    assert delta <= 10


# --- (f) rediss:// ------------------------------------------------------------------


def test_a_rediss_url_resolves_to_the_redis_store_with_tls_settings() -> None:
    url = "rediss://user:s3cret@cache.example:6380/2?ssl_cert_reqs=none&ssl_ca_certs=/ca.pem"
    limiter = limiter_for(Limits(store=url), header_periods=(86_400.0, 60.0))
    assert isinstance(limiter, RedisRateLimiter)
    endpoint = limiter.endpoint
    assert (endpoint.tls, endpoint.host, endpoint.port, endpoint.db) == (
        True,
        "cache.example",
        6380,
        2,
    )
    assert (endpoint.username, endpoint.password) == ("user", "s3cret")
    assert (endpoint.ssl_cert_reqs, endpoint.ssl_ca_certs) == ("none", "/ca.pem")
    assert "s3cret" not in repr(limiter)
    model = synaptic.load_chat_model(
        "groq:openai/gpt-oss-20b", environ={"GROQ_API_KEY": KEY}, limits={"store": url}, retries=0
    )
    assert isinstance(model, RateLimitedChatModel)
    assert isinstance(model.limiter, RedisRateLimiter)


def test_a_bad_store_url_says_what_is_wrong() -> None:
    with pytest.raises(ConfigError, match="unknown option ssl_verify"):
        RedisRateLimiter(Limits(), url="rediss://h:6380/0?ssl_verify=no")


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[RedisServer, Path]]:
    """A redis-server speaking TLS only (a plain port too, for the fixture's PING)."""
    import trustme

    require_redis_server()
    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1", "localhost")
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    plain, tls = _free_port(), _free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(plain), "--tls-port", str(tls), "--bind", "127.0.0.1",
         "--save", "", "--dir", tempfile.gettempdir(), "--appendonly", "no",
         "--tls-cert-file", str(tmp_path / "cert.pem"), "--tls-key-file", str(tmp_path / "key.pem"),
         "--tls-ca-cert-file", str(tmp_path / "ca.pem"), "--tls-auth-clients", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", plain), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                if sock.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("redis-server with TLS did not start")
        time.sleep(0.02)
    yield RedisServer(tls, None), tmp_path / "ca.pem"
    process.kill()
    process.wait(10)


async def test_a_rediss_store_talks_tls_sync_and_async(
    tls_server: tuple[RedisServer, Path],
) -> None:
    server, ca = tls_server
    url = f"rediss://127.0.0.1:{server.port}/0?ssl_ca_certs={ca}"
    limiter = RedisRateLimiter(Limits(headroom=0, requests_per_minute=60), url=url)
    assert limiter.reserve("k", 0).limiter is limiter
    assert (await limiter.areserve("k", 0)).limiter is limiter
    assert limiter.snapshot("k")["requests_per_minute"] == pytest.approx(58, abs=0.1)
    await limiter.aclose()
    # An unknown authority is refused, and that is an outage like any other.
    untrusted = RedisRateLimiter(
        Limits(requests_per_minute=60), url=f"rediss://127.0.0.1:{server.port}/0"
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert untrusted.reserve("k", 0).limiter is untrusted.local
    assert "CERTIFICATE_VERIFY_FAILED" in str(caught[0].message)


# --- the client itself --------------------------------------------------------------


def test_an_idle_connection_the_server_closed_is_replaced_not_an_outage(
    redis_server: RedisServer,
) -> None:
    limiter = RedisRateLimiter(Limits(headroom=0, requests_per_minute=600), url=redis_server.url)
    limiter.reserve("k", 0)
    command(redis_server, "CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
    time.sleep(0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert limiter.reserve("k", 0).limiter is limiter


def test_passwords_and_databases_in_the_url(redis_server: RedisServer) -> None:
    command(redis_server, "CONFIG", "SET", "requirepass", "pw")
    try:
        url = f"redis://:pw@127.0.0.1:{redis_server.port}/3"
        limiter = RedisRateLimiter(Limits(headroom=0, requests_per_minute=60), url=url)
        assert limiter.reserve("k", 0).limiter is limiter
        assert "pw" not in repr(limiter)
        keys = SyncClient(parse_url(url)).call("KEYS", "*")
        assert sorted(keys) == [b"synaptic:budget:k", b"synaptic:workers:k"]
        wrong = RedisRateLimiter(Limits(), url=url.replace(":pw@", ":nope@"), on_outage="raise")
        with pytest.raises(NetworkError, match="WRONGPASS"):
            wrong.reserve("k", 0)
    finally:
        SyncClient(parse_url(f"redis://:pw@127.0.0.1:{redis_server.port}/0")).call(
            "CONFIG", "SET", "requirepass", ""
        )


async def test_rediss_to_a_plain_redis_says_tls_and_how_to_fix_it(
    redis_server: RedisServer,
) -> None:
    url = f"rediss://127.0.0.1:{redis_server.port}/0?socket_timeout=0.3"
    for call in ("sync", "async"):
        limiter = RedisRateLimiter(Limits(requests_per_minute=60), url=url)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if call == "sync":
                assert limiter.reserve("k", 0).limiter is limiter.local
            else:
                assert (await limiter.areserve("k", 0)).limiter is limiter.local
        (message,) = [str(w.message) for w in caught]
        assert (
            f"did not complete a TLS handshake (TLS handshake with 127.0.0.1:{redis_server.port}"
            in message
        )
        assert "rediss:// is Redis over TLS: for a server without TLS use redis://" in message
        assert "pacing in this process alone, other processes not counted (fix it: " in message
        await limiter.aclose()


@pytest.mark.parametrize("password", [None, "nope"])
def test_a_store_that_needs_a_password_says_so_and_where_to_put_it(
    redis_server: RedisServer, password: str | None
) -> None:
    command(redis_server, "CONFIG", "SET", "requirepass", "pw")
    try:
        auth = "" if password is None else f":{password}@"
        url = f"redis://{auth}127.0.0.1:{redis_server.port}/0"
        limiter = RedisRateLimiter(Limits(requests_per_minute=60), url=url)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert limiter.reserve("k", 0).limiter is limiter.local
        (message,) = [str(w.message) for w in caught]
        if password is None:
            assert "needs a password (NOAUTH); pacing in this process alone" in message
        else:
            assert "refused the password in the store URL (WRONGPASS)" in message
        assert "give it in the store URL as redis://:PASSWORD@HOST:PORT/0" in message
        assert "nope" not in message
    finally:
        SyncClient(parse_url(f"redis://:pw@127.0.0.1:{redis_server.port}/0")).call(
            "CONFIG", "SET", "requirepass", ""
        )


def test_store_errors_are_store_errors(redis_server: RedisServer) -> None:
    client = SyncClient(parse_url(redis_server.url))
    with pytest.raises(StoreError, match="ERR unknown command"):
        client.call("NOSUCHCOMMAND")
    assert client.call("PING") == "PONG"
    client.close()


def test_worker_ids_differ_per_process_and_limiter(redis_server: RedisServer) -> None:
    one = RedisRateLimiter(Limits(), url=redis_server.url)
    two = RedisRateLimiter(Limits(), url=redis_server.url)
    assert one.worker != two.worker
    assert one.worker.startswith(f"{os.getpid()}-")
    assert json.dumps(one.worker)  # a plain string in Redis


@pytest.fixture
def unix_server(tmp_path: Path) -> Iterator[Path]:
    """A redis-server on a Unix socket only."""
    require_redis_server()
    path = tmp_path / "redis.sock"
    process = subprocess.Popen(
        ["redis-server", "--port", "0", "--unixsocket", str(path), "--save", "", "--dir", tempfile.gettempdir(),
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 20
    while not path.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            pytest.fail("redis-server on a Unix socket did not start")
        time.sleep(0.02)
    yield path
    process.kill()
    process.wait(10)


async def test_a_unix_socket_store(unix_server: Path) -> None:
    limiter = RedisRateLimiter(
        Limits(headroom=0, requests_per_minute=60), url=f"unix://{unix_server}?db=2"
    )
    assert limiter.reserve("k", 0).limiter is limiter
    assert (await limiter.areserve("k", 0)).limiter is limiter
    assert limiter.snapshot("k")["requests_per_minute"] == pytest.approx(58, abs=0.1)
    await limiter.aclose()


def test_a_password_given_as_a_url_option_is_never_printed(redis_server: RedisServer) -> None:
    url = f"redis://127.0.0.1:{redis_server.port}/0?password=s3cretQ"
    command(redis_server, "CONFIG", "SET", "requirepass", "other")
    try:
        limiter = RedisRateLimiter(Limits(requests_per_minute=60), url=url)
        assert "s3cretQ" not in repr(limiter)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            limiter.reserve("k", 0)
        (message,) = [str(w.message) for w in caught]
        assert (
            f"redis://127.0.0.1:{redis_server.port}/0?password=*** refused the password" in message
        )
        assert "s3cretQ" not in message
    finally:
        SyncClient(parse_url(f"redis://:other@127.0.0.1:{redis_server.port}/0")).call(
            "CONFIG", "SET", "requirepass", ""
        )
    for bad in ("redis://h:notaport/0?password=s3cretQ", "http://u:s3cretQ@h/0?password=s3cretQ"):
        with pytest.raises(ValueError, match="Redis store URL") as info:
            parse_url(bad)
        assert "s3cretQ" not in str(info.value)
