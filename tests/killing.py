"""Killing `monitor run` on purpose: a slow local news site, kill triggers, and the corpus checks.

Shared by tests/test_crash.py (about twenty kills) and bench/kill_points.py (hundreds).
Kill points are chosen by a seeded random generator: a time after start, or the k-th
temporary file created or the k-th article renamed into place (seen through inotify, so
the kill lands inside the write itself, before the rename or before the state records it).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import os
import random
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Protocol

from monitor.article import draft_article
from monitor.check import FIXABLE, check
from monitor.corpus import Corpus, article_id, parse_file_name, render
from monitor.extract import extract_page
from monitor.identity import UrlCanonicaliser
from monitor.models import Entry
from monitor.store import Store
from tests.conftest import monitor_command, run_monitor
from tests.sitegen import Story, article_page, rss2

PROJECT = Path(__file__).resolve().parents[1]
SEEDS = PROJECT / "seeds"

_INDIA = [
    "External Affairs Minister S Jaishankar",
    "Prime Minister Narendra Modi",
    "Commerce Minister Piyush Goyal",
    "Defence Minister Rajnath Singh",
    "Foreign Secretary Vikram Misri",
    "Indian negotiators",
]
_US = [
    "Secretary of State Marco Rubio",
    "Trade Representative Jamieson Greer",
    "Defense Secretary Pete Hegseth",
    "the White House",
    "American negotiators",
    "Energy Secretary Chris Wright",
]
_TOPICS = [
    "a bilateral trade agreement",
    "tariffs on steel",
    "jet engine co-production",
    "critical minerals",
    "semiconductor investment",
    "visas for skilled workers",
    "civil nuclear cooperation",
    "maritime security",
    "energy imports",
    "space cooperation",
    "pharmaceutical exports",
]


def _vocabulary() -> list[str]:
    text = " ".join(p.read_text("utf-8") for p in SEEDS.glob("*.txt"))
    words = {w.strip(".,;:\"'()“”’‘").lower() for w in text.split()}
    return sorted(w for w in words if w.isalpha() and len(w) > 2)


def make_stories(count: int, seed: int) -> list[Story]:
    """``count`` India–US stories: a relevant lede, then paragraphs of words drawn at random from the
    seeds' vocabulary, so that no two stories are near-duplicates of each other."""
    rng = random.Random(seed)
    vocabulary = _vocabulary()
    stories = []
    for number in range(count):
        india, us, topic = rng.choice(_INDIA), rng.choice(_US), rng.choice(_TOPICS)
        lede = (
            f"{india} and US {us} discussed {topic} between India and the United States on "
            f"{rng.choice(['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'])}, officials said."
        )
        body = [
            " ".join(rng.choice(vocabulary) for _ in range(rng.randint(25, 45))).capitalize() + "."
            for _ in range(rng.randint(3, 5))
        ]
        stories.append(
            Story(
                slug=f"india-us-{number:03d}-{rng.randint(10_000, 99_999)}",
                headline=f"India and US Discuss {topic[0].upper()}{topic[1:]} as {india.split()[-1]} Meets "
                f"{us.split()[-1]} ({number})",
                published=f"2026-10-{1 + number % 28:02d}T{rng.randint(0, 23):02d}:15:00+05:30",
                summary=f"India and the United States discussed {topic}.",
                paragraphs=(lede, *body),
            )
        )
    return stories


class _Handler(BaseHTTPRequestHandler):
    server: NewsSite.Server

    def do_GET(self) -> None:
        found = self.server.site.documents.get(self.path.split("?")[0])
        if found is None:
            self.send_error(404)
            return
        body, content_type = found
        if content_type.startswith("text/html"):
            site = self.server.site
            time.sleep(site.page_delays.get(self.path, site.page_delay))
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class NewsSite:
    """A threaded local server with one RSS feed and an article page per story; pages answer slowly."""

    stories: list[Story]
    page_delay: float = 0.02
    page_delays: dict[str, float] = field(default_factory=dict)  # path → delay, overriding page_delay
    documents: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    port: int = 0

    class Server(ThreadingHTTPServer):
        daemon_threads = True
        site: NewsSite

        def handle_error(self, request: object, client_address: object) -> None:
            pass  # a killed client leaves broken connections behind; that is the point

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @contextmanager
    def running(self) -> Iterator[NewsSite]:
        server = NewsSite.Server(("127.0.0.1", 0), _Handler)
        server.site = self
        self.port = server.server_address[1]
        for story in self.stories:
            self.documents[story.path] = (article_page(story, self.base).encode(), "text/html; charset=utf-8")
        items = [(s.headline, self.base + s.path, s.summary, s.published) for s in self.stories]
        self.documents["/rss.xml"] = (rss2("India-US desk", items).encode(), "application/rss+xml")
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()


def reference_corpus(site: NewsSite) -> dict[str, bytes]:
    """id → bytes of every file a whole uninterrupted pass over ``site`` leaves (seeds included),
    computed with the library's own extraction and rendering."""
    expected = by_id({p.name: p.read_bytes() for p in SEEDS.glob("*.txt")})
    canonical = UrlCanonicaliser()
    for story in site.stories:
        url = site.base + story.path
        page = extract_page(site.documents[story.path][0], url)
        entry = Entry(feed_name="Desk", link=url, title=story.headline, summary=story.summary)
        draft = draft_article(
            entry,
            page,
            canonical_url=canonical(page.canonical_url or url),
            fetched_at=dt.datetime.now(dt.UTC),
        )
        assert draft is not None, story.slug
        article = draft.article
        expected[article_id(article.url)] = render(article.headline, article.published, article.paragraphs).encode()
    return expected


def make_project(folder: Path, site: NewsSite, extra: str = "") -> Path:
    """A working folder with a copy of the seeds and a monitor.toml pointing at ``site``."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "seeds").exists():
        shutil.copytree(SEEDS, folder / "seeds")
    lines = [
        "[http]",
        "allow_private_addresses = true",
        "timeout = 10",
        "connect_timeout = 2",
        "retries = 0",
        "host_delay = 0",
        "per_host_concurrency = 2",
        extra,
        "[[feeds]]",
        'name = "Desk"',
        f'url = "{site.base}/rss.xml"',
    ]
    (folder / "monitor.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def corpus_files(folder: Path) -> dict[str, bytes]:
    """File name → bytes of every ``*.txt`` in the folder's corpus."""
    return {p.name: p.read_bytes() for p in (folder / "seeds").glob("*.txt")}


def by_id(files: dict[str, bytes]) -> dict[str, bytes]:
    result = {}
    for name, data in files.items():
        parsed = parse_file_name(name)
        assert parsed is not None, name
        assert parsed[1] not in result, f"id {parsed[1]} written twice"
        result[parsed[1]] = data
    return result


# -- inotify ------------------------------------------------------------------------------

IN_CREATE = 0x100
IN_MOVED_TO = 0x80
_EVENT = struct.Struct("iIII")


class FolderWatch:
    """inotify on one folder: the names created in it and renamed into it, as they happen."""

    def __init__(self, folder: Path) -> None:
        self._libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        self.fd = self._libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        if self._libc.inotify_add_watch(self.fd, os.fsencode(folder), IN_CREATE | IN_MOVED_TO) < 0:
            os.close(self.fd)
            raise OSError(ctypes.get_errno(), f"inotify_add_watch failed on {folder}")

    def events(self, timeout: float) -> list[tuple[int, str]]:
        """(mask, name) of the events that arrive within ``timeout`` seconds (maybe none)."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return []
        data = os.read(self.fd, 65536)
        found, offset = [], 0
        while offset < len(data):
            _, mask, _, length = _EVENT.unpack_from(data, offset)
            raw = data[offset + _EVENT.size : offset + _EVENT.size + length]
            found.append((mask, raw.rstrip(b"\0").decode()))
            offset += _EVENT.size + length
        return found

    def close(self) -> None:
        os.close(self.fd)


@dataclass(frozen=True)
class Trigger:
    """When to kill: ``after`` seconds from start ("time"), or at the ``nth`` temporary file
    created ("temporary") or article renamed into place ("renamed")."""

    kind: str
    nth: int = 0
    after: float = 0.0

    @staticmethod
    def draw(rng: random.Random) -> Trigger:
        kind = rng.choice(["time", "temporary", "renamed"])
        if kind == "time":
            return Trigger(kind, after=round(rng.uniform(0.7, 2.0), 3))
        return Trigger(kind, nth=rng.randint(1, 3))

    def __str__(self) -> str:
        return f"time {self.after:.3f}s" if self.kind == "time" else f"{self.kind} #{self.nth}"


class Run(Protocol):
    """One `monitor run --all` in progress."""

    def poll(self) -> int | None: ...

    def kill(self) -> bool:
        """SIGKILL it and wait until it is gone; False when it had ended on its own first."""


class ExecRun:
    """`python -m monitor run --all` as a fresh process."""

    def __init__(self, folder: Path) -> None:
        with (folder / "run.log").open("ab") as log:
            self.process = subprocess.Popen(monitor_command("run", "--all"), cwd=folder, stdout=log, stderr=log)

    def poll(self) -> int | None:
        return self.process.poll()

    def kill(self) -> bool:
        ended = self.process.poll() is not None
        self.process.send_signal(signal.SIGKILL)  # a no-op once the process is reaped
        self.process.wait()
        return not ended


_FORK_SERVER = """
import os, sys
import monitor.cli
for line in sys.stdin:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.chdir(line.rstrip("\\n"))
            log = os.open("run.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            monitor.cli.main(["run", "--all"])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    print(pid, flush=True)
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), flush=True)
"""


class ForkServer:
    """A Python process that imports monitor once, then forks one `monitor run --all` per request.

    Each run is a real process executing the command's own entry point, so a SIGKILL hits it
    exactly as it would hit `python -m monitor run`; only the second of imports is saved.
    """

    def __enter__(self) -> ForkServer:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _FORK_SERVER],
            cwd=PROJECT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)
        self.process.stdout.close()

    def start(self, folder: Path) -> ForkedRun:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{folder}\n")
        self.process.stdin.flush()
        return ForkedRun(int(self.process.stdout.readline()), self.process.stdout)


class ForkedRun:
    def __init__(self, pid: int, replies: IO[str]) -> None:
        self.pid = pid
        self.replies = replies
        self.code: int | None = None

    def poll(self) -> int | None:
        if self.code is None and select.select([self.replies], [], [], 0)[0]:
            self.code = int(self.replies.readline())
        return self.code

    def kill(self) -> bool:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:  # it ended between the trigger and the kill, and was reaped
            delivered = False
        else:
            delivered = True
        self.code = int(self.replies.readline())
        return delivered


def run_and_kill(folder: Path, trigger: Trigger, start: Callable[[Path], Run] = ExecRun, *, limit: float = 60) -> bool:
    """Start a run in ``folder`` and SIGKILL it at ``trigger``; False when it ended first."""
    watch = FolderWatch(folder / "seeds")
    try:
        run = start(folder)
        started, seen = time.monotonic(), 0
        try:
            while run.poll() is None:
                elapsed = time.monotonic() - started
                if elapsed > limit:
                    raise AssertionError(f"monitor run did not end within {limit}s")
                if trigger.kind == "time":
                    if elapsed >= trigger.after:
                        return run.kill()
                    time.sleep(min(0.01, trigger.after - elapsed))
                    continue
                for mask, name in watch.events(0.05):
                    created = trigger.kind == "temporary" and mask & IN_CREATE and name.startswith(".tmp-")
                    renamed = trigger.kind == "renamed" and mask & IN_MOVED_TO and name.endswith(".txt")
                    seen += bool(created or renamed)
                    if seen >= trigger.nth:
                        return run.kill()
            return False
        finally:
            if run.poll() is None:
                run.kill()
    finally:
        watch.close()


@dataclass
class Aftermath:
    """What a kill left: stray temporary files and complete files the state did not know yet."""

    temporaries: int = 0
    unindexed: int = 0


def inspect_after_kill(
    folder: Path, reference: dict[str, bytes], before: dict[str, bytes], temporaries_before: set[str]
) -> Aftermath:
    """Assert the corpus invariants after a kill and say which crash windows it hit.

    Every complete file equals the reference bytes for its id; files present before are
    untouched; no id or index is used twice; the only problems are the ones a crash may
    leave and the next start repairs (a stale temporary file, a file not yet indexed).
    """
    files = corpus_files(folder)
    for name, data in before.items():
        assert files.get(name) == data, f"{name} changed or vanished"
    for identifier, data in by_id(files).items():
        assert reference.get(identifier) == data, f"id {identifier}: not the expected bytes"
    state = folder / ".monitor" / "state.db"
    with Store(state) as store:
        report = check(Corpus(folder / "seeds"), store)
    unexpected = [str(p) for p in report.problems if p.kind not in FIXABLE or p.kind == "missing-file"]
    assert not unexpected, unexpected
    new_temporaries = [p for p in report.problems if p.kind == "temporary" and p.file not in temporaries_before]
    unindexed = [p for p in report.problems if p.kind == "unindexed" and p.file not in before]
    return Aftermath(temporaries=len(new_temporaries), unindexed=len(unindexed))


@dataclass
class ChainResult:
    kills: int = 0
    runs: int = 0
    temporaries: int = 0
    unindexed: int = 0
    repaired: bool = False  # `monitor check --fix` was run after a kill
    triggers: list[str] = field(default_factory=list)


def kill_chain(
    folder: Path,
    site: NewsSite,
    reference: dict[str, bytes],
    rng: random.Random,
    kills: int,
    start: Callable[[Path], Run] = ExecRun,
) -> ChainResult:
    """Kill successive runs on one corpus until ``kills`` kills landed, then finish with a whole run.

    After each kill the invariants hold; each later run adds only missing articles; after the
    first kill that leaves something to repair, `monitor check --fix` repairs it; at the end
    the corpus holds every reference article exactly once and the check finds nothing.
    """
    make_project(folder, site)
    result = ChainResult()
    while result.kills < kills:
        before = corpus_files(folder)
        temporaries_before = {p.name for p in (folder / "seeds").glob(".tmp-*")}
        trigger = Trigger.draw(rng)
        result.runs += 1
        killed = run_and_kill(folder, trigger, start)
        if killed:
            result.kills += 1
            result.triggers.append(str(trigger))
        aftermath = inspect_after_kill(folder, reference, before, temporaries_before)
        result.temporaries += aftermath.temporaries
        result.unindexed += aftermath.unindexed
        if (aftermath.temporaries or aftermath.unindexed) and not result.repaired:
            repaired = run_monitor(folder, "check", "--fix")
            assert repaired.returncode == 0, repaired.stdout + repaired.stderr
            assert "fixed " in repaired.stdout and repaired.stdout.splitlines()[-1].startswith("ok: ")
            result.repaired = True
        if not killed:
            break  # the run finished before the trigger: nothing is left to interrupt
    final = start(folder)
    while final.poll() is None:
        time.sleep(0.02)
    assert final.poll() == 0, (folder / "run.log").read_text()
    files = by_id(corpus_files(folder))
    assert files == reference, "the corpus does not hold every article exactly once"
    with Store(folder / ".monitor" / "state.db") as store:
        assert check(Corpus(folder / "seeds"), store).problems == []
    return result


def kill_campaign(
    root: Path,
    site: NewsSite,
    reference: dict[str, bytes],
    seed: int,
    kills: int,
    start: Callable[[Path], Run] = ExecRun,
) -> ChainResult:
    """Kill chains (see ``kill_chain``) on fresh corpora under ``root`` until ``kills`` kills landed."""
    rng = random.Random(seed)
    total = ChainResult()
    chain = 0
    while total.kills < kills:
        result = kill_chain(root / f"chain-{seed}-{chain}", site, reference, rng, kills - total.kills, start)
        chain += 1
        total.kills += result.kills
        total.runs += result.runs
        total.temporaries += result.temporaries
        total.unindexed += result.unindexed
        total.triggers += result.triggers
        total.repaired = total.repaired or result.repaired
    return total
