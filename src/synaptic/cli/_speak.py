"""``synaptic speak TEXT|- -o OUT.wav``: text to speech (DESIGN 19)."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from synaptic.cli._common import (
    clean_warnings,
    retries_option,
    stopped_by_signals,
    writable_folder,
)
from synaptic.cli._home import remembered_budgets

if TYPE_CHECKING:
    from synaptic_core.audio import SpeechModel

DEFAULT_MODEL = "groq:canopylabs/orpheus-v1-english"
OTHER_FORMATS = frozenset({".mp3", ".ogg", ".flac", ".opus", ".m4a", ".aac", ".webm"})


@click.command()
@click.argument("text")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the audio (WAV); '-': standard output.")  # fmt: skip
@click.option("-m", "--model", "spec", metavar="SPEC",
              help=f"Model by name or profile (default: {DEFAULT_MODEL}).")  # fmt: skip
@click.option("--voice", metavar="V",
              help="The voice (default: the model's first). Orpheus English: autumn, diana, "
                   "hannah, austin, daniel, troy; Orpheus Arabic (Saudi): fahad, sultan, "
                   "lulwa, noura.")  # fmt: skip
@retries_option
@click.option("-C", "--config", "config_file", type=click.Path(dir_okay=False), help="Config file.")
def speak(*, text: str, out: str, spec: str | None, voice: str | None,
          config_file: str | None, retries: int | None) -> None:  # fmt: skip
    """Speak TEXT ('-': standard input) into a WAV file (-o -: standard output).

    Text longer than the model takes at once (Orpheus: about 200 characters) is spoken
    a few sentences at a time and joined into one file. The file is written whole:
    an error or Ctrl-C leaves any earlier file as it was.
    """
    from synaptic_core import load_speech_model  # noqa: PLC0415

    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise click.UsageError("the text to speak is empty")
    target = Path(out)
    if out != "-" and target.suffix.lower() in OTHER_FORMATS:
        msg = f"-o {out!r}: synaptic speak writes WAV; name the file .wav (or convert it after)"
        raise click.UsageError(msg)
    with stopped_by_signals(), remembered_budgets(), clean_warnings():
        more: dict[str, Any] = {} if retries is None else {"retries": retries}
        model = load_speech_model(spec or DEFAULT_MODEL, config_file=config_file, **more)
        with model:
            if out == "-":
                with tempfile.TemporaryDirectory(prefix="synaptic-speak-") as folder:
                    spoken = Path(folder) / "speech.wav"
                    requests = _speak(model, text, voice, spoken)
                    size = spoken.stat().st_size
                    with spoken.open("rb") as audio:
                        shutil.copyfileobj(audio, sys.stdout.buffer)
                    sys.stdout.flush()
            else:
                writable_folder(target.parent, "the audio")
                requests = _speak(model, text, voice, target)
                size = target.stat().st_size
    pieces = "" if requests == 1 else f", spoken in {requests} pieces"
    where = "standard output" if out == "-" else str(target)
    click.echo(f"wrote {where} ({size:,} bytes, audio/wav{pieces})", err=True)


def _speak(model: SpeechModel, text: str, voice: str | None, target: Path) -> int:
    """The text spoken into ``target``; how many requests it took."""
    from synaptic_core.audio import join_wav, speech_pieces  # noqa: PLC0415

    limit = model.max_input
    pieces = speech_pieces(text, limit) if limit else [" ".join(text.split())]
    if len(pieces) == 1:
        model.speak_sync(pieces[0], voice=voice, to=target)
        return 1
    with tempfile.TemporaryDirectory(prefix="synaptic-speak-") as folder:
        spoken = []
        for number, piece in enumerate(pieces, 1):
            if sys.stderr.isatty():
                click.echo(f"\rspeaking piece {number} of {len(pieces)}", err=True, nl=False)
            spoken.append(Path(folder) / f"{number:05d}.wav")
            model.speak_sync(piece, voice=voice, to=spoken[-1])
        if sys.stderr.isatty():
            click.echo("\r\x1b[K", err=True, nl=False)
        join_wav(spoken, target)
    return len(pieces)
