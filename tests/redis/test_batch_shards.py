"""``synaptic batch --shard K/N`` on two machines (processes here) sharing one Redis budget."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from synaptic_groq.emulator import GroqEmulator

from .conftest import RedisServer

LINES = 130
RPM = 120  # the burst covers ~119 lines; the rest wait for the shared refill


def test_two_shards_share_one_budget_and_split_the_file(
    tmp_path: Path, redis_server: RedisServer
) -> None:
    (tmp_path / "in.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "custom_id": f"row-{i}",
                    "body": {
                        "model": "openai/gpt-oss-20b",
                        "messages": [{"role": "user", "content": f"q{i}"}],
                    },
                }
            )
            + "\n"
            for i in range(LINES)
        )
    )
    (tmp_path / "synaptic.toml").write_text(
        '[profiles.shared]\nprovider = "groq"\nmodel = "openai/gpt-oss-20b"\n'
        f'[profiles.shared.limits]\nrequests_per_minute = {RPM}\nstore = "{redis_server.url}"\n'
    )
    with GroqEmulator(requests_per_minute=RPM) as emulator:
        env = {**os.environ, "GROQ_API_KEY": "k", "GROQ_BASE_URL": emulator.base_url}
        shards = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "synaptic",
                    "batch",
                    "in.jsonl",
                    "-o",
                    f"out{k}.jsonl",
                    "-m",
                    "shared",
                    "--shard",
                    f"{k}/2",
                ],
                cwd=tmp_path,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
            for k in (1, 2)
        ]
        errors = [shard.communicate(timeout=120)[1] for shard in shards]
        stats = emulator.stats.snapshot()
    assert [shard.returncode for shard in shards] == [0, 0], errors
    ids = [
        [json.loads(x)["custom_id"] for x in (tmp_path / f"out{k}.jsonl").read_text().splitlines()]
        for k in (1, 2)
    ]
    assert not set(ids[0]) & set(ids[1])
    assert sorted(ids[0] + ids[1]) == sorted(f"row-{i}" for i in range(LINES))
    assert stats["requests_by_status"] == {"200": LINES}  # one budget: no 429 at all
