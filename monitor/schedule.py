"""When each feed is polled next: due feeds, intervals, error backoff (pure but for the store read)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from monitor.config import FeedConfig, ScheduleConfig
from monitor.store import FeedState, Store


def due_feeds(
    feeds: Sequence[FeedConfig], store: Store, now: float, *, all_feeds: bool = False, names: Sequence[str] = ()
) -> list[FeedConfig]:
    """The configured feeds to poll now: never polled, or past their next due time, and not disabled."""
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
    return chosen


def base_interval(schedule: ScheduleConfig, feed: FeedConfig) -> float:
    return feed.interval or schedule.interval


def next_poll(
    schedule: ScheduleConfig, feed: FeedConfig, state: FeedState, now: float, *, new_articles: int,
    rng: random.Random | None = None,
) -> float:
    """The next due time: the feed's interval with jitter, or a growing backoff after errors."""
    rng = rng or random.Random()
    interval = base_interval(schedule, feed)
    if state.consecutive_errors:
        interval = min(interval * 2 ** min(state.consecutive_errors, 20), schedule.max_backoff)
    state.interval = interval
    spread = interval * schedule.jitter
    return now + interval + rng.uniform(-spread, spread)
