"""Hostile feeds and pages from a generator: nothing crashes, and whatever is written passes the checker.

The stages are driven directly (parse_feed → extract_page → draft_article → Corpus.write) for
speed; two end-to-end examples send the worst of it through a local server and `monitor run`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.article import draft_article
from monitor.check import check, file_problems
from monitor.corpus import Corpus
from monitor.errors import FormatError
from monitor.extract import extract_page
from monitor.feeds import parse_feed
from monitor.store import Store
from tests.conftest import Site, run_monitor, write_config

BASE = "http://127.0.0.1:8000"

# Text with the characters that break layouts: controls, separators, BOMs, markup and entities.
PIECES = [
    "\x00",
    "\x07",
    "\x1b",
    "\r",
    "\n",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\u200b",
    "\x85",
    "<",
    ">",
    "&",
    "&amp;",
    "&#0;",
    "&#x1F;",
    "&bogus;",
    "]]>",
    "<![CDATA[",
    "<p>",
    "</p>",
    "<script>",
    "\t",
    "  ",
    " India and the United States ",
    " Modi ",
    " Washington ",
]
NASTY = st.lists(st.one_of(st.characters(codec="utf-8"), st.sampled_from(PIECES)), max_size=40).map("".join)
DATES = st.sampled_from(
    [
        "2026-11-19T21:40:00-05:00",
        "Wed, 19 Nov 2026 21:40:00 GMT",
        "2026-13-45",
        "yesterday",
        "",
        "0000-00-00T00:00:00Z",
        "9999-12-31T23:59:59+14:00",
        "2026-02-30",
    ]
)


@st.composite
def mutated(draw: st.DrawFn, document: str) -> bytes:
    """The document, encoded in a drawn way, then truncated, spliced with junk bytes, or left alone."""
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "utf-8-sig"]))
    data = document.encode(encoding, errors="replace")
    for _ in range(draw(st.integers(0, 3))):
        cut = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["truncate", "junk", "duplicate", "keep"]))
        if action == "truncate":
            data = data[:cut]
        elif action == "junk":
            data = data[:cut] + draw(st.binary(max_size=20)) + data[cut:]
        elif action == "duplicate":
            data = data[:cut] + data[cut // 2 :]
    return data


@st.composite
def feeds(draw: st.DrawFn) -> tuple[bytes, str]:
    """A drawn RSS 2.0, Atom or JSON Feed document with hostile items, then mutated; and a content type."""
    kind = draw(st.sampled_from(["rss", "atom", "json"]))
    items = draw(st.lists(st.tuples(NASTY, NASTY, DATES, st.integers(0, 5)), min_size=1, max_size=3))
    if kind == "json":
        document = json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "F",
                "items": [
                    {"id": str(n), "url": f"{BASE}/a/{n}", "title": t, "content_html": s, "date_published": d}
                    for t, s, d, n in items
                ],
            }
        )
        content_type = "application/feed+json"
    elif kind == "atom":
        body = "".join(
            f'<entry><title>{t}</title><link href="{BASE}/a/{n}"/><id>{n}</id>'
            f"<published>{d}</published><summary>{s}</summary></entry>"
            for t, s, d, n in items
        )
        document = (
            f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">{body}</feed>'
        )
        content_type = "application/atom+xml"
    else:
        body = "".join(
            f"<item><title>{t}</title><link>{BASE}/a/{n}</link><description>{s}</description>"
            f"<pubDate>{d}</pubDate></item>"
            for t, s, d, n in items
        )
        document = f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{body}</channel></rss>'
        types = ["application/rss+xml", "text/html", "", "text/xml; charset=latin-1"]
        content_type = draw(st.sampled_from(types))
    return draw(mutated(document)), content_type


@st.composite
def pages(draw: st.DrawFn) -> bytes:
    """A drawn article page: hostile headline, date, JSON-LD and paragraphs, maybe escaped, then mutated."""
    headline, escape = draw(NASTY), draw(st.booleans())
    paragraphs = draw(st.lists(NASTY, max_size=6))
    text = (lambda s: html.escape(s)) if escape else (lambda s: s)
    ld = draw(
        st.sampled_from(
            [
                json.dumps({"@type": "NewsArticle", "headline": headline, "datePublished": draw(DATES)}),
                '{"@type": "NewsArticle", "headline": ',
                "[]",
                "null",
                json.dumps({"@graph": [{"headline": [1, 2]}]}),
            ]
        )
    )
    language, canonical = draw(st.sampled_from(["en", "hi", "", "zz-ZZ"])), draw(st.integers(0, 3))
    document = (
        f'<html lang="{language}"><head><meta charset="utf-8">'
        f'<title>{text(headline)}</title><link rel="canonical" href="{BASE}/c/{canonical}">'
        f'<meta property="article:published_time" content="{draw(DATES)}">'
        f'<script type="application/ld+json">{ld}</script></head><body><article>'
        f"<h1>{text(headline)}</h1>"
        + "".join(f"<p>{text(p)}</p>" for p in paragraphs)
        + "</article></body></html>"
    )
    return draw(mutated(document))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(feed=feeds(), page=pages(), charset=st.sampled_from([None, "utf-8", "latin-1", "x-bogus", "utf-16"]))
def test_hostile_feeds_and_pages_never_crash_and_every_written_file_is_well_formed(
    feed: tuple[bytes, str], page: bytes, charset: str | None
) -> None:
    """parse_feed, extract_page and draft_article take anything; whatever is written passes the checker."""
    body, content_type = feed
    parsed = parse_feed(body, feed_name="F", url=f"{BASE}/feed.xml", content_type=content_type)
    extracted = extract_page(page, f"{BASE}/a/0", charset=charset)
    with tempfile.TemporaryDirectory() as folder:
        corpus = Corpus(Path(folder))
        for number, entry in enumerate(parsed.entries[:3]):
            for candidate in (extracted, None):
                url = f"{BASE}/a/{number}/{candidate is None}"
                draft = draft_article(
                    entry, candidate, canonical_url=url, fetched_at=dt.datetime(2026, 11, 20, tzinfo=dt.UTC)
                )
                if draft is None:
                    continue
                try:
                    written = corpus.write(draft.article, 5 + len(list(corpus.names())))
                except FormatError:
                    raise AssertionError(f"a draft the corpus refuses: {draft.article!r}") from None
                assert file_problems((Path(folder) / written.name).read_bytes()) == []
        assert check(corpus, None).problems == []


HOSTILE_FEED = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>F</title>'
    "<item><title>India and US\x0b sign a pact &bogus; in\u2028Delhi</title><link>{base}/p/1</link>"
    "<description>India and the United States signed a defence pact.</description>"
    "<pubDate>Wed, 19 Nov 2026 21:40:00 GMT</pubDate></item>"
    "<item><title>India and US trade\x00 talks</title><link>{base}/p/2</link>"
    "<description>India and the US held trade talks in Washington.</description>"
    "<pubDate>garbage</pubDate></item>"
    "<item><title>Modi and Trump <b>talk</title><link>{base}/p/3</link>"
)

HOSTILE_PAGE = (
    "\ufeff<html><head><title>India \x1b and US sign defence pact\u2029 - Example</title>"
    '<script type="application/ld+json">{{"headline": "India and US\\u0007 sign a defence pact", '
    '"datePublished": "2026-02-30"</script></head><body><article><h1>India and US sign a pact</h1>'
    "<p>India and the\x00 United States signed a defence pact in New Delhi on Wednesday,\r\n"
    "officials said.</p>"
    "<p>The agreement\u2028covers jet engines, drones and maritime patrols {n}.</p><p>\x7f</p>"
    "<p>Defence Minister Rajnath Singh and US Defense Secretary Pete Hegseth signed the text"
)


def test_hostile_feed_and_pages_through_monitor_run_leave_a_corpus_that_passes_check(
    site: Site, project: Path
) -> None:
    """A truncated feed with control characters and broken pages end to end: no traceback, check passes."""
    site.serve("/feed.xml", HOSTILE_FEED.format(base=site.base), "application/rss+xml")
    for number in (1, 2, 3):
        site.serve(f"/p/{number}", HOSTILE_PAGE.format(n=number).encode("utf-8", "surrogatepass"))
    site.serve("/p/2", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>" + bytes(range(256)))
    write_config(project, [("Hostile", site.url("/feed.xml"))])

    result = run_monitor(project, "run", "-v")
    checked = run_monitor(project, "check")

    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert checked.returncode == 0, checked.stdout
    assert len(list((project / "seeds").glob("*.txt"))) == 3, "the readable story is written once"
    with Store(project / ".monitor" / "state.db") as store:
        assert check(Corpus(project / "seeds"), store).problems == []


def test_a_page_that_is_all_control_characters_writes_nothing(site: Site, project: Path) -> None:
    """A relevant feed entry whose page and title are only control characters is skipped, not written."""
    site.serve(
        "/feed.xml",
        (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>'
            f"<item><title>\u200b\ufeff</title><link>{site.base}/p/9</link>"
            "<description>India and the United States signed a defence pact.</description></item>"
            "</channel></rss>"
        ),
        "application/rss+xml",
    )
    site.serve("/p/9", "<html><body><article><h1>\u200b</h1><p>\x01\x02\x03</p></article></body></html>")
    write_config(project, [("Hostile", site.url("/feed.xml"))])

    result = run_monitor(project, "run")

    assert "Traceback" not in result.stderr and "unexpected" not in result.stderr, result.stderr
    assert result.returncode == 0
    assert sorted(p.name for p in (project / "seeds").glob("*.txt")) == [
        "000_7922f3cea14daa66.txt",
        "004_da0ce7d92ab8cbee.txt",
    ]
