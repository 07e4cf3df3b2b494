"""``synaptic transcribe FILE...``: speech to text, one file or many (DESIGN 19).

One file prints its text on standard output, or writes ``-o OUT``. Many files run a few
at a time (``--jobs``) and each result goes to its own file in the folder ``-o OUT``
(default: beside each input), named after the input with the format's extension;
a result is written whole (beside, then moved into place), so a run stopped by Ctrl-C
or ``kill -9`` is resumed by running it again: files whose result exists are skipped,
nothing is done twice. ``--jsonl OUT.jsonl`` puts every result in one file instead, a
JSON line per input (``file`` plus the result) appended as each finishes; a torn last
line (``kill -9`` mid-write) is cut off on the next run and its file done again.
``-f srt`` / ``vtt`` build subtitles from ``verbose_json`` segments (Groq answers
neither itself).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import click

from synaptic.cli._common import (
    clean_warnings,
    is_terminal,
    one_line,
    retries_option,
    say,
    stopped_by_signals,
    writable_folder,
)
from synaptic.cli._home import remembered_budgets
from synaptic_core._secrets import scrub

FORMATS = ("text", "json", "verbose_json", "srt", "vtt")
EXTENSIONS = {"text": ".txt", "json": ".json", "verbose_json": ".verbose.json", "srt": ".srt",
              "vtt": ".vtt"}  # fmt: skip
DEFAULT_MODEL = "groq:whisper-large-v3-turbo"
TRANSLATE_MODEL = "groq:whisper-large-v3"


def fields(heard: Any, form: str) -> dict[str, Any]:
    """A transcription as one JSON line's fields (``--jsonl``); a key a server put in
    it shows as ``[REDACTED]``, as everywhere the command line writes."""
    if form == "verbose_json":
        data: dict[str, Any] = heard.model_dump(mode="json", exclude={"rate_limit"})
    else:
        data = {"text": heard.text, "request_id": heard.request_id}
        if form in ("srt", "vtt"):
            data[form] = _render(heard, form)
    found: dict[str, Any] = json.loads(scrub(json.dumps(data, ensure_ascii=False)))
    return found


def render(heard: Any, form: str) -> str:
    """A transcription in the format asked for (an echoed key ``[REDACTED]``)."""
    return scrub(_render(heard, form))


def _render(heard: Any, form: str) -> str:
    if form == "text":
        return str(heard.text).strip() + "\n"
    if form == "srt":
        return str(heard.to_srt())
    if form == "vtt":
        return str(heard.to_vtt())
    data = heard.model_dump(mode="json", exclude={"rate_limit"})
    if form == "json":
        data = {"text": data["text"], "request_id": data["request_id"]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


class Progress:
    """On a terminal, one line that counts up (``[12/200] 6% clip011.wav``); elsewhere
    (a log, a pipe), a line per file. Errors always get a line of their own."""

    def __init__(self, total: int, done: int) -> None:
        self.total = total
        self.count = done
        self.done_here = 0  # finished by this run
        self.terminal = is_terminal(sys.stderr)
        self.shown = False

    def done(self, source: Path, target: Path) -> None:
        self.count += 1
        self.done_here += 1
        if self.terminal:
            share = 100 * self.count // max(self.total, 1)
            say(f"\r\x1b[2K[{self.count}/{self.total}] {share}% {source.name}", newline=False)
            self.shown = True
        else:
            say(f"[{self.count}/{self.total}] {source} -> {target}")

    def line(self, text: str) -> None:
        self.count += 1
        prefix = "\r\x1b[2K" if self.shown else ""
        say(f"{prefix}[{self.count}/{self.total}] {text}")
        self.shown = False

    def end(self) -> None:
        if self.shown:
            say("")


def _write(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")  # one per process
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def _target(source: Path, out: Path | None, form: str, *, translate: bool) -> Path:
    """``talk.txt`` for ``talk.wav`` (``talk.en.txt`` translated, ``talk.verbose.json``
    for ``verbose_json``): each task and format its own name, so a resumed run never
    takes one for the other."""
    folder = source.parent if out is None else out
    return folder / (source.stem + (".en" if translate else "") + EXTENSIONS[form])


def checked_inputs(files: tuple[str, ...]) -> list[str]:
    """The inputs, each file once (``a.wav`` and ``./a.wav`` are one); a missing one, a
    folder or a URL is refused before anything is sent."""
    seen: dict[str, str] = {}  # each file once, however typed; the first spelling kept
    for name in files:
        seen.setdefault(name if name == "-" else os.path.realpath(name), name)
    names = list(seen.values())
    if "-" in names and len(names) > 1:
        raise click.UsageError("'-' (standard input) is one input alone")
    urls = [n for n in names if "://" in n]
    if urls:
        msg = (
            f"{urls[0]} is a URL: synaptic transcribe takes files (download it first); for "
            "audio Groq fetches itself, use the library: model.transcribe_sync(url=...)"
        )
        raise click.UsageError(msg)
    missing = [n for n in names if n != "-" and not Path(n).is_file()]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        what = "not a file" if len(missing) == 1 else "not files"
        raise click.UsageError(f"{what}: {', '.join(missing[:3])}{more}; nothing was sent")
    return names


_FATAL = ("AuthenticationError", "PermissionDeniedError", "ModelNotFoundError")


def run_files(
    names: list[str],
    call: Any,
    options: dict[str, Any],
    *,
    jobs: int,
    progress: Progress,
    write: Any,
) -> None:
    """Each input through ``call`` (``jobs`` at a time, on daemon threads), its result to
    ``write(name, transcription)`` on this thread (which answers where it went). A
    failure is said on its own line and the rest go on, except one every file would meet
    (a wrong key, a missing model): then nothing more is sent (exit 3). Ctrl-C or
    SIGTERM stop at once: no file not yet begun is sent, and the few in flight are
    abandoned (their results were never written: the next run does them)."""
    import queue  # noqa: PLC0415
    import threading  # noqa: PLC0415

    from synaptic_core import SynapticError  # noqa: PLC0415

    waiting: queue.SimpleQueue[str] = queue.SimpleQueue()
    for name in names:
        waiting.put(name)
    finished: queue.SimpleQueue[tuple[str, Any, BaseException | None]] = queue.SimpleQueue()
    halt = threading.Event()

    def work() -> None:
        while not halt.is_set():
            try:
                name = waiting.get_nowait()
            except queue.Empty:
                return
            try:
                finished.put((name, call(name, **options), None))
            except BaseException as error:
                finished.put((name, None, error))

    for _ in range(min(jobs, len(names))):
        threading.Thread(target=work, daemon=True, name="synaptic-transcribe").start()
    failed = passing = 0
    stopped: BaseException | None = None
    try:
        for _ in names:
            name, heard, error = finished.get()
            if error is None:
                try:
                    where = write(name, heard)
                except Exception as problem:
                    error = problem
                else:
                    progress.done(Path(name), where)
                    continue
            failed += 1
            if any(c.__name__ in _FATAL for c in type(error).__mro__):
                stopped = error
            if isinstance(error, SynapticError) and error.retryable:
                passing += 1
            progress.line(f"{name}: error: {one_line(error)}")
            if stopped is not None:
                break
    finally:
        halt.set()  # nothing more begins; daemon threads never hold the exit
    progress.end()
    if stopped is not None:
        left = len(names) - progress.done_here - failed
        click.echo(f"stopped: every file would fail this way ({type(stopped).__name__}); "
                   f"{left} not done. Fix it, then run the same command again: finished "
                   "files are kept", err=True)  # fmt: skip
        sys.exit(3)
    if failed:
        again = (
            "run the same command again to retry them"
            if passing == failed
            else f"{passing} may pass if run again; the others need the fix their error says"
        )
        click.echo(f"{failed} of {progress.total} failed; {again}", err=True)
        sys.exit(1)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-m", "--model", "spec", metavar="SPEC",
              help=f"Model by name or profile (default: {DEFAULT_MODEL}; "
                   f"{TRANSLATE_MODEL} with --translate).")  # fmt: skip
@click.option("--translate", is_flag=True, help="Translate to English instead.")
@click.option("--language", metavar="L", help="The language spoken (ISO-639-1, e.g. en).")
@click.option("--prompt", help="Context for the model (names, spelling), at most 896 characters.")
@click.option("-f", "--format", "form", type=click.Choice(FORMATS), default="text",
              show_default=True,
              help="Output format; srt and vtt are built from segments.")  # fmt: skip
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(),
    help="One file: write it here. Many files: a folder for their results.",
)
@click.option("--jsonl", "jsonl", type=click.Path(dir_okay=False), metavar="OUT.jsonl",
              help="Every result in this one file, a JSON line per input (resumable).")  # fmt: skip
@retries_option
@click.option("-C", "--config", "config_file", type=click.Path(dir_okay=False), help="Config file.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 16),
    default=4,
    show_default=True,
    help="Files sent at once (many files).",
)
def transcribe(
    *,
    files: tuple[str, ...],
    spec: str | None,
    translate: bool,
    language: str | None,
    prompt: str | None,
    form: str,
    out: str | None,
    jsonl: str | None,
    config_file: str | None,
    jobs: int,
    retries: int | None,
) -> None:
    """Transcribe (or translate) audio files: FILE... may be flac, mp3, mp4, mpeg, mpga, m4a,
    ogg, opus, wav or webm ('-': standard input)."""
    from synaptic_core import load_transcription_model  # noqa: PLC0415

    if translate and language:
        raise click.UsageError("--language is for transcription; a translation is English")
    if jsonl is not None and out is not None:
        raise click.UsageError("-o and --jsonl both name where results go: give one")
    names = checked_inputs(files)
    if names == ["-"] and jsonl is not None:
        raise click.UsageError("--jsonl is for files; standard input prints, or -o FILE")
    many = len(names) > 1 or (out is not None and Path(out).is_dir())
    if many and out is not None and Path(out).exists() and not Path(out).is_dir():
        msg = f"-o {out}: with many inputs -o names a folder for their results, not a file"
        raise click.UsageError(msg)
    if out is not None:
        writable_folder(Path(out) if many else Path(out).parent, "the results")
    elif many and jsonl is None:
        for folder in {Path(n).parent for n in names}:
            writable_folder(folder, "the results beside the inputs")
    spec = spec or (TRANSLATE_MODEL if translate else DEFAULT_MODEL)
    wire = "verbose_json" if form in ("srt", "vtt", "verbose_json") else "json"
    options: dict[str, Any] = {"response_format": wire, "prompt": prompt}
    if not translate:
        options["language"] = language
    with stopped_by_signals(), remembered_budgets(), clean_warnings():
        more: dict[str, Any] = {} if retries is None else {"retries": retries}
        model = load_transcription_model(spec, config_file=config_file, **more)
        call = model.translate_sync if translate else model.transcribe_sync
        with model:
            if jsonl is not None:
                from synaptic.cli._transcribe_lines import into_lines  # noqa: PLC0415

                task = "translate" if translate else "transcribe"
                into_lines(names, call, options, form=form, task=task, path=Path(jsonl),
                           jobs=jobs)  # fmt: skip
                return
            if not many:
                audio = sys.stdin.buffer if names == ["-"] else names[0]
                text = render(call(audio, **options), form)
                if out is None:
                    click.echo(text, nl=False)
                else:
                    _write(Path(out), text)
                return
            _many([Path(f) for f in names], call, options, form=form, translate=translate,
                  out=None if out is None else Path(out), jobs=jobs)  # fmt: skip


def _many(
    sources: list[Path],
    call: Any,
    options: dict[str, Any],
    *,
    form: str,
    translate: bool,
    out: Path | None,
    jobs: int,
) -> None:
    """Each file to its own result, a few at a time; those with a result are skipped."""
    targets = {source: _target(source, out, form, translate=translate) for source in sources}
    by_target: dict[Path, list[Path]] = {}
    for source, target in targets.items():
        by_target.setdefault(target, []).append(source)
    clash = next((same for same in by_target.values() if len(same) > 1), None)
    if clash is not None:
        msg = (
            f"{clash[0]} and {clash[1]} would both write {targets[clash[0]].name}"
            + (f" in {out}" if out is not None else "")
            + ": rename one, or run them with different -o folders"
        )
        raise click.UsageError(msg)
    todo = [s for s in sources if not targets[s].exists()]
    skipped = len(sources) - len(todo)
    if skipped:
        click.echo(f"resuming: {skipped} of {len(sources)} already done", err=True)

    def write(name: str, heard: Any) -> Path:
        target = targets[Path(name)]
        _write(target, render(heard, form))
        return target

    run_files([str(s) for s in todo], call, options, jobs=jobs,
              progress=Progress(len(sources), skipped), write=write)  # fmt: skip
