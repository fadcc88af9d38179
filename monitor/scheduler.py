"""The daemon: APScheduler ticks that poll each feed when it is due, until SIGTERM or SIGINT.

Design: one short APScheduler interval job, the tick (``schedule.tick``, 30 s by default),
asks the state which feeds are due and starts a pass over them with ``pipeline.run_once``,
the same function ``monitor run`` calls; as in Miniflux's scheduler, the schedule lives in
the database, not in the scheduler. One APScheduler job per feed was rejected because the
schedule has to be shared and durable: cron passes poll feeds and move their next due times,
every poll adapts the feed's interval, a restart must resume where it stopped, and a reload
adds and removes feeds. Per-feed jobs would mirror all of that in memory and drift from the
state; with a tick the state's ``feeds.next_due`` is the only schedule (and the plan in
DESIGN.md for several daemons, claiming due rows with ``SKIP LOCKED``, is the same shape).

- No feed has two polls in flight: ``run_once`` claims each feed with a lease in the state
  (one atomic UPDATE) and releases it at the end; a cron pass skips feeds the daemon holds
  and the other way round. The daemon renews its leases every tick while a pass runs. Corpus
  writes are serialised by the corpus flock, so passes that overlap never share an index.
- Each tick starts at most ``schedule.feeds_per_tick`` feeds, most overdue first, and passes
  do not wait for each other: a slow feed never holds up the rest.
- Missed ticks (a laptop that slept) coalesce into one, and the per-tick limit spreads the
  backlog over the following ticks; jitter on every interval keeps feeds apart afterwards.
- Stop (SIGTERM, SIGINT): no new tick; passes in flight get ``schedule.stop_timeout`` to end,
  then are cancelled. A corpus write and its state record run without an ``await`` between
  them, so a cancellation never splits one; leases are released on the way out. (The corpus
  flock is likewise never held across an ``await``: passes sharing this event loop would
  otherwise block each other on it.)
- SIGHUP reloads the config: added feeds are polled from the next tick, removed ones are no
  longer claimed; an invalid config is logged and the running one kept. The state and corpus
  paths cannot change under a running daemon.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import os
import signal
import time
from collections.abc import Callable
from contextlib import AsyncExitStack

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from monitor.config import Config
from monitor.errors import ConfigError, MonitorError
from monitor.fetcher import Fetcher
from monitor.metrics import Health, Metrics, StatusServer
from monitor.models import PassReport
from monitor.pidlock import PidLock, pid_file_for
from monitor.pipeline import run_once
from monitor.schedule import poller_id, tick_shortfall, waiting_feeds
from monitor.store import Store
from monitor.workers import Workers

log = logging.getLogger(__name__)

TICK_JOB = "tick"
DAEMON_ROLE = "daemon"


@dataclasses.dataclass(frozen=True, slots=True)
class DaemonOptions:
    metrics_port: int | None = None  # None: no HTTP server; 0: any free port
    metrics_address: str = "127.0.0.1"


class Daemon:
    """Runs ticks until stopped; ``reload`` reads the config again (it raises ConfigError when invalid)."""

    def __init__(self, config: Config, reload: Callable[[], Config], options: DaemonOptions) -> None:
        self.config = config
        self._reload_config = reload
        self.options = options
        self.owner = poller_id(DAEMON_ROLE)
        self.metrics = Metrics()
        self.health = Health(tick=config.schedule.tick)
        self._passes: dict[asyncio.Task[None], Fetcher] = {}
        self._closers: set[asyncio.Task[None]] = set()
        self._stop = asyncio.Event()
        self._stopping = False
        self._fetcher: Fetcher | None = None
        self._workers: Workers | None = None
        self._store: Store | None = None
        self._scheduler: AsyncIOScheduler | None = None

    async def run(self) -> None:
        """Hold the daemon lock and tick until SIGTERM or SIGINT; return once stopped cleanly.

        Raises DaemonAlreadyRunning when another daemon holds this state.
        """
        config = self.config
        with PidLock(pid_file_for(config.state_path)), Store(config.state_path) as store:
            self._store = store
            stale = store.release_stale_leases(f"{DAEMON_ROLE}:", keep=self.owner)
            if stale:
                log.info("released %d lease(s) left by an earlier daemon", stale)
            async with AsyncExitStack() as stack:
                self._fetcher = Fetcher(config.http)
                stack.push_async_callback(self._close_fetcher)  # whichever is current by then
                self._workers = stack.enter_context(Workers(config.performance.workers))
                server = self._start_server()
                if server is not None:
                    stack.callback(server.close)
                self._install_signals()
                stack.callback(self._remove_signals)
                self._start_scheduler()
                log.info("daemon started (pid %d): %d feeds, tick %gs, state %s, corpus %s", os.getpid(),
                         len(config.feeds), config.schedule.tick, config.state_path, config.corpus_dir)
                _warn_if_ticks_fall_behind(config)
                await self._stop.wait()
                await self._shut_down()
        log.info("daemon stopped")

    # -- ticks ----------------------------------------------------------------------------

    def _start_scheduler(self) -> None:
        scheduler = AsyncIOScheduler(timezone=dt.UTC)
        scheduler.add_job(
            self._tick, self._trigger(), id=TICK_JOB, coalesce=True, max_instances=1,
            misfire_grace_time=None, next_run_time=dt.datetime.now(dt.UTC),
        )
        scheduler.start()
        self._scheduler = scheduler

    def _trigger(self) -> IntervalTrigger:
        return IntervalTrigger(seconds=self.config.schedule.tick, timezone=dt.UTC)

    async def _tick(self) -> None:
        if self._stopping or self._store is None or self._fetcher is None:
            return
        now = time.time()
        self.health.last_tick = now
        self.metrics.last_tick.set(now)
        config = self.config
        try:
            if self._passes:
                self._store.renew_leases(self.owner, now + config.schedule.lease)
            if self.options.metrics_port is not None:  # cron passes move feeds too: refresh from the state
                self.metrics.record_feeds(self._store.feeds(), (feed.name for feed in config.feeds))
            if not waiting_feeds(config.feeds, self._store, now):
                return
        except MonitorError as exc:  # e.g. the state stayed locked: the next tick tries again
            log.error("tick skipped: %s", exc)
            return
        task = asyncio.create_task(self._pass(config, self._fetcher))
        self._passes[task] = self._fetcher
        task.add_done_callback(self._pass_done)
        self._count_passes()

    async def _pass(self, config: Config, fetcher: Fetcher) -> None:
        try:
            report = await run_once(config, fetcher=fetcher, owner=self.owner,
                                    limit=config.schedule.feeds_per_tick, workers=self._workers)
        except MonitorError as exc:
            self.metrics.pass_failures.inc()
            log.error("pass failed: %s", exc)
            return
        except Exception:  # the daemon outlives a bug in one pass; the traceback goes to the log
            self.metrics.pass_failures.inc()
            log.exception("pass failed unexpectedly")
            return
        self._record(report)

    def _record(self, report: PassReport) -> None:
        self.metrics.record_pass(report)
        if not report.feeds:
            return
        summary = report.summary()
        if report.write_failed:
            log.error("%s; corpus write failed: %s", summary, report.write_error)
        else:
            log.info("%s", summary)

    def _pass_done(self, task: asyncio.Task[None]) -> None:
        self._passes.pop(task, None)
        self._count_passes()

    def _count_passes(self) -> None:
        self.health.in_flight = len(self._passes)
        self.metrics.in_flight.set(len(self._passes))

    # -- signals: stop and reload ---------------------------------------------------------

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(number, self._on_stop_signal, number)
        loop.add_signal_handler(signal.SIGHUP, self.reload)

    def _remove_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(number)

    def _on_stop_signal(self, number: int) -> None:
        name = signal.Signals(number).name
        if self._stopping:
            log.warning("%s again: cancelling the passes in flight now", name)
            for task in self._passes:
                task.cancel()
            return
        log.info("%s received: no new polls; waiting up to %gs for %d pass(es) in flight", name,
                 self.config.schedule.stop_timeout, len(self._passes))
        self.stop()

    def stop(self) -> None:
        self._stopping = True
        self.health.stopping = True
        self._stop.set()

    async def _shut_down(self) -> None:
        if self._scheduler is not None and self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        pending = set(self._passes)
        if pending:
            _, pending = await asyncio.wait(pending, timeout=self.config.schedule.stop_timeout)
        if pending:
            log.warning("cancelling %d pass(es) still running after %gs", len(pending),
                        self.config.schedule.stop_timeout)
            for task in pending:
                task.cancel()
            await asyncio.wait(pending)
        if self._closers:
            await asyncio.wait(self._closers)

    def reload(self) -> None:
        """Read the config again; keep the running one if the new one is invalid."""
        old = self.config
        try:
            new = self._reload_config()
        except ConfigError as exc:
            log.error("config reload failed, keeping the running config: %s", exc)
            return
        if (new.state_path, new.corpus_dir) != (old.state_path, old.corpus_dir):
            log.warning("state.path and corpus.dir cannot change while the daemon runs; "
                        "restart it to use the new ones")
            new = dataclasses.replace(new, state_path=old.state_path, corpus_dir=old.corpus_dir)
        self.config = new
        self.health.tick = new.schedule.tick
        if new.schedule.tick != old.schedule.tick and self._scheduler is not None:
            self._scheduler.reschedule_job(TICK_JOB, trigger=self._trigger())
        if new.http != old.http:
            self._replace_fetcher(new)
        names = [feed.name for feed in new.feeds]
        before = {feed.name for feed in old.feeds}
        added = [name for name in names if name not in before]
        removed = sorted(before - set(names))
        log.info("config reloaded: %d feeds (added: %s; removed: %s)", len(names),
                 ", ".join(added) or "none", ", ".join(removed) or "none")
        _warn_if_ticks_fall_behind(new)

    async def _close_fetcher(self) -> None:
        if self._fetcher is not None:
            await self._fetcher.__aexit__(None, None, None)

    def _replace_fetcher(self, config: Config) -> None:
        """New passes use a client with the new HTTP settings; the old one closes when its passes end."""
        old = self._fetcher
        self._fetcher = Fetcher(config.http)
        if old is None:
            return
        users = [task for task, fetcher in self._passes.items() if fetcher is old]
        closer = asyncio.create_task(_close_after(old, users))
        self._closers.add(closer)
        closer.add_done_callback(self._closers.discard)

    # -- metrics and health ---------------------------------------------------------------

    def _start_server(self) -> StatusServer | None:
        address, port = self.options.metrics_address, self.options.metrics_port
        if port is None:
            return None
        try:
            server = StatusServer(self.metrics, self.health, address, port)
        except OSError as exc:
            reason = exc.strerror or exc
            raise ConfigError(f"--metrics-port: cannot listen on {address}:{port}: {reason}") from None
        server.start()
        if self._store is not None:
            self.metrics.record_feeds(self._store.feeds(), (feed.name for feed in self.config.feeds))
        log.info("metrics on http://%s:%d/metrics, health on /healthz", address, server.port)
        return server


async def _close_after(fetcher: Fetcher, users: list[asyncio.Task[None]]) -> None:
    if users:
        await asyncio.wait(users)
    await fetcher.__aexit__(None, None, None)


def _warn_if_ticks_fall_behind(config: Config) -> None:
    if shortfall := tick_shortfall(config.schedule, config.feeds):
        log.warning("%s", shortfall)
