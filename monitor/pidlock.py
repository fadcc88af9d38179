"""One daemon per state: an flock'd pid file next to the state database.

The daemon holds an exclusive ``flock`` on ``<state>.daemon.pid`` for its whole life and
writes its pid there. The kernel drops the lock when the process ends, however it ends, so
a pid file left by a crashed daemon never blocks the next one; the file itself is kept (and
emptied on a clean exit) because unlinking a locked file lets two processes lock two files.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from types import TracebackType

from monitor.errors import DaemonAlreadyRunning, StateError


def pid_file_for(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".daemon.pid")


class PidLock:
    """Hold the daemon lock of one state; ``DaemonAlreadyRunning`` names the holder's pid."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: int | None = None

    def acquire(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StateError(f"cannot open the daemon pid file {self.path}: {exc.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_pid(handle)
            os.close(handle)
            who = f"pid {holder}" if holder else "pid unknown"
            raise DaemonAlreadyRunning(
                f"another monitor daemon ({who}) is already running on this state; lock held on {self.path}"
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, f"{os.getpid()}\n".encode(), 0)
        os.fsync(handle)
        self._handle = handle

    def release(self) -> None:
        if self._handle is None:
            return
        os.ftruncate(self._handle, 0)
        os.close(self._handle)  # closing drops the flock
        self._handle = None

    def __enter__(self) -> PidLock:
        self.acquire()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def _read_pid(handle: int) -> int | None:
    text = os.pread(handle, 32, 0).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None
