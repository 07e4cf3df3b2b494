"""How long an audio file plays, from its header where the format has one (WAV's byte
rate and data size, FLAC's STREAMINFO, an MP3's first frame: its Xing/Info/VBRI frame
count, else its bitrate over the size), else estimated from its size (as 128 kbit/s:
most compressed speech is at or below it, so the estimate errs long).

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
    mp3 = _mp3_seconds(head, size)
    if mp3 is not None:
        return mp3
    return size / ESTIMATE_BYTES_PER_SECOND


# MPEG audio, Layer III only (what speech MP3s are): kbit/s by index, per version.
_KBPS = {
    3: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),  # MPEG-1
    2: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),  # MPEG-2
}
_RATES = {3: (44_100, 48_000, 32_000), 2: (22_050, 24_000, 16_000), 0: (11_025, 12_000, 8_000)}


def _mp3_seconds(head: bytes, size: int) -> float | None:
    """An MP3's length from its first frame (after any ID3v2 tag), or None."""
    start = 0
    if head[:3] == b"ID3" and len(head) >= 10:
        tag = head[6] << 21 | head[7] << 14 | head[8] << 7 | head[9]
        start = 10 + tag + (10 if head[5] & 0x10 else 0)
    if len(head) < start + 4 or head[start] != 0xFF or head[start + 1] & 0xE0 != 0xE0:
        return None
    version, layer = head[start + 1] >> 3 & 3, head[start + 1] >> 1 & 3
    bitrate_index, rate_index = head[start + 2] >> 4, head[start + 2] >> 2 & 3
    if layer != 1 or version == 1 or rate_index == 3 or bitrate_index in (0, 15):
        return None
    rate = _RATES[version][rate_index]
    kbps = _KBPS[3 if version == 3 else 2][bitrate_index]
    samples = 1152 if version == 3 else 576
    mono = head[start + 3] >> 6 == 3
    side = (17 if mono else 32) if version == 3 else (9 if mono else 17)
    xing = start + 4 + side
    if head[xing : xing + 4] in (b"Xing", b"Info") and len(head) >= xing + 12:
        flags = int.from_bytes(head[xing + 4 : xing + 8], "big")
        if flags & 1:
            return int.from_bytes(head[xing + 8 : xing + 12], "big") * samples / rate
    vbri = start + 36
    if head[vbri : vbri + 4] == b"VBRI" and len(head) >= vbri + 18:
        return int.from_bytes(head[vbri + 14 : vbri + 18], "big") * samples / rate
    return (size - start) * 8 / (kbps * 1000)
