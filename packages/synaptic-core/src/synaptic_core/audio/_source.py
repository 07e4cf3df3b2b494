"""The audio a caller gives (a path, bytes, or a binary file), read in pieces.

An upload streams from disk: the body is produced piece by piece (``PIECE`` bytes at a
time) when the request is sent, and again for a retry, so memory stays flat in the
file's size. A file object is read from where it stands; it must be seekable to be
sent twice (a retry), and it is never closed here (its owner does that).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

PIECE = 64 * 1024
AUDIO_TYPES = frozenset({"flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "opus",
                         "wav", "webm"})  # fmt: skip
"""The extensions the OpenAI-compatible audio endpoints take."""

AudioInput = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO
"""What ``transcribe`` takes: a path, the bytes themselves, or a binary file object."""


@dataclass(frozen=True)
class AudioSource:
    """An audio file to upload: its name (for the multipart part), its size, and how to
    read it again from its start."""

    filename: str
    size: int
    _path: Path | None = None
    _data: bytes | None = None
    _file: Any = None
    _offset: int = 0

    @classmethod
    def of(cls, audio: AudioInput) -> AudioSource:
        """``audio`` as a source; ``InputError`` for a missing file or a wrong type."""
        from synaptic_core._errors import InputError  # noqa: PLC0415

        if isinstance(audio, str | os.PathLike):
            path = Path(audio)
            try:
                size = path.stat().st_size
            except OSError as error:
                msg = f"cannot read the audio file {path}: {error.strerror or error}"
                raise InputError(msg) from None
            if not path.is_file():
                raise InputError(f"the audio {path} is not a file")
            found = cls(path.name, size, _path=path)
        elif isinstance(audio, bytes | bytearray | memoryview):
            data = bytes(audio)
            found = cls("audio", len(data), _data=data)
        elif isinstance(audio, io.TextIOBase):  # type: ignore[unreachable]  # typed, not checked
            raise InputError("the audio file must be opened in binary mode ('rb'), not text")
        elif hasattr(audio, "read"):
            name = Path(str(getattr(audio, "name", "audio") or "audio")).name
            try:
                offset = audio.tell()
                end = audio.seek(0, io.SEEK_END)
                audio.seek(offset)
            except (OSError, AttributeError, ValueError):
                data = audio.read()  # not seekable: read once (a pipe), kept for retries
                if not isinstance(data, bytes):
                    raise InputError(
                        "the audio file must be opened in binary mode ('rb')"
                    ) from None
                found = cls(name, len(data), _data=data)
            else:
                found = cls(name, end - offset, _file=audio, _offset=offset)
        else:
            msg = f"audio must be a path, bytes or a binary file, not {type(audio).__name__}"
            raise InputError(msg)
        if found.size == 0:
            what = "the audio" if found.filename == "audio" else f"the audio {found.filename}"
            raise InputError(f"{what} is empty (0 bytes); nothing was sent")
        return found.named()

    def named(self) -> AudioSource:
        """A name whose extension says the format (providers read the type from it): one
        it has when that is a known audio type, else one read from the content
        (``audio`` bytes that are a WAV go as ``audio.wav``), else the name as it is."""
        _stem, dot, extension = self.filename.rpartition(".")
        if dot and extension.lower() in AUDIO_TYPES:
            return self
        sniffed = sniff(b"".join(_first(self.pieces(), 64)))
        if sniffed is None:
            return self
        return replace(self, filename=f"{self.filename}.{sniffed}")

    def seconds(self) -> float:
        """How long it plays: from its header, else estimated from its size."""
        from synaptic_core.audio._duration import HEADER_BYTES, duration_of  # noqa: PLC0415

        head = b"".join(_first(self.pieces(), HEADER_BYTES))
        return duration_of(head, self.size)

    def pieces(self) -> Iterator[bytes]:
        """The bytes from the start, ``PIECE`` at a time (a new iterator per send)."""
        if self._data is not None:
            for start in range(0, len(self._data), PIECE):
                yield self._data[start : start + PIECE]
            return
        if self._path is not None:
            with self._path.open("rb") as handle:
                while piece := handle.read(PIECE):
                    yield piece
            return
        self._file.seek(self._offset)
        left = self.size
        while left > 0:
            piece = self._file.read(min(PIECE, left))
            if not piece:
                return
            left -= len(piece)
            yield piece


def _first(pieces: Iterator[bytes], count: int) -> Iterator[bytes]:
    """The first ``count`` bytes of ``pieces`` (the rest is not read)."""
    left = count
    for piece in pieces:
        yield piece[:left]
        left -= len(piece)
        if left <= 0:
            break
    close = getattr(pieces, "close", None)
    if close is not None:
        close()  # a file opened by the generator is closed now, not at collection


def sniff(head: bytes) -> str | None:
    """The audio type the first bytes announce (``wav``, ``flac``, ``mp3``, ``ogg``,
    ``m4a``, ``webm``), or None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:4] == b"fLaC":
        return "flac"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE6 == 0xE2):
        return "mp3"  # a tag, or an MPEG audio Layer III frame's sync
    if head[:4] == b"OggS":
        return "ogg"
    if head[4:8] == b"ftyp":
        return "m4a"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    return None
