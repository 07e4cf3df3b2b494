"""One benchmark sample, in a fresh process: ``python -m benchmarks.clients METRIC CLIENT PORT``.

Prints one JSON object. Clients: ``httpx`` (raw httpx: what a careful hand-written client
does), ``groq`` (the official SDK), ``synaptic`` (``GroqChatModel``). Metrics: ``import``,
``sequential_sync``, ``sequential_async``, ``stream_sync``, ``stream_async``, ``burst``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import Any

MODEL = "openai/gpt-oss-20b"
MESSAGES = [{"role": "user", "content": "What is Rust famous for?"}]
BODY = {"model": MODEL, "messages": MESSAGES}
KEY = "gsk_bench_key"
SEQUENTIAL = 2000
WARMUP = 200
STREAM_CHUNKS = 5000
BURST = 256

IMPORTS = {"httpx": "httpx", "groq": "groq", "synaptic": "synaptic.groq"}


def rss_kib() -> int:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    import resource

    return pages * resource.getpagesize() // 1024


def measure_import(client: str) -> dict[str, float]:
    """The import, then (``ready_seconds``) the import and the first client built: what a
    schema built on first use costs comes back there, so both are reported."""
    before = rss_kib()
    started = time.perf_counter()
    __import__(IMPORTS[client])
    seconds = time.perf_counter() - started
    rss = rss_kib() - before
    first_client(client)
    return {"seconds": seconds, "rss_kib": rss, "ready_seconds": time.perf_counter() - started}


def first_client(client: str) -> Any:
    if client == "httpx":
        import httpx

        return httpx.Client()
    if client == "groq":
        import groq

        return groq.Groq(api_key=KEY)
    from synaptic.groq import GroqChatModel, GroqConfig

    return GroqChatModel(GroqConfig(KEY, "openai/gpt-oss-20b"))


# --- clients -------------------------------------------------------------------------------


def _urls(port: int) -> tuple[str, str]:
    return f"http://127.0.0.1:{port}", f"http://127.0.0.1:{port}/openai/v1"


def sync_caller(client: str, port: int) -> Callable[[], Any]:
    host, base = _urls(port)
    if client == "httpx":
        import httpx

        session = httpx.Client()
        headers = {"authorization": f"Bearer {KEY}"}
        url = f"{base}/chat/completions"
        return lambda: session.post(url, json=BODY, headers=headers).json()
    if client == "groq":
        import groq

        sdk = groq.Groq(api_key=KEY, base_url=host, max_retries=0)
        return lambda: sdk.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    from synaptic.groq import GroqChatModel, GroqConfig

    model = GroqChatModel(GroqConfig(KEY, MODEL, base_url=base))
    return lambda: model.chat_sync("What is Rust famous for?")


def async_caller(client: str, port: int) -> Callable[[], Any]:
    host, base = _urls(port)
    if client == "httpx":
        import httpx

        session = httpx.AsyncClient()
        headers = {"authorization": f"Bearer {KEY}"}
        url = f"{base}/chat/completions"

        async def call() -> Any:
            return (await session.post(url, json=BODY, headers=headers)).json()

        return call
    if client == "groq":
        import groq

        sdk = groq.AsyncGroq(api_key=KEY, base_url=host, max_retries=0)
        return lambda: sdk.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    from synaptic.groq import GroqChatModel, GroqConfig

    model = GroqChatModel(GroqConfig(KEY, MODEL, base_url=base))
    return lambda: model.chat("What is Rust famous for?")


def sync_streamer(client: str, port: int) -> Callable[[], int]:
    host, base = _urls(port)
    if client == "httpx":
        import httpx

        session = httpx.Client()
        headers = {"authorization": f"Bearer {KEY}", "x-bench-chunks": str(STREAM_CHUNKS)}
        url = f"{base}/chat/completions"
        body = {**BODY, "stream": True}

        def read() -> int:
            count = 0
            with session.stream("POST", url, json=body, headers=headers) as response:
                for line in response.iter_lines():
                    if line.startswith("data: "):
                        data = line[6:]
                        if data == "[DONE]":
                            break
                        json.loads(data)
                        count += 1
            return count

        return read
    if client == "groq":
        import groq

        sdk = groq.Groq(
            api_key=KEY,
            base_url=host,
            max_retries=0,
            default_headers={"x-bench-chunks": str(STREAM_CHUNKS)},
        )
        return lambda: sum(
            1 for _ in sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
        )  # type: ignore[arg-type]
    from synaptic.groq import GroqChatModel, GroqConfig

    model = GroqChatModel(
        GroqConfig(KEY, MODEL, base_url=base, headers={"x-bench-chunks": str(STREAM_CHUNKS)})
    )
    return lambda: sum(1 for _ in model.stream_chat_sync("What is Rust famous for?"))


def async_streamer(client: str, port: int) -> Callable[[], Any]:
    host, base = _urls(port)
    if client == "httpx":
        import httpx

        session = httpx.AsyncClient()
        headers = {"authorization": f"Bearer {KEY}", "x-bench-chunks": str(STREAM_CHUNKS)}
        url = f"{base}/chat/completions"
        body = {**BODY, "stream": True}

        async def read() -> int:
            count = 0
            async with session.stream("POST", url, json=body, headers=headers) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data: "):
                        data = line[6:]
                        if data == "[DONE]":
                            break
                        json.loads(data)
                        count += 1
            return count

        return read
    if client == "groq":
        import groq

        sdk = groq.AsyncGroq(
            api_key=KEY,
            base_url=host,
            max_retries=0,
            default_headers={"x-bench-chunks": str(STREAM_CHUNKS)},
        )

        async def read_sdk() -> int:
            stream = await sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
            return sum([1 async for _ in stream])

        return read_sdk
    from synaptic.groq import GroqChatModel, GroqConfig

    model = GroqChatModel(
        GroqConfig(KEY, MODEL, base_url=base, headers={"x-bench-chunks": str(STREAM_CHUNKS)})
    )

    async def read_ours() -> int:
        return sum([1 async for _ in model.stream_chat("What is Rust famous for?")])

    return read_ours


# --- metrics -------------------------------------------------------------------------------


def sequential_sync(client: str, port: int) -> dict[str, float]:
    call = sync_caller(client, port)
    for _ in range(WARMUP):
        call()
    started = time.perf_counter()
    for _ in range(SEQUENTIAL):
        call()
    return {"us_per_request": (time.perf_counter() - started) / SEQUENTIAL * 1e6}


def sequential_async(client: str, port: int) -> dict[str, float]:
    call = async_caller(client, port)

    async def run() -> float:
        for _ in range(WARMUP):
            await call()
        started = time.perf_counter()
        for _ in range(SEQUENTIAL):
            await call()
        return (time.perf_counter() - started) / SEQUENTIAL * 1e6

    return {"us_per_request": asyncio.run(run())}


def stream_sync(client: str, port: int) -> dict[str, float]:
    read = sync_streamer(client, port)
    read()
    started = time.perf_counter()
    count = read()
    seconds = time.perf_counter() - started
    return {"chunks_per_second": count / seconds, "chunks": count, "seconds": seconds}


def stream_async(client: str, port: int) -> dict[str, float]:
    read = async_streamer(client, port)

    async def run() -> tuple[int, float]:
        await read()
        started = time.perf_counter()
        count = await read()
        return count, time.perf_counter() - started

    count, seconds = asyncio.run(run())
    return {"chunks_per_second": count / seconds, "chunks": count, "seconds": seconds}


def burst(client: str, port: int) -> dict[str, float]:
    call = async_caller(client, port)

    async def run() -> float:
        await asyncio.gather(*(call() for _ in range(BURST)))  # warm the pool
        times = []
        for _ in range(3):
            started = time.perf_counter()
            await asyncio.gather(*(call() for _ in range(BURST)))
            times.append(time.perf_counter() - started)
        return sorted(times)[1]

    return {"seconds": asyncio.run(run())}


METRICS = {
    "sequential_sync": sequential_sync,
    "sequential_async": sequential_async,
    "stream_sync": stream_sync,
    "stream_async": stream_async,
    "burst": burst,
}


if __name__ == "__main__":
    metric, client = sys.argv[1], sys.argv[2]
    if metric == "import":
        print(json.dumps(measure_import(client)))
    else:
        print(json.dumps(METRICS[metric](client, int(sys.argv[3]))))
