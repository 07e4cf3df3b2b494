"""What the CLI tests share: the command run in-process, and on a real pseudo-terminal."""

from __future__ import annotations

import os
import select
import sys
from pathlib import Path

import pytest

from synaptic.cli import main

ROOT = Path(__file__).parent.parent.parent


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``synaptic ARGS`` in this process: (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main(args)
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


class Terminal:
    """``python -m synaptic ARGS`` on a pseudo-terminal: write keys, read until a marker."""

    def __init__(self, args: list[str], env: dict[str, str] | None = None) -> None:
        import pty

        self.output = b""
        self.seen = 0  # where the next read_until starts looking
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the real command
            os.chdir(ROOT)
            argv = [sys.executable, "-m", "synaptic", *args]
            os.execve(sys.executable, argv, dict(os.environ) if env is None else env)

    def read_until(self, marker: bytes) -> None:
        """Wait for ``marker`` after what earlier calls consumed (a prompt seen before
        does not count again)."""
        while (found := self.output.find(marker, self.seen)) < 0:
            ready, _, _ = select.select([self.fd], [], [], 30)
            assert ready, self.output
            self.output += os.read(self.fd, 4096)
        self.seen = found + len(marker)

    def write(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait(self) -> int:
        """The command's exit code (the terminal is closed after)."""
        try:
            _, status = os.waitpid(self.pid, 0)
        finally:
            os.close(self.fd)
        return os.waitstatus_to_exitcode(status)

    def wait_for_exit(self) -> int:
        """Read everything until the command ends; its exit code."""
        while True:
            ready, _, _ = select.select([self.fd], [], [], 30)
            assert ready, self.output
            try:
                data = os.read(self.fd, 4096)
            except OSError:  # EIO: the command closed the terminal (it ended)
                break
            if not data:
                break
            self.output += data
        return self.wait()
