"""Audio uploads side by side (DESIGN 19): a 2 MB and a 20 MB WAV transcribed through
the emulator by synaptic and by the official ``groq`` SDK, each in a fresh process.

Measured per upload, after one small warm-up call (what loads on a first call is not
the upload's): the process's peak resident memory added by the call (VmHWM after the
call minus VmRSS before it) and its CPU time.
Targets: synaptic's added peak stays within 10 MB of the SDK's, or below; and is flat in
the file's size (20 MB adds less than 2 MB over 2 MB: the upload streams from disk).

``python -m benchmarks.audio`` prints a markdown table (``run.py`` includes it).
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = int(os.environ.get("BENCH_AUDIO_ROUNDS", "3"))
SIZES_MB = (2, 20)

SAMPLE = r"""
import json, resource, sys, time
client, path, base_url = sys.argv[1], sys.argv[2], sys.argv[3]

def rss_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    return 0

if client == "groq":
    import groq
    sdk = groq.Groq(api_key="gsk_bench_key", base_url=base_url.removesuffix("/openai/v1"))
    def call(audio):
        if isinstance(audio, bytes):
            audio = ("warm.wav", audio)
            return sdk.audio.transcriptions.create(model="whisper-large-v3-turbo", file=audio).text
        with open(audio, "rb") as handle:
            return sdk.audio.transcriptions.create(model="whisper-large-v3-turbo", file=handle).text
else:
    from synaptic.groq import GroqConfig, GroqTranscriptionModel
    model = GroqTranscriptionModel(GroqConfig("gsk_bench_key", "whisper-large-v3-turbo",
                                              base_url=base_url))
    def call(audio):
        return model.transcribe_sync(audio).text

call(b"RIFF" + bytes(4) + b"WAVE" + bytes(32))  # warm: what loads on a first call (httpx, the wire) is not the upload's

try:  # the peak so far (the warm-up's) reset to now: VmHWM then is this call's own
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
except OSError:
    pass
before = rss_kib("VmRSS:")
cpu = time.process_time()
text = call(path)
cpu = time.process_time() - cpu
peak = rss_kib("VmHWM:")
assert "Emulated transcript" in text, text
print(json.dumps({"added_peak_mib": (peak - before) / 1024, "cpu_s": cpu}))
"""


def wav_file(where: Path, megabytes: int) -> Path:
    """A WAV of about ``megabytes`` MB (silence, 16 kHz mono 16-bit)."""
    from synaptic_groq.emulator._audio import wav

    seconds = megabytes * 1024 * 1024 / 32_000
    path = where / f"audio-{megabytes}mb.wav"
    path.write_bytes(wav(seconds, rate=16_000))
    return path


def sample(client: str, path: Path, base_url: str) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", SAMPLE, client, str(path), base_url],
                          cwd=ROOT, env=env, capture_output=True, text=True, check=False)  # fmt: skip
    if done.returncode != 0:
        msg = f"audio sample ({client}) failed:\n{done.stderr[-2000:]}"
        raise RuntimeError(msg)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


FILES = int(os.environ.get("BENCH_AUDIO_FILES", "200"))
RPM = int(os.environ.get("BENCH_AUDIO_RPM", "120"))
# Audio seconds per hour for the second case: 200 files billed 10 s each are 2,000 s;
# 1,980 lets 198 go at once and paces the last two (18 s each): ideal 36.4 s.
ASH = float(os.environ.get("BENCH_AUDIO_ASH", "1980"))
SDK_LOOP = r"""
import asyncio, json, sys, time
import groq
folder, base_url = sys.argv[1], sys.argv[2]
files = sorted(__import__("pathlib").Path(folder).glob("*.wav"))

async def main():
    sdk = groq.AsyncGroq(api_key="gsk_bench_key", base_url=base_url.removesuffix("/openai/v1"))
    gate = asyncio.Semaphore(8)
    lost = 0
    async def one(path):
        nonlocal lost
        async with gate:
            try:
                await sdk.audio.transcriptions.create(model="whisper-large-v3-turbo",
                                                      file=(path.name, path.read_bytes()))
            except groq.APIError:
                lost += 1
    started = time.perf_counter()
    await asyncio.gather(*(one(p) for p in files))
    print(json.dumps({"seconds": time.perf_counter() - started, "lost": lost}))

asyncio.run(main())
"""


def many(where: Path, limit: str) -> dict[str, dict[str, float]]:
    """FILES one-second WAVs under RPM requests a minute (``limit="rpm"``) or ASH audio
    seconds an hour (``"ash"``): ``synaptic transcribe`` with the limits in its profile,
    and the SDK (asyncio, 8 at a time, its default retries)."""
    import time

    from synaptic_groq.emulator import GroqEmulator
    from synaptic_groq.emulator._audio import wav

    where = where / limit
    folder = where / "clips"
    folder.mkdir(parents=True)
    for index in range(FILES):
        (folder / f"clip{index:03d}.wav").write_bytes(wav(1.0, rate=8000))
    names = [str(p) for p in sorted(folder.glob("*.wav"))]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(ROOT)
    found: dict[str, dict[str, float]] = {}
    for client in ("groq", "synaptic"):
        served = {"audio_requests_per_minute": RPM} if limit == "rpm" else \
            {"audio_seconds_per_hour": ASH}  # fmt: skip
        with GroqEmulator(**served) as emulator:  # type: ignore[arg-type]
            if client == "groq":
                started = time.perf_counter()  # both clients timed as whole processes
                done = subprocess.run([sys.executable, "-c", SDK_LOOP, str(folder), emulator.base_url],
                                      env=env, capture_output=True, text=True, check=True)  # fmt: skip
                result = json.loads(done.stdout.strip().splitlines()[-1])
                seconds, lost = time.perf_counter() - started, result["lost"]
            else:
                config = where / "synaptic.toml"
                # The profile names the limit the emulator enforces in this case (it once
                # named the requests per minute in both: the audio-seconds case then ran
                # at 120 a minute, 40.5 s, not at its own budget).
                budget = f"requests_per_minute = {RPM}" if limit == "rpm" else \
                    f"audio_seconds_per_hour = {ASH}"  # fmt: skip
                config.write_text(
                    '[profiles.whisper]\nprovider = "groq"\nmodel = "whisper-large-v3-turbo"\n'
                    f"[profiles.whisper.limits]\n{budget}\nmax_wait = 3600\n"
                )
                out = where / "out"
                run_env = {**env, "GROQ_API_KEY": "gsk_bench_key", "GROQ_BASE_URL": emulator.base_url,
                           "SYNAPTIC_HOME": str(where / "home")}  # fmt: skip
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "synaptic", "transcribe", *names, "-o", str(out),
                                "-m", "whisper", "-C", str(config), "--jobs", "8"],
                               env=run_env, capture_output=True, text=True, check=True)  # fmt: skip
                seconds = time.perf_counter() - started
                lost = FILES - len(list(out.glob("*.txt")))
            stats = emulator.stats.snapshot()["requests_by_status"]
        found[client] = {"seconds": seconds, "lost": lost, "answered_429": stats.get("429", 0),
                         "requests": sum(stats.values())}  # fmt: skip
    return found


def main() -> dict[str, Any]:
    from synaptic_groq.emulator import GroqEmulator

    rows: dict[str, dict[int, dict[str, float]]] = {"groq": {}, "synaptic": {}}
    with tempfile.TemporaryDirectory() as folder, GroqEmulator() as emulator:
        for size in SIZES_MB:
            path = wav_file(Path(folder), size)
            runs: dict[str, list[dict[str, float]]] = {"groq": [], "synaptic": []}
            for index in range(ROUNDS):
                for client in ("groq", "synaptic") if index % 2 == 0 else ("synaptic", "groq"):
                    runs[client].append(sample(client, path, emulator.base_url))
            for client, samples in runs.items():
                rows[client][size] = {
                    key: statistics.median(s[key] for s in samples) for key in samples[0]
                }
    with tempfile.TemporaryDirectory() as folder:
        cases = {"rpm": many(Path(folder), "rpm"), "ash": many(Path(folder), "ash")}
    ours, theirs = rows["synaptic"], rows["groq"]
    big, small = max(SIZES_MB), min(SIZES_MB)
    within = ours[big]["added_peak_mib"] <= theirs[big]["added_peak_mib"] + 10
    flat = ours[big]["added_peak_mib"] - ours[small]["added_peak_mib"] <= 2
    lines = [
        f"Audio upload: a WAV transcribed through the emulator, each in a fresh process, "
        f"medians of {ROUNDS} interleaved rounds. Added peak = peak resident memory after "
        "the call minus resident memory before it (imports excluded).",
        "",
        "| file | client | added peak memory | CPU time |",
        "|---|---|---|---|",
    ]
    for size in SIZES_MB:
        for client, label in (("groq", "official `groq` SDK"), ("synaptic", "synaptic")):
            row = rows[client][size]
            lines.append(f"| {size} MB | {label} | {row['added_peak_mib']:.1f} MiB | "
                         f"{row['cpu_s'] * 1000:.0f} ms |")  # fmt: skip
    lines += [
        "",
        f"Targets: synaptic's added peak within 10 MB of the SDK's or below at {big} MB "
        f"({'holds' if within else 'DOES NOT hold'}); flat in the file's size ({big} MB adds "
        f"at most 2 MiB over {small} MB: {'holds' if flat else 'DOES NOT hold'}).",
    ]
    ideals = {"rpm": max(0.0, (FILES - RPM) * 60 / RPM),
              "ash": max(0.0, (FILES * 10 - ASH) * 3600 / ASH)}  # fmt: skip
    limits = {"rpm": f"{RPM} requests a minute", "ash": f"{ASH:,.0f} audio seconds an hour "
              "(10 s billed at least)"}  # fmt: skip
    paced_ok = True
    for case, budgeted in cases.items():
        ideal = ideals[case]
        lines += [
            "",
            f"{FILES} one-second files under {limits[case]}, the emulator's audio limits "
            f"(ideal {ideal:.1f} s: the bucket at once, then the refill; each client timed "
            "as a whole process, start-up included):",
            "",
            "| client | wall time | wall / ideal | requests | answered 429 | files lost |",
            "|---|---|---|---|---|---|",
        ]
        for client, label in (("groq", "official `groq` SDK, asyncio, 8 at a time, default retries"),
                              ("synaptic", "`synaptic transcribe --jobs 8`, `limits` in the profile")):  # fmt: skip
            row = budgeted[client]
            ratio = row["seconds"] / ideal if ideal else 0.0
            lines.append(f"| {label} | {row['seconds']:.1f} s | {ratio:.3f} | {row['requests']:,} | "
                         f"{row['answered_429']:,} | {row['lost']:,} |")  # fmt: skip
        mine = budgeted["synaptic"]
        paced_ok = paced_ok and mine["answered_429"] <= 0.01 * mine["requests"] and not mine["lost"]
    lines += ["", f"Target: synaptic answered 429 <= 1% of its requests, nothing lost, in both "
                  f"({'holds' if paced_ok else 'DOES NOT hold'})."]  # fmt: skip
    table = "\n".join(lines)
    print(table)
    return {"rows": rows, "budgeted": cases, "table": table,
            "targets_hold": {"within_sdk": within, "flat": flat, "paced": paced_ok}}  # fmt: skip


if __name__ == "__main__":
    main()
