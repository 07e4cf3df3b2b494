"""``synaptic speak TEXT|- -o OUT.wav``: text to speech (DESIGN 19)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from synaptic.cli._common import clean_warnings, stopped_by_signals

DEFAULT_MODEL = "groq:canopylabs/orpheus-v1-english"


@click.command()
@click.argument("text")
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False),
              help="Where to write the audio (WAV).")  # fmt: skip
@click.option("-m", "--model", "spec", metavar="SPEC",
              help=f"Model by name or profile (default: {DEFAULT_MODEL}).")  # fmt: skip
@click.option("--voice", metavar="V", help="The voice (default: the model's first).")
@click.option("-C", "--config", "config_file", type=click.Path(dir_okay=False), help="Config file.")
def speak(*, text: str, out: str, spec: str | None, voice: str | None,
          config_file: str | None) -> None:  # fmt: skip
    """Speak TEXT ('-': standard input) into a WAV file."""
    from synaptic_core import load_speech_model  # noqa: PLC0415

    if text == "-":
        text = sys.stdin.read()
    if not text.strip():
        raise click.UsageError("the text to speak is empty")
    with stopped_by_signals(), clean_warnings():
        model = load_speech_model(spec or DEFAULT_MODEL, config_file=config_file)
        with model:
            audio = model.speak_sync(text.strip(), voice=voice)
        saved = audio.save(Path(out))
    click.echo(f"wrote {saved} ({len(audio.data):,} bytes, {audio.content_type})", err=True)
