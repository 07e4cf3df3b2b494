"""``synaptic transcribe --jsonl OUT.jsonl``: every result in one file, a JSON line per
input (``{"file": ..., "text": ..., ...}``), appended in the order files finish.

Resumable like ``synaptic batch``: a line is appended whole (one ``write`` of the line
and its newline), so after Ctrl-C or ``kill -9`` the file holds finished files only,
and running the same command again skips them. A last line without its newline (cut
mid-write) is removed first and its file done again. Failed files get no line: the
next run retries them.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from synaptic.cli._transcribe import Progress, fields, run_files


def _finished(path: Path, *, form: str, task: str) -> set[str]:
    """The inputs that already have a line (by their full path, however they were
    typed); a torn last line is cut off; lines of another task or format refused."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return set()
    except OSError as error:
        msg = f"cannot read {path}: {error.strerror or error}"
        raise click.ClickException(msg) from None
    whole = data.rfind(b"\n") + 1
    if whole < len(data):
        with path.open("r+b") as torn:
            torn.truncate(whole)
        click.echo(f"{path}: cut off a last line left half-written", err=True)
    done: set[str] = set()
    for number, raw in enumerate(data[:whole].splitlines(), 1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except ValueError:
            record = None
        if not isinstance(record, dict) or not isinstance(record.get("file"), str):
            msg = (
                f"{path} line {number} is not a `synaptic transcribe --jsonl` line (a JSON "
                'object with "file"); name another file for the results'
            )
            raise click.ClickException(msg)
        made = (record.get("task", task), record.get("format", form))
        if made != (task, form):
            msg = (
                f"{path} holds results made with another task or format ({made[0]}, "
                f"-f {made[1]}), not {task}, -f {form}: name another --jsonl file"
            )
            raise click.ClickException(msg)
        done.add(str(record.get("path") or os.path.realpath(record["file"])))
    return done


def _lock(fd: int, path: Path) -> None:
    """One writer per file: a second ``synaptic transcribe`` on the same ``--jsonl`` is
    refused (both would do every file, and their lines would interleave)."""
    try:
        import fcntl  # noqa: PLC0415
    except ImportError:  # not POSIX: no advisory locks; the docs say one writer per file
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        msg = f"another synaptic transcribe is writing {path}: wait for it, or name another file"
        raise click.ClickException(msg) from None


def _append(fd: int, record: dict[str, Any]) -> None:
    """One whole line, or none: a failed write (a full disk) is cut back off."""
    line = memoryview((json.dumps(record, ensure_ascii=False) + "\n").encode())
    before = os.fstat(fd).st_size
    try:
        while line:
            line = line[os.write(fd, line) :]
    except OSError:
        os.ftruncate(fd, before)
        raise


def into_lines(
    files: list[str],
    call: Any,
    options: dict[str, Any],
    *,
    form: str,
    task: str,
    path: Path,
    jobs: int,
) -> None:
    """Each input not yet in ``path`` transcribed, its line appended as it finishes."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    except OSError as error:
        msg = f"cannot write {path}: {error.strerror or error}"
        raise click.ClickException(msg) from None
    try:
        _lock(fd, path)
        done = _finished(path, form=form, task=task)
    except BaseException:
        os.close(fd)
        raise
    todo = [f for f in files if os.path.realpath(f) not in done]
    skipped = len(files) - len(todo)
    if skipped:
        click.echo(f"resuming: {skipped} of {len(files)} already in {path}", err=True)

    def write(name: str, heard: Any) -> Path:
        where = os.path.realpath(name)
        _append(fd, {"file": name, "path": where, "task": task, "format": form,
                     **fields(heard, form)})  # fmt: skip
        return path

    try:
        run_files(todo, call, options, jobs=jobs, progress=Progress(len(files), skipped),
                  write=write)  # fmt: skip
    finally:
        os.close(fd)
