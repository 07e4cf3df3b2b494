"""How long an audio file plays, from its header where the format has one (WAV's byte
rate and data size, FLAC's STREAMINFO), else estimated from its size (as 128 kbit/s:
MP3 and most compressed speech are at or below it, so the estimate errs long).

Used before an upload, to pace it by the audio-seconds budget, and by the emulator."""

from __future__ import annotations

import struct

HEADER_BYTES = 64 * 1024
ESTIMATE_BYTES_PER_SECOND = 128_000 / 8


def duration_of(head: bytes, size: int | None = None) -> float:
    """Seconds of audio, from the file's first bytes (``head``) and its ``size``."""
    size = len(head) if size is None else size
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE" and len(head) >= 32:
        rate = int(struct.unpack_from("<I", head, 28)[0])
        found = head.find(b"data", 12)
        if rate and found >= 0 and len(head) >= found + 8:
            declared = int(struct.unpack_from("<I", head, found + 4)[0])
            return min(declared, size - found - 8) / rate
    if head[:4] == b"fLaC" and len(head) >= 26:
        fields = int.from_bytes(head[18:26], "big")
        rate = fields >> 44
        samples = fields & ((1 << 36) - 1)
        if rate and samples:
            return samples / rate
    return size / ESTIMATE_BYTES_PER_SECOND
