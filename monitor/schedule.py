"""When each feed is polled next, and which poller may poll it now.

Adaptive interval (pure): each successful poll appends (time, new entries) to the feed's
recent history; the feed's entry rate over that history sets its next interval so that a
poll expects about one new entry: a busy feed is polled more often, a quiet one less, always
within ``schedule.min_interval`` and ``schedule.max_interval``. A quiet feed's interval at
most doubles per poll, so one empty poll never sends it straight to the maximum; a feed that
wakes up is polled sooner at once. The first poll of a feed (its whole backlog) says nothing
about its rate and is not counted. A feed with its own ``interval`` in the config keeps it.
After errors, the interval backs off exponentially up to ``schedule.max_backoff``.

Claims: before polling, a poller (the daemon or a ``monitor run`` pass) takes each due feed's
lease in the state; a feed whose lease someone else holds is skipped, so no feed ever has two
polls in flight, whichever processes run.
"""

from __future__ import annotations

import logging
import math
import os
import random
import socket
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.config import FeedConfig, ScheduleConfig
from monitor.store import FeedState, Store

log = logging.getLogger(__name__)

HISTORY = 8
"""Successful polls remembered per feed to estimate its rate of new entries."""

GROWTH = 2.0
"""A quiet feed's interval grows at most by this factor per poll."""

_JITTER = random.Random()  # one generator: seeding one per feed and poll read the OS entropy pool each time


@dataclass(frozen=True, slots=True)
class Poll:
    at: float  # when the poll happened (epoch seconds)
    new_entries: int


def parse_history(text: str | None) -> list[Poll]:
    """The polls of ``FeedState.poll_history`` ("time:new time:new ..."); unreadable parts are ignored."""
    polls = []
    for part in (text or "").split():
        at, _, count = part.partition(":")
        try:
            polls.append(Poll(float(at), int(count)))
        except ValueError:
            continue
    return polls


def format_history(polls: Sequence[Poll]) -> str:
    return " ".join(f"{poll.at:.0f}:{poll.new_entries}" for poll in polls[-HISTORY:])


def adapt_interval(history: Sequence[Poll], previous: float, low: float, high: float) -> float:
    """The interval at which a poll expects one new entry, from the rate over ``history``.

    ``previous`` is the interval in use; the result never exceeds ``previous * GROWTH`` and
    always lies within [low, high].
    """
    span = history[-1].at - history[0].at if len(history) >= 2 else 0.0
    if span <= 0:
        return min(max(previous, low), high)
    new = sum(poll.new_entries for poll in history[1:])
    wanted = span / new if new else previous * GROWTH
    return min(max(min(wanted, previous * GROWTH), low), high)


def base_interval(schedule: ScheduleConfig, feed: FeedConfig) -> float:
    return feed.interval or schedule.interval


def tick_shortfall(schedule: ScheduleConfig, feeds: Sequence[FeedConfig]) -> str | None:
    """Why the daemon's ticks cannot keep ``feeds`` on their intervals, or None when they can.

    At their base intervals the feeds fall due at a steady rate; a tick starts at most
    ``feeds_per_tick`` of them, so below that rate the backlog grows and every feed is polled late.
    """
    due_per_tick = sum(schedule.tick / base_interval(schedule, feed) for feed in feeds)
    if due_per_tick <= schedule.feeds_per_tick:
        return None
    return (f"{len(feeds)} feeds at their intervals fall due at {due_per_tick:.1f} a tick, but "
            f"schedule.feeds_per_tick is {schedule.feeds_per_tick}: feeds will be polled late; "
            f"set it to {math.ceil(due_per_tick * 1.25)} or more")


def next_poll(
    schedule: ScheduleConfig, feed: FeedConfig, state: FeedState, now: float, *, new_entries: int,
    rng: random.Random | None = None,
) -> float:
    """The next due time: the feed's adapted interval with jitter, or a growing backoff after errors.

    Updates ``state.interval`` and, after a successful poll, ``state.poll_history``.
    """
    rng = rng or _JITTER
    if state.consecutive_errors:
        backoff = base_interval(schedule, feed) * 2.0 ** min(state.consecutive_errors, 20)
        interval = min(backoff, schedule.max_backoff)
    else:
        history = [*parse_history(state.poll_history), Poll(now, new_entries)][-HISTORY:]
        state.poll_history = format_history(history)
        previous = state.interval or schedule.interval
        adapted = adapt_interval(history, previous, schedule.min_interval, schedule.max_interval)
        interval = feed.interval or adapted
    state.interval = interval
    spread = interval * schedule.jitter
    return now + interval + rng.uniform(-spread, spread)


def due_feeds(
    feeds: Sequence[FeedConfig], store: Store, now: float, *, all_feeds: bool = False,
    names: Sequence[str] = (),
) -> list[FeedConfig]:
    """The configured feeds to poll now, most overdue first: never polled, or past their next due
    time, and not disabled; every feed with ``all_feeds``, the named ones with ``names``."""
    states = {state.name: state for state in store.feeds()}
    chosen = []
    for feed in feeds:
        if names and feed.name not in names:
            continue
        state = states.get(feed.name)
        if state is not None and state.disabled_reason and not names:
            continue
        if all_feeds or names or state is None or state.next_due is None or state.next_due <= now:
            chosen.append(feed)

    def overdue(feed: FeedConfig) -> float:
        state = states.get(feed.name)
        return float("-inf") if state is None or state.next_due is None else state.next_due

    return sorted(chosen, key=overdue)


def waiting_feeds(feeds: Sequence[FeedConfig], store: Store, now: float) -> list[FeedConfig]:
    """The due feeds that no live poller holds: what a claim would take now."""
    leased = {name for name, holder in store.leases(now).items() if not _gone(holder)}
    return [feed for feed in due_feeds(feeds, store, now) if feed.name not in leased]


def poller_id(role: str) -> str:
    """Who holds a lease: ``role:host:pid``, e.g. ``daemon:box:4242`` or ``run:box:4301``."""
    return f"{role}:{socket.gethostname()}:{os.getpid()}"


def _gone(owner: str) -> bool:
    """True when ``owner`` (see ``poller_id``) is a process of this host that has ended (killed, crashed)."""
    _, host, pid = owner.rsplit(":", 2) if owner.count(":") >= 2 else ("", "", "")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def claim_due(
    feeds: Sequence[FeedConfig], store: Store, now: float, *, owner: str, lease: float,
    all_feeds: bool = False, names: Sequence[str] = (), limit: int | None = None,
) -> list[FeedConfig]:
    """The due feeds (see ``due_feeds``) whose lease ``owner`` now holds, at most ``limit`` of them.

    A feed another poller holds is skipped and logged; forced polls (``all_feeds``, ``names``)
    skip the due check but still respect leases.
    """
    wanted = due_feeds(feeds, store, now, all_feeds=all_feeds, names=names)
    if not wanted:
        return []
    for name, holder in store.leases(now).items():
        if _gone(holder):
            log.info("feed %s: released the lease of %s, which no longer runs", name, holder)
            store.release_feeds([name], holder)
    forced = all_feeds or bool(names)
    taken = set(
        store.claim_feeds([(feed.name, feed.url) for feed in wanted], owner, now, now + lease,
                          due_only=not forced, limit=limit)
    )
    skipped = [feed for feed in wanted if feed.name not in taken]
    if skipped:
        holders = store.leases(now)
        for feed in skipped:
            if feed.name in holders:
                log.log(logging.INFO if forced else logging.DEBUG, "feed %s: skipped, %s is polling it",
                        feed.name, holders[feed.name])
    return [feed for feed in wanted if feed.name in taken]
