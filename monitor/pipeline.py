"""One pass over the due feeds, stage by stage: the function behind `monitor run` and the daemon.

fetch feed → parse → seen? → relevance gate → fetch page → extract → relevance decision
→ duplicate check → corpus write → record. Each stage that drops an entry logs why, with
the URL, and counts it in the feed's result; one feed's failure never stops the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from monitor import feed_policy, index
from monitor.article import Draft
from monitor.assess import Assessment, Judging, Screening, assess
from monitor.config import Config, FeedConfig
from monitor.corpus import Corpus, article_id
from monitor.dedupe import Fingerprint, best_match
from monitor.errors import CorpusWriteError, FetchError, FetchErrorKind
from monitor.feeds import looks_like_feed
from monitor.fetcher import Fetcher, Response
from monitor.gnews import GoogleNewsResolver, LinkResolver
from monitor.identity import UrlCanonicaliser
from monitor.models import Entry, FeedResult, PassReport
from monitor.relevance import effective_gate_threshold
from monitor.schedule import claim_due, next_poll, poller_id
from monitor.store import ArticleRow, FeedState, Store
from monitor.workers import Workers

log = logging.getLogger(__name__)

MAX_ENTRY_ATTEMPTS = 5
"""An entry whose page keeps failing is given up after this many passes (outcome ``abandoned``)."""
FEEDS_IN_FLIGHT_PER_REQUEST = 2
"""Feeds handled at once, per request allowed at once (``http.concurrency``): enough to keep every
request slot busy, few enough that the bodies and entries of all feeds are never in memory together.
At 1,000 feeds and 64 requests at once, 4 a request held 60 MB more of feeds waiting on the workers
and was no faster."""


@dataclass(frozen=True, slots=True)
class PassOptions:
    all_feeds: bool = False
    feed_names: tuple[str, ...] = ()


class Pass:
    """The shared parts of one pass; ``run_feed`` handles one feed end to end."""

    def __init__(self, config: Config, store: Store, corpus: Corpus, fetcher: Fetcher, report: PassReport,
                 workers: Workers | None = None) -> None:
        self.config = config
        self.workers = workers or Workers(0)
        self.store = store
        self.corpus = corpus
        self.fetcher = fetcher
        self.report = report
        self.gate_threshold = effective_gate_threshold(config.relevance.threshold, config.relevance.gate_threshold)
        self.canonical = UrlCanonicaliser(config.urls.tracking_parameters)
        self.judging = Judging.from_config(config)
        self.links: LinkResolver = GoogleNewsResolver(fetcher, config.urls.google_news_url)
        self._write_lock = asyncio.Lock()
        self._feeds_in_flight = asyncio.Semaphore(FEEDS_IN_FLIGHT_PER_REQUEST * config.http.concurrency)
        self._claimed: set[str] = set()
        self._own_stamp: int | None = None  # the corpus folder's mtime right after our last write

    # -- feeds ----------------------------------------------------------------------------

    async def run_feed(self, feed: FeedConfig) -> FeedResult:
        async with self._feeds_in_flight:
            return await self._run_feed(feed)

    async def _run_feed(self, feed: FeedConfig) -> FeedResult:
        state = self.store.feed(feed.name) or FeedState(name=feed.name, url=feed.url)
        if feed.url not in (state.url, state.origin_url):
            state = FeedState(name=feed.name, url=feed.url)  # the user changed the URL: start afresh
        result = FeedResult(name=feed.name, url=state.url)
        now = time.time()
        state.last_fetch = now
        retry_after = None
        try:
            response = await self.fetcher.fetch_feed(state.url, etag=state.etag,
                                                     last_modified=state.last_modified)
            before = state.url
            if move := feed_policy.follow_move(state, response.redirects):
                level = logging.WARNING if state.url != before else logging.INFO
                log.log(level, "feed %s: %s", feed.name, move)
            await self._handle_feed_response(feed, state, response, result)
        except FetchError as exc:
            self._feed_failed(state, result, exc.kind, exc.reason, exc.status)
            retry_after = exc.retry_after
            if exc.status == 410:
                feed_policy.mark_gone(state)
                log.warning("feed %s disabled: %s; 'monitor feeds enable %s' polls it again",
                            feed.name, state.disabled_reason, feed.name)
        if result.ok and state.disabled_reason:
            log.warning("feed %s answers again; enabled", feed.name)
            state.disabled_reason = None
        state.next_due = next_poll(self.config.schedule, feed, state, now, new_entries=result.new_entries)
        state.next_due = feed_policy.respect_retry_after(state.next_due, now, retry_after)
        self.store.save_feed(state)
        return result

    async def _handle_feed_response(
        self, feed: FeedConfig, state: FeedState, response: Response, result: FeedResult
    ) -> None:
        result.status = state.last_status = response.status
        if response.not_modified:
            log.debug("feed %s: not modified", feed.name)
            self._feed_ok(state, result, not_modified=True)
            return
        body_hash = hashlib.sha256(response.body).hexdigest()
        validators = (response.headers.get("etag"), response.headers.get("last-modified"))
        if body_hash == state.body_hash:
            log.debug("feed %s: body unchanged, not parsed", feed.name)
            state.etag, state.last_modified = validators
            self._feed_ok(state, result, unchanged=True)
            return
        content_type = feed_policy.feed_content_type(response.body, response.headers.get("content-type", ""))
        try:
            parsed, screenings = await self.workers.parse_and_screen(
                response.body, feed_name=feed.name, url=response.url, content_type=content_type,
                judging=self.judging,
            )
        except (ValueError, OverflowError, LookupError, RecursionError) as exc:
            # feedparser itself fails on some hostile documents (a character reference past U+10FFFF)
            reason = f"not a feed (the parser failed: {type(exc).__name__}: {exc})"
            self._feed_failed(state, result, FetchErrorKind.NOT_A_FEED, reason, response.status)
            return
        # feedparser reads an HTML page as a malformed feed without entries: say what it is instead
        reason = None if parsed.entries else feed_policy.not_a_feed_reason(response.body, response.url)
        if reason or not looks_like_feed(parsed):
            reason = reason or parsed.problem
            self._feed_failed(state, result, FetchErrorKind.NOT_A_FEED, reason, response.status)
            return
        if parsed.problem:
            log.warning("feed %s (%s): %s; %d entries read", feed.name, state.url, parsed.problem,
                        len(parsed.entries))
        result.entries = len(parsed.entries)
        complete = await self._process_entries(parsed.entries, screenings, result)
        if complete:
            # Only a fully handled body may be skipped next time; otherwise the next pass re-reads it.
            state.etag, state.last_modified = validators
            state.body_hash = body_hash
        self._feed_ok(state, result)

    def _feed_ok(self, state: FeedState, result: FeedResult, *, not_modified: bool = False,
                 unchanged: bool = False) -> None:
        result.ok = True
        result.not_modified = not_modified
        result.unchanged = unchanged
        state.last_success = state.last_fetch
        state.consecutive_errors = 0
        state.last_error = state.error_kind = None
        state.entries = result.entries or state.entries
        state.articles_written += result.written
        state.duplicates += result.duplicates

    def _feed_failed(self, state: FeedState, result: FeedResult, kind: str, reason: str, status: int | None) -> None:
        result.ok = False
        result.status = status
        result.error = f"{kind}: {reason}" if not reason.startswith(str(kind)) else reason
        state.last_status = status
        state.consecutive_errors += 1
        state.last_error = reason
        state.error_kind = str(kind)
        log.warning("feed %s (%s) failed: %s", state.name, state.url, reason)

    # -- entries --------------------------------------------------------------------------

    async def _process_entries(self, entries: Sequence[Entry], screenings: Sequence[Screening],
                               result: FeedResult) -> bool:
        """Handle the new entries of one feed. False when some entry must be looked at again."""
        keyed: dict[str, tuple[Entry, Screening]] = {}
        for entry, screening in zip(entries, screenings, strict=True):
            keyed.setdefault(self._entry_key(entry, screening.key), (entry, screening))
        done = self.store.seen_final(keyed)
        fresh = {key: screened for key, screened in keyed.items() if key not in done}
        result.new_entries = len(fresh)
        candidates, dropped = [], []
        for key, (entry, screening) in fresh.items():
            if screening.relevant:
                candidates.append((key, entry))
                continue
            if screening.score is None:
                log.debug("drop gate %s: no term that can reach the gate threshold", entry.link)
            else:
                log.debug("drop gate %s: score %.2f < %.2f", entry.link, screening.score, self.gate_threshold)
            dropped.append((key, entry.feed_name))
        result.irrelevant += len(dropped)
        if dropped:
            with self.store.transaction():
                self.store.mark_seen_many(dropped, "irrelevant")
        result.candidates = len(candidates)
        outcomes = await asyncio.gather(*(self._process_entry(key, entry, result) for key, entry in candidates))
        return all(outcomes)

    async def _process_entry(self, key: str, entry: Entry, result: FeedResult) -> bool:
        """One candidate entry, from page fetch to corpus write. False when it must be retried."""
        if key in self._claimed:
            log.info("drop duplicate %s: another feed of this pass carries the same link", entry.link)
            result.duplicates += 1
            return True
        self._claimed.add(key)
        target = entry.link
        if self.links.handles(entry.link):
            try:
                target = await self._resolve_link(entry.link)
            except FetchError as exc:
                result.errors += 1
                return self._retry_later(key, entry, result, f"link not resolved: {exc.reason}")
            key = self.canonical(target)
            if key in self._claimed or self.store.seen_final([key]):
                return True
            self._claimed.add(key)
        known = self.store.article_by_url(key)
        if known is not None:
            return self._drop_duplicate(key, entry, result, known, "same URL")
        verdict, fetched_at = await self._fetch_and_assess(entry, target, result)
        canonical, draft = verdict.canonical_url, verdict.draft
        if draft is None:
            return self._retry_later(key, entry, result, "no headline or text on the page or in the feed")
        if draft.article.date_source == "fetch-time":
            log.info("date of %s: neither page nor feed gives one, using the fetch date", canonical)
        if not verdict.language_accepted:
            accepted = ",".join(self.config.relevance.languages)
            log.info("drop language %s: %s is not among %s", canonical, verdict.language, accepted)
            result.irrelevant += 1
            self.store.mark_seen(key, entry.feed_name, "language")
            return True
        decision = verdict.decision
        assert decision is not None
        if not decision.relevant:
            log.info("drop relevance %s: score %.2f < %.2f", canonical, decision.score, decision.threshold)
            result.irrelevant += 1
            self.store.mark_seen(key, entry.feed_name, "irrelevant")
            return True
        assert verdict.text_hash is not None and verdict.fingerprint is not None
        return await self._write(key, entry, draft, decision.score, fetched_at, result,
                                 (verdict.text_hash, verdict.fingerprint, verdict.bands))

    def _entry_key(self, entry: Entry, canonical_link: str) -> str:
        """The seen key: the canonical link, or the article URL an aggregator's link was resolved to."""
        resolved = self.store.resolved_link(entry.link) if self.links.handles(entry.link) else None
        return self.canonical(resolved) if resolved else canonical_link

    async def _resolve_link(self, link: str) -> str:
        """The article URL behind an aggregator's link, kept in the state once found."""
        resolved = self.store.resolved_link(link)
        if resolved is None:
            resolved = await self.links.resolve(link)
            self.store.save_resolved_link(link, resolved)
        return resolved

    async def _fetch_and_assess(self, entry: Entry, target: str,
                                result: FeedResult) -> tuple[Assessment, dt.datetime]:
        """Fetch the page at ``target`` and judge it in a worker; when the fetch fails, judge the feed's text."""
        try:
            response = await self.fetcher.fetch_page(target)
        except FetchError as exc:
            log.warning("page %s: %s", target, exc.reason)
            result.errors += 1
            fetched_at = dt.datetime.now(dt.UTC)
            return assess(entry, None, target, fetched_at, self.judging), fetched_at
        fetched_at = dt.datetime.now(dt.UTC)
        verdict = await self.workers.extract_and_assess(
            response.body, response.url, charset=response.charset, entry=entry, fetched_at=fetched_at,
            judging=self.judging,
        )
        return verdict, fetched_at

    def _drop_duplicate(self, key: str, entry: Entry, result: FeedResult, existing: str, why: str) -> bool:
        log.info("drop duplicate %s: %s as article %s", entry.link, why, existing)
        result.duplicates += 1
        self.store.mark_seen(key, entry.feed_name, "duplicate", existing)
        self.store.add_article_url(key, existing)
        return True

    def _drop_copy(self, key: str, entry: Entry, result: FeedResult, url: str, existing: str,
                   why: str) -> bool:
        """A copy of a corpus article found by its text: kept as one more source of that article."""
        self.store.add_article_source(existing, url, entry.feed_name, time.time())
        if url != key:
            self.store.add_article_url(url, existing)
        return self._drop_duplicate(key, entry, result, existing, why)

    def _retry_later(self, key: str, entry: Entry, result: FeedResult, why: str) -> bool:
        attempts = self.store.attempts(key) + 1
        outcome = "abandoned" if attempts >= MAX_ENTRY_ATTEMPTS else "failed"
        log.warning("entry %s: %s (attempt %d, %s)", entry.link, why, attempts, outcome)
        self.store.mark_seen(key, entry.feed_name, outcome)
        return outcome == "abandoned"

    async def _write(
        self, key: str, entry: Entry, draft: Draft, score: float, fetched_at: dt.datetime, result: FeedResult,
        prints: tuple[str, Fingerprint, Sequence[int]],
    ) -> bool:
        article = draft.article
        identifier = article_id(article.url)
        body_hash, body_print, bands = prints
        async with self._write_lock:
            if self.report.write_failed:
                return False
            try:
                with self.corpus.lock():
                    index.sync(self.store, self.corpus, current_at=self._own_stamp)
                    existing = self.store.article_by_url(article.url) or (
                        identifier if self.store.has_article(identifier) else None
                    )
                    if existing is not None:
                        return self._drop_duplicate(key, entry, result, existing, "same canonical URL")
                    existing = self.store.article_by_text_hash(body_hash)
                    if existing is not None:
                        return self._drop_copy(key, entry, result, article.url, existing, "identical text")
                    match = best_match(body_print, self.store.fingerprint_candidates(bands))
                    if match is not None:
                        found = match.similarity
                        why = (f"near-duplicate text (containment {found.containment:.2f}, "
                               f"jaccard {found.jaccard:.2f})")
                        return self._drop_copy(key, entry, result, article.url, match.article_id, why)
                    # in a thread: the two fsyncs would stall every fetch of the pass
                    written = await asyncio.to_thread(self.corpus.write, article, self.store.max_index() + 1)
                    with self.store.transaction():
                        self.store.add_article(
                            ArticleRow(
                                id=written.article_id, idx=written.index, file_name=written.name, url=article.url,
                                headline=article.headline, published=article.published.isoformat(),
                                feed_name=entry.feed_name, source_url=entry.link,
                                fetched_at=fetched_at.timestamp(), score=score, text_hash=body_hash,
                            )
                        )
                        self.store.add_fingerprint(written.article_id, body_print, bands)
                        if key != article.url:
                            self.store.add_article_url(key, written.article_id)
                        self.store.mark_seen(key, entry.feed_name, "written", written.article_id)
                        self._own_stamp = index.record_stamp(self.store, self.corpus)
            except CorpusWriteError as exc:
                log.error("corpus write failed for %s: %s; no more writes this pass", article.url, exc)
                self.report.write_failed = True
                self.report.write_error = str(exc)
                result.errors += 1
                return False
        log.info("wrote %s: %s (%s)", written.name, article.headline, article.url)
        result.written += 1
        return True


async def run_once(
    config: Config, options: PassOptions | None = None, *, now: float | None = None,
    fetcher: Fetcher | None = None, owner: str | None = None, limit: int | None = None,
    workers: Workers | None = None,
) -> PassReport:
    """One pass over the feeds that are due (all of them with ``all_feeds``) and that no other
    poller is polling: each is claimed in the state for the pass and released at its end.

    The daemon passes its long-lived ``fetcher`` and ``workers``, its lease ``owner`` and a ``limit``
    on feeds; both are left open.
    """
    options = options or PassOptions()
    started = time.monotonic()
    report = PassReport()
    corpus = Corpus(config.corpus_dir)
    owner = owner or poller_id("run")
    with Store(config.state_path) as store:
        with corpus.lock():
            for name in index.remove_stale_temporaries(store, corpus):
                log.warning("removed stale temporary file %s", name)
            index.sync(store, corpus)
        feeds = claim_due(config.feeds, store, now if now is not None else time.time(), owner=owner,
                          lease=config.schedule.lease, all_feeds=options.all_feeds, names=options.feed_names,
                          limit=limit)
        try:
            shared = contextlib.nullcontext(fetcher) if fetcher is not None else None
            pool = contextlib.nullcontext(workers) if workers is not None else None
            async with shared or Fetcher(config.http) as client, pool or Workers(_processes(config, feeds)) as jobs:
                work = Pass(config, store, corpus, client, report, jobs)
                report.feeds = list(await asyncio.gather(*(work.run_feed(feed) for feed in feeds)))
        finally:
            store.release_feeds([feed.name for feed in feeds], owner)
    report.seconds = time.monotonic() - started
    return report


SMALL_PASS_FEEDS = 8
"""A pass over fewer feeds parses and extracts in a thread: it would end before a pool had started."""


def _processes(config: Config, feeds: Sequence[FeedConfig]) -> int:
    return config.performance.workers if len(feeds) >= SMALL_PASS_FEEDS else 0
