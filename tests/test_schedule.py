"""The adaptive-interval policy (pure) and feed claims in a real SQLite state."""

from __future__ import annotations

import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import FeedConfig, ScheduleConfig
from monitor.schedule import (
    GROWTH,
    HISTORY,
    Poll,
    adapt_interval,
    claim_due,
    format_history,
    next_poll,
    parse_history,
    poller_id,
    tick_shortfall,
    waiting_feeds,
)
from monitor.store import FeedState, Store

MIN, MAX = 300.0, 21600.0
SCHEDULE = ScheduleConfig(interval=900, min_interval=MIN, max_interval=MAX, max_backoff=86400, jitter=0.0)
FEED = FeedConfig(name="World", url="http://example.org/rss.xml")


def polls(every: float, counts: list[int]) -> list[Poll]:
    return [Poll(1_000_000 + i * every, n) for i, n in enumerate(counts)]


def settle(new_per_hour: float, polls_count: int = 40) -> float:
    """The interval a feed that gets ``new_per_hour`` entries settles on, polled by next_poll's policy."""
    state = FeedState(name=FEED.name, url=FEED.url)
    now = 1_000_000.0
    carry = 0.0
    for _ in range(polls_count):
        interval = state.interval or SCHEDULE.interval
        now += interval
        carry += new_per_hour * interval / 3600
        new, carry = int(carry), carry - int(carry)
        next_poll(SCHEDULE, FEED, state, now, new_entries=new)
    assert state.interval is not None
    return state.interval


def test_busy_feed_is_polled_often_and_quiet_feed_rarely() -> None:
    """Sixty new entries an hour settles at the minimum; one a day settles at the maximum."""
    assert settle(60) == MIN
    assert settle(1 / 24) == MAX


def test_interval_follows_the_rate_of_new_entries() -> None:
    """Four new entries an hour settle near one poll per new entry (15 minutes), never outside bounds."""
    interval = settle(4)
    assert 600 <= interval <= 1800
    assert settle(2) > interval > settle(8)


def test_quiet_feed_grows_gradually() -> None:
    """Polls that find nothing at most double the interval each time."""
    history = polls(900, [30, 0])
    assert adapt_interval(history, 900, MIN, MAX) == 900 * GROWTH
    history = polls(900, [30, 0, 0, 0])
    assert adapt_interval(history, 1800, MIN, MAX) == 1800 * GROWTH


def test_feed_that_wakes_up_is_polled_sooner_at_once() -> None:
    """After a quiet spell, a burst of new entries brings the interval down in one poll."""
    history = polls(7200, [0, 0, 0, 40])
    assert adapt_interval(history, 14400, MIN, MAX) == pytest.approx(3 * 7200 / 40)


def test_first_poll_backlog_is_not_a_rate() -> None:
    """The first poll's entries (the feed's whole backlog) do not shrink the interval."""
    assert adapt_interval(polls(900, [50]), 900, MIN, MAX) == 900
    assert adapt_interval(polls(900, [50, 0]), 900, MIN, MAX) == 900 * GROWTH


@pytest.mark.parametrize("counts", [[0, 500, 500], [0, 0, 0, 0, 0, 0, 0]])
def test_adapted_interval_stays_within_bounds(counts: list[int]) -> None:
    """However busy or quiet, the interval stays within min_interval and max_interval."""
    assert MIN <= adapt_interval(polls(900, counts), MAX, MIN, MAX) <= MAX
    assert MIN <= adapt_interval(polls(900, counts), MIN, MIN, MAX) <= MAX


def test_feed_with_its_own_interval_keeps_it() -> None:
    """A feed's configured interval is not adapted."""
    feed = FeedConfig(name="Pinned", url=FEED.url, interval=600)
    state = FeedState(name=feed.name, url=feed.url)
    for step in range(1, 6):
        due = next_poll(SCHEDULE, feed, state, step * 600.0, new_entries=0)
        assert due == step * 600.0 + 600
    assert state.interval == 600


def test_errors_back_off_exponentially_up_to_the_cap() -> None:
    """Each consecutive error doubles the interval, capped at max_backoff; history is not touched."""
    state = FeedState(name=FEED.name, url=FEED.url, poll_history="100:3 1000:1")
    waits = []
    for errors in (1, 2, 3, 10):
        state.consecutive_errors = errors
        waits.append(next_poll(SCHEDULE, FEED, state, 0.0, new_entries=0))
    assert waits == [1800, 3600, 7200, 86400]
    assert state.poll_history == "100:3 1000:1"


def test_jitter_spreads_due_times_within_its_fraction() -> None:
    """Jitter moves each due time by at most its fraction of the interval, and not all the same way."""
    schedule = ScheduleConfig(interval=900, min_interval=900, max_interval=900, jitter=0.1)
    rng = random.Random(7)
    dues = [
        next_poll(schedule, FEED, FeedState(name="x", url="u"), 0.0, new_entries=0, rng=rng)
        for _ in range(50)
    ]
    assert all(810 <= due <= 990 for due in dues)
    assert max(dues) - min(dues) > 90


def test_history_round_trips_and_keeps_only_the_recent_polls() -> None:
    """The stored history keeps the last HISTORY polls and ignores unreadable parts."""
    history = polls(60, list(range(HISTORY + 3)))
    text = format_history(history)
    assert parse_history(text) == history[-HISTORY:]
    assert parse_history("12:3 junk 15:x 20:1") == [Poll(12, 3), Poll(20, 1)]
    assert parse_history(None) == []


# -- claims against a real state -------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "state.db") as opened:
        yield opened


FEEDS = tuple(FeedConfig(name=f"F{i}", url=f"http://example.org/{i}.xml") for i in range(5))


def test_a_claimed_feed_cannot_be_claimed_by_another_poller(store: Store) -> None:
    """Two pollers asking at once share the due feeds out; neither gets one the other holds."""
    first = claim_due(FEEDS[:3], store, 100.0, owner="daemon:a:1", lease=60)
    second = claim_due(FEEDS, store, 100.0, owner="run:a:2", lease=60)
    forced = claim_due(FEEDS, store, 100.0, owner="run:a:3", lease=60, all_feeds=True)
    assert [f.name for f in first] == ["F0", "F1", "F2"]
    assert [f.name for f in second] == ["F3", "F4"]
    assert forced == []


def test_a_released_or_expired_lease_frees_the_feed(store: Store) -> None:
    """Release gives the feed back; a lease its poller never released expires."""
    claim_due(FEEDS[:2], store, 100.0, owner="run:a:1", lease=60)
    store.release_feeds(["F0"], "run:a:1")
    assert [f.name for f in claim_due(FEEDS[:2], store, 120.0, owner="run:a:2", lease=60)] == ["F0"]
    assert [f.name for f in claim_due(FEEDS[:2], store, 161.0, owner="run:a:2", lease=60)] == ["F1"]


def test_claims_take_the_most_overdue_feeds_first_up_to_the_limit(store: Store) -> None:
    """After a long sleep every feed is due; one tick takes only ``limit`` of them, oldest first."""
    for i, feed in enumerate(FEEDS):
        store.save_feed(FeedState(name=feed.name, url=feed.url, next_due=1000.0 - i))
    taken = claim_due(FEEDS, store, 5000.0, owner="daemon:a:1", lease=60, limit=2)
    assert [f.name for f in taken] == ["F4", "F3"]


def test_feeds_not_due_are_not_claimed(store: Store) -> None:
    """A feed whose next due time is in the future stays unclaimed unless forced."""
    store.save_feed(FeedState(name="F0", url=FEEDS[0].url, next_due=500.0))
    assert claim_due(FEEDS[:1], store, 100.0, owner="run:a:1", lease=60) == []
    assert claim_due(FEEDS[:1], store, 100.0, owner="run:a:1", lease=60, names=["F0"]) == [FEEDS[0]]


def test_a_new_daemon_drops_the_leases_of_an_earlier_daemon(store: Store) -> None:
    """Leases left by a crashed daemon are released at start; cron passes' leases are kept."""
    claim_due(FEEDS[:1], store, 100.0, owner="daemon:a:1", lease=3600)
    claim_due(FEEDS[1:2], store, 100.0, owner="run:a:2", lease=3600)
    assert store.release_stale_leases("daemon:", keep="daemon:a:9") == 1
    assert store.leases(100.0) == {"F1": "run:a:2"}


def test_a_feed_held_by_a_process_that_died_is_waiting_again(store: Store) -> None:
    """The daemon's tick sees through a lease whose holder on this host has ended; a live one blocks."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True
    )
    dead = f"run:{socket.gethostname()}:{ended.stdout.strip()}"
    claim_due(FEEDS[:1], store, 100.0, owner=dead, lease=3600)
    claim_due(FEEDS[1:2], store, 100.0, owner=poller_id("run"), lease=3600)
    assert [f.name for f in waiting_feeds(FEEDS[:2], store, 200.0)] == ["F0"]


def test_ticks_that_cannot_keep_up_are_named_with_the_setting_that_would() -> None:
    """1,000 feeds every 15 minutes fall due at 33.3 per 30 s tick: 10 a tick would poll them late."""
    schedule = ScheduleConfig(interval=900, tick=30, feeds_per_tick=10)
    feeds = [FeedConfig(name=f"f{n}", url=f"https://example.com/{n}.xml") for n in range(1000)]
    shortfall = tick_shortfall(schedule, feeds)
    assert shortfall == ("1000 feeds at their intervals fall due at 33.3 a tick, but schedule.feeds_per_tick "
                         "is 10: feeds will be polled late; set it to 42 or more")
    assert tick_shortfall(ScheduleConfig(interval=900, tick=30, feeds_per_tick=42), feeds) is None
    # a feed's own interval counts: 100 feeds polled every 30 s need 100 a tick
    fast = [FeedConfig(name=f"f{n}", url=f"https://example.com/{n}.xml", interval=30) for n in range(100)]
    assert tick_shortfall(ScheduleConfig(interval=900, tick=30, feeds_per_tick=10), fast) is not None
    assert tick_shortfall(ScheduleConfig(interval=900, tick=30, feeds_per_tick=10), feeds[:300]) is None
