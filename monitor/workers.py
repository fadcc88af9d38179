"""A process pool for the CPU-bound stages of a pass: feed parsing with the screening of its entries
(seen keys, relevance gate), and page extraction with the judging of the page (``monitor.assess``:
language, relevance, fingerprints).

Both are pure functions of bytes, so they move to other processes unchanged and every core
works while the event loop keeps fetching. With ``processes=0`` they run in a thread of
this process instead, as a small pass would finish before a pool had started.

Workers come from a fork server that imports the parsing and extraction modules once, so a
worker starts in milliseconds and shares those pages with its siblings; nothing is forked
from this process, whose threads and open database would not survive a fork.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import multiprocessing
import multiprocessing.forkserver
import os
import select
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import TracebackType
from typing import TypeVar

from monitor.assess import Assessment, Judging, Screening, assess, screen
from monitor.feeds import parse_feed
from monitor.models import Entry, ParsedFeed

PRELOAD = ["monitor.assess", "monitor.extract", "monitor.feeds"]
WORKER_NICENESS = 10
"""Workers run at a lower CPU priority than the event loop. On a machine whose cores the workers
keep busy, an event loop that waits its turn delays every fetch and every hand-over, and the
workers then wait on it: the pass is only as fast as its coordinator."""
T = TypeVar("T")


class Workers:
    """Runs parse and extract jobs off the event loop. Use as ``(async) with Workers(n) as workers``.

    One pool serves any number of passes (the daemon keeps one for its lifetime); processes
    start at the first job. A pool whose worker died is replaced for the next job.
    """

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool = self._new_pool()

    def _new_pool(self) -> ProcessPoolExecutor | None:
        if self.processes <= 0:
            return None
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        # Start the fork server now: it imports the preloaded modules (~0.7 s of a core) while the pass
        # fetches its first feeds, instead of holding up the first job.
        multiprocessing.forkserver.ensure_running()
        return ProcessPoolExecutor(max_workers=self.processes, mp_context=context, initializer=_start_worker,
                                   initargs=(os.getpid(),))

    def __enter__(self) -> Workers:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    async def __aenter__(self) -> Workers:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    async def parse_and_screen(
        self, body: bytes, *, feed_name: str, url: str, content_type: str, judging: Judging
    ) -> tuple[ParsedFeed, tuple[Screening, ...]]:
        """Parse a feed document and screen its entries (``assess.screen``)."""
        return await self._run(_parse_and_screen, body, feed_name, url, content_type, judging)

    async def extract_and_assess(self, body: bytes, url: str, *, charset: str | None, entry: Entry,
                                 fetched_at: dt.datetime, judging: Judging) -> Assessment:
        """Extract the page at ``url`` (the final URL) and judge it for ``entry``."""
        return await self._run(_extract_and_assess, body, url, charset, entry, fetched_at, judging)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        # Without a pool the loop's default thread pool runs the job, as asyncio.to_thread would.
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, function, *args)
        except BrokenProcessPool:
            if pool is self._pool and pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
                self._pool = self._new_pool()
            raise


# Module-level functions: a process pool pickles the function by name, and run_in_executor
# passes positional arguments only.


def _start_worker(parent: int) -> None:
    """Lower the worker's priority, and end it when ``parent`` (the pass's process) ends.

    A worker waits on a queue whose writing end it holds itself, so it never sees its parent go:
    after a ``kill -9`` of the daemon the workers, and the fork server they keep alive, would
    stay forever, holding whatever the daemon's stderr was.
    """
    os.nice(WORKER_NICENESS)
    threading.Thread(target=_exit_with, args=(parent,), name="exit-with-parent", daemon=True).start()


def _exit_with(parent: int) -> None:
    try:
        handle = os.pidfd_open(parent)  # readable once the process has ended, reaped or not
    except (AttributeError, OSError):  # not Linux 5.3+, or the parent is already gone
        while _alive(parent):
            time.sleep(1.0)
    else:
        select.select([handle], [], [])
    os._exit(0)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another user
        pass
    return True


def _parse_and_screen(
    body: bytes, feed_name: str, url: str, content_type: str, judging: Judging
) -> tuple[ParsedFeed, tuple[Screening, ...]]:
    parsed = parse_feed(body, feed_name=feed_name, url=url, content_type=content_type)
    screenings = screen(parsed.entries, judging)
    # Only a candidate's own content is ever read (when its page fails); the full texts of the
    # others would be pickled back for nothing.
    entries = tuple(
        entry if screening.relevant or not entry.content_html else dataclasses.replace(entry, content_html="")
        for entry, screening in zip(parsed.entries, screenings, strict=True)
    )
    return dataclasses.replace(parsed, entries=entries), screenings


def _extract_and_assess(body: bytes, url: str, charset: str | None, entry: Entry, fetched_at: dt.datetime,
                        judging: Judging) -> Assessment:
    # Imported here: the pass's own process never extracts, and trafilatura costs it 0.2 s to import
    # (the fork server has it preloaded for the workers).
    from monitor.extract import extract_page

    verdict = assess(entry, extract_page(body, url, charset=charset), url, fetched_at, judging)
    if verdict.decision is None:
        return verdict
    # The pass reads the decision's outcome, not the terms behind it (``monitor explain`` shows those).
    return dataclasses.replace(verdict, decision=dataclasses.replace(verdict.decision, matches=()))
