"""`monitor daemon` as a real process against a local web: polls, reloads, stops, shares the corpus."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from monitor.errors import DaemonAlreadyRunning
from monitor.pidlock import PidLock
from tests.conftest import SEEDS, Site, write_config
from tests.sitegen import Story, article_page, rss2

FAST = """[schedule]
tick = 0.2
interval = 1
min_interval = 1
max_interval = 2
jitter = 0.2
stop_timeout = 5
"""


WORDS = (
    "tariff",
    "steel",
    "dairy",
    "farm",
    "medical",
    "device",
    "digital",
    "data",
    "visa",
    "student",
    "engineer",
    "semiconductor",
    "reactor",
    "fuel",
    "vaccine",
    "drone",
    "satellite",
    "port",
    "railway",
    "grid",
    "solar",
    "wind",
    "battery",
    "cotton",
    "rice",
    "wheat",
    "almond",
    "whisky",
    "pharma",
    "generic",
    "patent",
    "startup",
    "fund",
    "bond",
    "rupee",
    "dollar",
    "investor",
    "quota",
    "subsidy",
    "inspection",
    "audit",
    "license",
    "waiver",
    "treaty",
    "clause",
    "annex",
    "timeline",
    "review",
    "council",
    "summit",
    "envoy",
    "minister",
    "delegation",
    "negotiator",
    "ambassador",
)


def story(n: int) -> Story:
    """A distinct India–US story: its own slug and headline, and a body no other story's resembles."""
    rng = random.Random(n)
    lines = [
        " ".join(" ".join(rng.choice(WORDS) for _ in range(14)).capitalize() + "." for _ in range(3))
        for _ in range(3)
    ]
    return Story(
        slug=f"india-us-talks-{n}",
        headline=f"India and US Hold Round {n} of Trade Talks in New Delhi",
        published=f"2026-10-{n % 28 + 1:02d}T10:00:00+05:30",
        summary="Negotiators from India and the United States met for another round of trade talks.",
        paragraphs=(
            f"Negotiators from India and the United States held round {n} of talks on a bilateral "
            "trade agreement in New Delhi, officials said.",
            *lines,
        ),
    )


class Feed:
    """An RSS feed whose items the test changes while the daemon runs; it can be told to fail."""

    def __init__(self, site: Site, path: str, stories: list[Story] | None = None, delay: float = 0.0) -> None:
        self.site = site
        self.path = path
        self.stories = list(stories or [])
        self.failing = False
        self.delay = delay
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        for item in self.stories:
            site.serve(item.path, article_page(item, site.base))
        site.route(path, self.respond)

    def add(self, item: Story) -> None:
        self.site.serve(item.path, article_page(item, self.site.base))
        self.stories.append(item)

    def respond(self, _request: Request) -> Response:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            if self.failing:
                return Response("upstream exploded", status=500)
            items = [(s.headline, self.site.url(s.path), s.summary, s.published) for s in self.stories]
            return Response(rss2(self.path, items), content_type="application/rss+xml")
        finally:
            with self.lock:
                self.in_flight -= 1


class Daemon:
    """A `python -m monitor daemon` child process whose log lines are collected as they come."""

    def __init__(self, folder: Path, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "daemon", *args],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def wait_for_log(self, text: str, timeout: float = 10) -> str:
        wait_for(lambda: any(text in line for line in self.lines), timeout, f"log line {text!r}", self)
        return next(line for line in self.lines if text in line)

    def signal(self, number: int) -> None:
        self.process.send_signal(number)

    def stop(self, timeout: float = 10) -> tuple[int, float]:
        """SIGTERM, then the exit code and how long the exit took."""
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(timeout=timeout)
        self._reader.join(timeout=5)
        return code, time.monotonic() - started

    def close(self) -> None:
        """Kill the process if it still runs, and close its pipe."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        assert self.process.stderr is not None
        self.process.stderr.close()


@pytest.fixture
def site() -> Iterator[Site]:
    """Like conftest's site, but answering requests concurrently, as real servers do."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    web = Site(server)
    server.expect_request(__import__("re").compile(".*")).respond_with_handler(web.dispatch)
    server.start()
    yield web
    server.clear()
    server.stop()


@pytest.fixture
def daemons() -> Iterator[Callable[..., Daemon]]:
    started: list[Daemon] = []

    def start(folder: Path, *args: str) -> Daemon:
        process = Daemon(folder, *args)
        started.append(process)
        return process

    yield start
    for process in started:
        process.close()


def wait_for(check: Callable[[], bool], timeout: float, what: str, daemon: Daemon | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        if daemon is not None and daemon.process.poll() is not None:
            break
        time.sleep(0.05)
    log = daemon.log if daemon is not None else ""
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def written_ids(folder: Path) -> list[str]:
    """The ids of the files written after the seeds, one per file (so a duplicate shows twice)."""
    seeds = {p.name for p in SEEDS.iterdir()}
    return [p.name.split("_")[1][:16] for p in (folder / "seeds").glob("*.txt") if p.name not in seeds]


def has_stories(folder: Path, stories: list[Story], site: Site) -> Callable[[], bool]:
    from tests.test_end_to_end import corpus_id

    wanted = {corpus_id(site.url(s.path)) for s in stories}
    return lambda: wanted <= set(written_ids(folder))


def assert_state_matches_corpus(folder: Path) -> None:
    """Every corpus file is indexed in the state under its name, and nothing else is; no temp file."""
    seeds = folder / "seeds"
    assert not [p.name for p in seeds.iterdir() if p.name.startswith(".tmp-")]
    files = sorted(p.name for p in seeds.glob("*.txt"))
    indexes = [name.split("_")[0] for name in files]
    assert len(indexes) == len(set(indexes)), f"duplicate indexes: {files}"
    with sqlite3.connect(folder / ".monitor" / "state.db") as db:
        rows = sorted(row[0] for row in db.execute("SELECT file_name FROM articles"))
        leases = db.execute("SELECT name, lease_owner FROM feeds WHERE lease_owner IS NOT NULL").fetchall()
    db.close()
    assert rows == files
    assert leases == [], "a stopped daemon must leave no lease behind"


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_daemon_polls_survives_a_failing_feed_reloads_and_stops_cleanly(
    site: Site, project: Path, daemons: Callable[..., Daemon]
) -> None:
    """Due feeds are polled on their own short intervals, a failing feed does not stop the others,
    SIGHUP adds a feed (an invalid config is refused), /healthz and /metrics answer, and SIGTERM
    exits 0 with the state matching the corpus."""
    world = Feed(site, "/world.xml", [story(1), story(2)])
    flaky = Feed(site, "/flaky.xml", [story(3)])
    config = write_config(project, [("World", site.url(world.path)), ("Flaky", site.url(flaky.path))], FAST)
    daemon = daemons(project, "--metrics-port", "0")
    port = int(daemon.wait_for_log("metrics on http://").split(":")[-1].split("/")[0])

    wait_for(has_stories(project, [story(1), story(2), story(3)], site), 15, "the first articles", daemon)
    flaky.failing = True
    failures = len(site.hits(flaky.path))
    world.add(story(4))
    wait_for(has_stories(project, [story(4)], site), 10, "an article after a feed broke", daemon)
    wait_for(lambda: len(site.hits(flaky.path)) >= failures + 2, 10, "the failing feed polled again", daemon)
    assert "Flaky" in daemon.wait_for_log("failed: HTTP 500")

    status, body = get(f"http://127.0.0.1:{port}/healthz")
    assert status == 200 and json.loads(body)["status"] == "ok"
    status, body = get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    assert 'monitor_articles_written_total{feed="World"}' in body
    assert 'monitor_poll_errors_total{feed="Flaky"}' in body
    assert "monitor_pass_duration_seconds_count" in body
    assert 'monitor_feed_last_success_timestamp_seconds{feed="World"}' in body

    good = config.read_text(encoding="utf-8")
    config.write_text(good + "[schedule]\n", encoding="utf-8")  # a second [schedule] table: invalid TOML
    daemon.signal(signal.SIGHUP)
    assert "keeping the running config" in daemon.wait_for_log("config reload failed")

    india = Feed(site, "/india.xml", [story(5)])
    config.write_text(good + f'[[feeds]]\nname = "India"\nurl = "{site.url(india.path)}"\n', encoding="utf-8")
    daemon.signal(signal.SIGHUP)
    assert "added: India" in daemon.wait_for_log("config reloaded")
    wait_for(has_stories(project, [story(5)], site), 10, "the added feed's article", daemon)
    assert "written" in daemon.wait_for_log("pass done in")

    code, seconds = daemon.stop()
    assert code == 0, daemon.log
    assert seconds < 5
    assert "daemon stopped" in daemon.log
    assert "Traceback" not in daemon.log
    assert sorted(written_ids(project)) == sorted(set(written_ids(project)))
    assert len(written_ids(project)) == 5
    assert_state_matches_corpus(project)

    result = subprocess.run(
        [sys.executable, "-m", "monitor", "status"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    header, *rows = result.stdout.splitlines()
    assert "NEXT DUE" in header and "INTERVAL" in header
    assert {row.split()[0] for row in rows} == {"World", "Flaky", "India"}
    world_row = next(row for row in rows if row.startswith("World"))
    assert world_row[header.index("INTERVAL") :].split()[0] in ("1s", "2s")


def test_cron_passes_alongside_the_daemon_write_each_article_once(
    site: Site, project: Path, daemons: Callable[..., Daemon]
) -> None:
    """`monitor run` in a loop while the daemon runs: no feed is polled twice at once, every article
    lands exactly once, and indexes stay unique."""
    shared = [story(n) for n in range(10, 14)]
    feeds = [
        Feed(site, "/a.xml", [story(1), *shared], delay=0.3),
        Feed(site, "/b.xml", [story(2), *shared], delay=0.3),
        Feed(site, "/c.xml", [story(3), *shared[:2]], delay=0.3),
    ]
    write_config(project, [(f.path[1], site.url(f.path)) for f in feeds], FAST)
    daemon = daemons(project, "--log-format", "json")
    daemon.wait_for_log("daemon started")
    everything = [story(1), story(2), story(3), *shared]

    def cron(rounds: int, extra: list[str]) -> None:
        for n in range(rounds):
            subprocess.run(
                [sys.executable, "-m", "monitor", "run", "-q", *extra],
                cwd=project,
                capture_output=True,
                timeout=60,
                check=False,
            )
            feeds[n % 3].add(story(20 + n + (10 if extra else 0)))

    loops = [threading.Thread(target=cron, args=(2, [])), threading.Thread(target=cron, args=(2, ["--all"]))]
    for loop in loops:
        loop.start()
    for loop in loops:
        loop.join()
    everything += [s for f in feeds for s in f.stories if s not in everything]
    wait_for(has_stories(project, everything, site), 15, "every article", daemon)
    code, _ = daemon.stop()

    assert code == 0, daemon.log
    ids = written_ids(project)
    assert len(ids) == len(set(ids)) == len(everything)
    assert_state_matches_corpus(project)
    assert all(f.most_in_flight == 1 for f in feeds), [f.most_in_flight for f in feeds]
    events = [json.loads(line) for line in daemon.lines]
    assert {"time", "level", "logger", "message"} <= set(events[0])
    assert any(e["message"].startswith("pass done") for e in events)


def test_a_second_daemon_on_the_same_state_refuses_naming_the_first(
    site: Site, project: Path, daemons: Callable[..., Daemon]
) -> None:
    """A second daemon exits 1 with one line naming the running daemon's pid."""
    write_config(project, [("World", site.url("/world.xml"))], FAST)
    first = daemons(project)
    first.wait_for_log("daemon started")

    second = subprocess.run(
        [sys.executable, "-m", "monitor", "daemon"],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )

    assert second.returncode == 1
    assert second.stderr.strip().splitlines()[-1].startswith("monitor: error: another monitor daemon")
    assert f"pid {first.process.pid}" in second.stderr
    assert first.process.poll() is None
    assert first.stop()[0] == 0


def test_stop_cancels_work_past_the_timeout_and_exits_zero(
    site: Site, project: Path, daemons: Callable[..., Daemon]
) -> None:
    """A pass stuck on a slow page is cancelled after stop_timeout; the exit is still 0 and clean."""
    slow = story(7)
    done = threading.Event()

    def hang(_request: Request) -> Response:
        done.wait(8)
        return Response("too late")

    site.route(slow.path, hang)
    Feed(site, "/world.xml").stories.append(slow)
    write_config(project, [("World", site.url("/world.xml"))], FAST.replace("= 5", "= 1"))
    daemon = daemons(project)
    wait_for(lambda: bool(site.hits(slow.path)), 10, "the slow page requested", daemon)

    code, seconds = daemon.stop()
    done.set()

    assert code == 0, daemon.log
    assert seconds < 4, daemon.log
    assert "cancelling 1 pass(es)" in daemon.log
    assert_state_matches_corpus(project)


def test_a_stale_pid_file_does_not_block_and_a_held_one_names_its_pid(tmp_path: Path) -> None:
    """The pid file of a crashed daemon is taken over; a held lock names the holder."""
    path = tmp_path / "state.db.daemon.pid"
    path.write_text("999999\n", encoding="utf-8")
    with PidLock(path):
        assert path.read_text(encoding="utf-8") == f"{os.getpid()}\n"
        with pytest.raises(DaemonAlreadyRunning, match=f"pid {os.getpid()}"):
            PidLock(path).acquire()
    assert path.read_text(encoding="utf-8") == ""


def test_start_warns_when_ticks_cannot_keep_the_feeds_on_time(
    site: Site, project: Path, daemons: Callable[..., Daemon]
) -> None:
    """Three feeds due every second and a tick of 0.5 s starting one feed: the log says how far
    behind that leaves them and what to set instead."""
    feeds = [(name, site.url(Feed(site, f"/{name}.xml").path)) for name in ("a", "b", "c")]
    write_config(project, feeds, FAST.replace("tick = 0.2", "tick = 0.5\nfeeds_per_tick = 1"))
    daemon = daemons(project)
    line = daemon.wait_for_log("polled late")
    assert "3 feeds at their intervals fall due at 1.5 a tick, but schedule.feeds_per_tick is 1" in line
    assert "set it to 2 or more" in line
    assert daemon.stop()[0] == 0
