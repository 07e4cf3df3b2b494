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

call(b"RIFF" + bytes(40))  # warm: what loads on a first call (httpx, the wire) is not the upload's

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
    table = "\n".join(lines)
    print(table)
    return {"rows": rows, "targets_hold": {"within_sdk": within, "flat": flat}, "table": table}


if __name__ == "__main__":
    main()
