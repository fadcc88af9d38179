"""The process pool: jobs in worker processes give what they give in a thread, and one pool serves many passes."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time

from monitor.assess import Judging, assess, screen
from monitor.extract import extract_page
from monitor.models import Entry
from monitor.workers import WORKER_NICENESS, Workers
from tests.sitegen import article_page, rss2
from tests.stories import CRICKET, TRADE_TALKS

BASE = "http://news.example"
FETCHED = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC)
JUDGING = Judging(threshold=1.0, gate_threshold=None, terms=(), tracking_parameters=(), languages=("en",))


def entry_for(story_headline: str, link: str) -> Entry:
    return Entry(feed_name="news", link=link, title=story_headline)


async def assess_both(workers: Workers) -> list[object]:
    verdicts = []
    for story in (TRADE_TALKS, CRICKET):
        url = BASE + story.path
        body = article_page(story, BASE).encode("utf-8")
        verdicts.append(await workers.extract_and_assess(
            body, url, charset="utf-8", entry=entry_for(story.headline, url), fetched_at=FETCHED, judging=JUDGING,
        ))
    return verdicts


def test_assessment_in_a_process_equals_the_one_in_a_thread() -> None:
    """extract_and_assess gives the same verdicts in a worker process as in this process."""
    with Workers(1) as pool, Workers(0) as threads:
        in_process = asyncio.run(assess_both(pool))
        in_thread = asyncio.run(assess_both(threads))
    assert in_process == in_thread
    relevant, off_topic = in_process
    assert relevant.decision.relevant and relevant.fingerprint is not None and relevant.text_hash
    assert not off_topic.decision.relevant and off_topic.fingerprint is None


def test_assess_follows_the_stages_of_a_pass() -> None:
    """assess drafts from the page, keeps the canonical URL, and judges the text as the pass would."""
    url = BASE + TRADE_TALKS.path
    page = extract_page(article_page(TRADE_TALKS, BASE).encode("utf-8"), url + "?utm_source=feed", charset="utf-8")
    verdict = assess(entry_for(TRADE_TALKS.headline, url), page, url + "?utm_source=feed", FETCHED, JUDGING)
    assert verdict.canonical_url == url
    assert verdict.draft is not None and verdict.draft.article.headline == TRADE_TALKS.headline
    assert verdict.language_accepted and verdict.decision is not None and verdict.decision.relevant


def test_assess_drops_other_languages_before_scoring() -> None:
    """A page in a language the config does not accept is not scored."""
    url = BASE + TRADE_TALKS.path
    page = extract_page(article_page(TRADE_TALKS, BASE).encode("utf-8"), url, charset="utf-8")
    french_only = Judging(threshold=1.0, gate_threshold=None, terms=(), tracking_parameters=(), languages=("fr",))
    verdict = assess(entry_for(TRADE_TALKS.headline, url), page, url, FETCHED, french_only)
    assert not verdict.language_accepted and verdict.decision is None


def test_an_empty_language_list_keeps_every_language() -> None:
    """`relevance.languages = []` accepts an article whatever its language, and scores it."""
    url = BASE + TRADE_TALKS.path
    page = extract_page(article_page(TRADE_TALKS, BASE).encode("utf-8"), url, charset="utf-8")
    any_language = Judging(threshold=1.0, gate_threshold=None, terms=(), tracking_parameters=(), languages=())
    verdict = assess(entry_for(TRADE_TALKS.headline, url), page, url, FETCHED, any_language)
    assert verdict.language_accepted and verdict.decision is not None and verdict.decision.relevant


def test_assess_without_text_has_no_draft() -> None:
    """With no page and an entry without content, there is nothing to draft."""
    verdict = assess(Entry(feed_name="news", link=BASE + "/a", title="A headline"), None, BASE + "/a", FETCHED,
                     JUDGING)
    assert verdict.draft is None and verdict.decision is None


def test_one_pool_serves_several_passes() -> None:
    """The same pool runs jobs for one event loop after another, as the daemon's passes do."""
    feed = rss2("News", [(TRADE_TALKS.headline, BASE + TRADE_TALKS.path, TRADE_TALKS.summary,
                          TRADE_TALKS.published)]).encode("utf-8")

    async def parse(workers: Workers) -> int:
        parsed, screenings = await workers.parse_and_screen(
            feed, feed_name="news", url=BASE + "/feed.xml", content_type="", judging=JUDGING
        )
        assert [s.relevant for s in screenings] == [True]
        return len(parsed.entries)

    with Workers(1) as workers:
        first_pool = workers._pool
        assert asyncio.run(parse(workers)) == 1
        assert asyncio.run(parse(workers)) == 1
        assert workers._pool is first_pool


def test_screening_keys_each_entry_by_its_canonical_link_and_says_why_the_gate_dropped_it() -> None:
    judging = Judging(threshold=1.0, gate_threshold=1.0, terms=(), tracking_parameters=("utm_source",),
                      languages=("en",))
    entries = [
        Entry(feed_name="news", link=BASE + "/a?utm_source=rss&id=1", title="Modi visits Washington for trade talks"),
        Entry(feed_name="news", link=BASE + "/b", title="Trump speaks at a rally"),
        Entry(feed_name="news", link=BASE + "/c", title="Floods in Brazil leave thousands homeless"),
    ]
    talks, rally, floods = screen(entries, judging)
    assert (talks.key, talks.relevant) == (BASE + "/a?id=1", True)
    assert rally.relevant is False and rally.score is not None and 0 < rally.score < 1.0
    assert (floods.relevant, floods.score) == (False, None)  # no term that could reach the threshold


def test_workers_run_at_a_lower_priority_than_the_event_loop() -> None:
    """The loop that fetches and hands out jobs must never wait for a core behind its own workers."""
    ours = os.getpriority(os.PRIO_PROCESS, 0)

    async def worker_priority(workers: Workers) -> int:
        return await workers._run(os.getpriority, os.PRIO_PROCESS, 0)

    with Workers(1) as workers:
        assert asyncio.run(worker_priority(workers)) == min(19, ours + WORKER_NICENESS)


def test_workers_end_when_the_process_that_started_them_is_killed() -> None:
    """kill -9 of a pass leaves no worker behind, nor anything holding its stderr open."""
    script = (
        "import asyncio, os, sys\n"
        "from monitor.workers import Workers\n"
        "workers = Workers(2)\n"
        "async def pids():\n"
        "    return {await workers._run(os.getpid) for _ in range(8)}\n"
        "print(' '.join(map(str, asyncio.run(pids()))), flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, start_new_session=True) as parent:
        assert parent.stdout is not None and parent.stderr is not None
        pids = [int(pid) for pid in parent.stdout.readline().split()]
        assert pids and parent.pid not in pids
        parent.kill()
        parent.wait(timeout=10)
        reader = threading.Thread(target=parent.stderr.read, daemon=True)  # EOF once no process holds it
        reader.start()
        reader.join(timeout=10)
        held = reader.is_alive()
        if held:  # the pool's processes share the parent's session: end them, so the test fails, not hangs
            os.killpg(parent.pid, signal.SIGKILL)
            reader.join(timeout=10)
        assert not held, "a process of the pool still holds the killed parent's stderr"
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)

def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
