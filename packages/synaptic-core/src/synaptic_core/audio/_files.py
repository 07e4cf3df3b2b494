"""Audio written to disk whole or not at all: ``written(target)`` gives a file beside
the target that replaces it only when everything arrived (a cut connection or a
``kill`` leaves the old file, or none, never half an answer), and ``join_wav`` puts
spoken pieces together in one WAV without holding them in memory."""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from synaptic_core._errors import InputError

_PIECE = 64 * 1024


@contextlib.contextmanager
def written(target: Path) -> Iterator[BinaryIO]:
    """A file opened for writing beside ``target``, moved over it on success and
    deleted on any error."""
    if not target.parent.is_dir():
        what = "is a file, not a folder" if target.parent.exists() else "does not exist"
        msg = f"cannot write {target}: {target.parent} {what}"
        raise InputError(msg)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    try:
        out = partial.open("wb")
    except OSError as error:
        msg = f"cannot write {target}: {error.strerror or error}"
        raise InputError(msg) from None
    try:
        with out:
            yield out
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def _wav_parts(path: Path) -> tuple[bytes, int, int]:
    """A WAV's ``fmt `` chunk, and where its samples start and how many bytes they are.
    A streamed WAV may declare an unknown (0xFFFFFFFF) data size: the file's end wins."""
    size = path.stat().st_size
    with path.open("rb") as wav:
        head = wav.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            msg = f"{path.name} is not a WAV file; only WAV pieces can be joined"
            raise InputError(msg)
        fmt = b""
        while True:
            chunk = wav.read(8)
            if len(chunk) < 8:
                msg = f"{path.name} has no audio samples (no WAV data chunk)"
                raise InputError(msg)
            name, length = chunk[:4], struct.unpack("<I", chunk[4:])[0]
            if name == b"data":
                start = wav.tell()
                return fmt, start, min(length, size - start)
            body = wav.read(length + (length & 1))
            if name == b"fmt ":
                fmt = body[:length]


def join_wav(pieces: Sequence[str | os.PathLike[str]], target: str | os.PathLike[str]) -> Path:
    """The pieces' samples one after another in one WAV at ``target`` (written whole).
    The pieces must share one format (the same model and voice give that)."""
    paths = [Path(piece) for piece in pieces]
    into = Path(target)
    if not paths:
        raise InputError("no WAV pieces to join")
    found = [_wav_parts(piece) for piece in paths]
    fmt = found[0][0]
    if not fmt or any(f != fmt for f, _, _ in found):
        raise InputError("the WAV pieces differ in format (rate, channels or sample size)")
    total = sum(length for _, _, length in found)
    header = b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + total) + b"WAVE"
    header += b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", total)
    with written(into) as out:
        out.write(header)
        for piece, (_, start, length) in zip(paths, found, strict=True):
            with piece.open("rb") as wav:
                wav.seek(start)
                left = length
                while left:
                    data = wav.read(min(_PIECE, left))
                    if not data:
                        break
                    out.write(data)
                    left -= len(data)
    return into


def copy_whole(source: Path, target: Path) -> Path:
    """``source`` copied to ``target``, replaced whole."""
    with written(target) as out, source.open("rb") as data:
        shutil.copyfileobj(data, out, _PIECE)
    return target
