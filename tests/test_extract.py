"""Tests of monitor.extract: golden pages, dates, site names, feed fragments, hostile input."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.extract import extract_page, strip_site_name, timestamp_to_date
from monitor.paragraphs import paragraphs_from_html
from monitor.text import normalise_line

PAGES = Path(__file__).parent / "fixtures" / "pages"
GOLDEN = sorted(p.name.removesuffix(".html") for p in PAGES.glob("*.html") if p.stem != "feed_fragment")


def _expected(name: str) -> dict[str, object]:
    return json.loads((PAGES / f"{name}.expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", GOLDEN)
def test_golden_page(name: str) -> None:
    """Each hand-written page gives exactly its expected headline, date, canonical URL and paragraphs."""
    expected = _expected(name)
    page = extract_page((PAGES / f"{name}.html").read_bytes(), str(expected["url"]))
    assert {
        "headline": page.headline,
        "headline_source": page.headline_source,
        "date": page.published.isoformat() if page.published else None,
        "date_source": page.date_source,
        "canonical": page.canonical_url,
        "language": page.language,
        "paragraphs": list(page.paragraphs),
    } == {key: value for key, value in expected.items() if key != "url"}


def test_golden_pages_cover_the_cases() -> None:
    """The golden set keeps one page per case the extractor must handle."""
    assert set(GOLDEN) >= {
        "jsonld_graph", "og_only", "h1_only", "modified_only", "published_and_modified", "latin1_declared",
        "utf8_misdeclared", "charset_after_1024", "bom_utf16", "boilerplate_lines",
    }  # fmt: skip


def test_jsonld_graph_date_is_the_day_in_its_own_offset() -> None:
    """A JSON-LD datePublished of 23:10 at -04:00 is dated that day, and dateModified is ignored."""
    expected = _expected("jsonld_graph")
    assert (expected["date"], expected["date_source"], expected["headline_source"]) == (
        "2025-07-01",
        "json-ld",
        "json-ld",
    )


def test_modified_date_alone_gives_no_date() -> None:
    """A page with only a modified date has no publication date; the caller falls back to the feed."""
    page = extract_page(
        (PAGES / "modified_only.html").read_bytes(), "https://news.example.com/education/visa"
    )
    assert page.published is None and page.date_source == ""


def test_boilerplate_lines_are_dropped() -> None:
    """Bylines, datelines, captions, also-read links, disclaimers and prompts never reach the body."""
    page = extract_page(
        (PAGES / "boilerplate_lines.html").read_bytes(), "https://www.business-standard.com/a"
    )
    text = "\n".join(page.paragraphs)
    for noise in (
        "By Shubhajit Roy",
        "Published -",
        "(Reuters) -",
        "Also Read",
        "Photo",
        "reworked",
        "Share this",
    ):
        assert noise not in text
    assert len(page.paragraphs) == 5


def test_declared_charset_is_used_for_legacy_bytes() -> None:
    """Latin-1 bytes declared in the page, and windows-1250 declared after byte 1024, decode right."""
    latin = extract_page((PAGES / "latin1_declared.html").read_bytes(), "https://www.example.fr/a")
    assert "Müller" in latin.text and "Genève" in (latin.headline or "")
    late = (PAGES / "charset_after_1024.html").read_bytes()
    assert late.index(b"windows-1250") > 1024
    assert "žluťoučký kůň" in extract_page(late, "https://www.example.cz/a").text


def test_header_charset_wins_over_page_and_misdeclared_utf8_is_read_as_utf8() -> None:
    """The header's charset comes first, but UTF-8 bytes labelled ISO-8859-1 still decode as UTF-8."""
    data = (PAGES / "utf8_misdeclared.html").read_bytes()
    page = extract_page(data, "https://www.example.com/a", charset="iso-8859-1")
    assert "₹4,000" in page.text and "Ã" not in page.text
    latin = (PAGES / "latin1_declared.html").read_bytes()
    assert "Müller" in extract_page(latin, "https://www.example.fr/a", charset="utf-8").text


def test_bom_decides_the_encoding() -> None:
    """A UTF-16 byte-order mark wins over the page's own utf-8 declaration."""
    page = extract_page((PAGES / "bom_utf16.html").read_bytes(), "https://www.example.com/a")
    assert page.headline == "Semiconductor pact takes shape – officials"
    assert len(page.paragraphs) == 5


def test_canonical_must_name_the_same_site() -> None:
    """A canonical link to another site is ignored; one on the bare domain of a www host is kept."""
    assert _expected("h1_only")["canonical"] is None
    assert _expected("og_only")["canonical"] == "https://ndtv.com/world-news/trade-envoys-meet-4567"
    html = b'<html><head><link rel="canonical" href="https://edition.example.co.uk/x"></head><body></body></html>'
    assert (
        extract_page(html, "https://www.example.co.uk/y").canonical_url == "https://edition.example.co.uk/x"
    )
    assert extract_page(html, "https://www.other.co.uk/y").canonical_url is None


def test_a_canonical_that_is_no_url_is_passed_over() -> None:
    """An unclosed IPv6 bracket makes urljoin raise: that link is skipped for the next candidate."""
    html = (b'<html><head><link rel="canonical" href="http://le>]]></title>">'
            b'<meta property="og:url" content="https://www.example.com/story"></head><body></body></html>')
    assert extract_page(html, "https://www.example.com/a").canonical_url == "https://www.example.com/story"


def test_truncated_jsonld_headline_gives_way_to_the_full_one() -> None:
    """A JSON-LD headline cut short with an ellipsis is replaced by og:title when that has it whole."""
    html = (
        b'<html><head><meta property="og:title" '
        b'content="India and US sign a long-awaited trade pact in Delhi">'
        b'<script type="application/ld+json">{"@type": "NewsArticle", "headline": "India and US sign a long-'
        b'awaited trade\xe2\x80\xa6"}</script></head><body><p>x</p></body></html>'
    )
    page = extract_page(html, "https://example.com/a")
    assert (page.headline, page.headline_source) == (
        "India and US sign a long-awaited trade pact in Delhi",
        "og:title",
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-07-01T23:10:00-04:00", dt.date(2025, 7, 1)),
        ("2025-07-01T23:10:00+05:30", dt.date(2025, 7, 1)),
        ("2025-07-01T23:10:00", dt.date(2025, 7, 1)),
        ("2025-07-01T23:10:00.123Z", dt.date(2025, 7, 1)),
        ("2025-07-01 23:10:00 +0530", dt.date(2025, 7, 1)),
        ("20250701T231000Z", dt.date(2025, 7, 1)),
        ("2025-07-01", dt.date(2025, 7, 1)),
        ("2025-07-01T24:00:00", dt.date(2025, 7, 2)),
        ("Tue, 01 Jul 2025 23:10:00 -0400", dt.date(2025, 7, 1)),
        ("Tue, 01 Jul 2025 23:10:00 GMT", dt.date(2025, 7, 1)),
        ("01 Jul 25 23:10 EST", dt.date(2025, 7, 1)),
        ("July 1, 2025", dt.date(2025, 7, 1)),
        ("Jul 01, 2025, 11:10 PM IST", dt.date(2025, 7, 1)),
        ("1 July 2025", dt.date(2025, 7, 1)),
        ("1751411400", dt.date(2025, 7, 1)),
        ("", None),
        ("yesterday", None),
        ("2025-13-01", None),
        ("2025-02-30T10:00:00Z", None),
        ("2025-07-01T25:00:00", None),
        ("0001-01-01", None),
        ("Tue, 32 Jul 2025 10:00:00 GMT", None),
        ("not 2025-07-01 at all", None),
    ],
)
def test_timestamp_to_date(value: str, expected: dt.date | None) -> None:
    """Timestamps give the calendar date in their own offset (UTC without one); garbage gives None."""
    assert timestamp_to_date(value) == expected


@pytest.mark.parametrize(
    ("headline", "names", "expected"),
    [
        ("Jaishankar meets Rubio in Washington - Reuters", (), "Jaishankar meets Rubio in Washington"),
        ("Modi and Trump speak by phone | NDTV", ("NDTV",), "Modi and Trump speak by phone"),
        ("Quad ministers to meet in Delhi — The Hindu", ("thehindu",), "Quad ministers to meet in Delhi"),
        ("Trade pact nears | India News - Times of India", ("timesofindia",), "Trade pact nears"),
        ("Tariff talks resume | Business Standard News", ("business-standard",), "Tariff talks resume"),
        ("Envoy recalled from Delhi -- Example.com", ("example",), "Envoy recalled from Delhi"),
        ("India, US to sign deal soon - sources", (), "India, US to sign deal soon - sources"),
        ("US-India trade deal - what we know so far", (), "US-India trade deal - what we know so far"),
        ("Modi in US: What's on the agenda", (), "Modi in US: What's on the agenda"),
        ("Opinion - Why India matters", (), "Opinion - Why India matters"),
        ("Short - Reuters", (), "Short - Reuters"),
        ("Visa rules eased for students | Opinion", (), "Visa rules eased for students | Opinion"),
    ],
)
def test_strip_site_name(headline: str, names: tuple[str, ...], expected: str) -> None:
    """A trailing site name goes; a tail that is part of the headline stays."""
    assert strip_site_name(headline, names) == expected


def test_feed_fragment_golden() -> None:
    """A feed entry's HTML content gives one paragraph per block, entities decoded, noise dropped."""
    fragment = (PAGES / "feed_fragment.html").read_text(encoding="utf-8")
    assert list(paragraphs_from_html(fragment)) == _expected("feed_fragment")["paragraphs"]


@pytest.mark.parametrize(
    ("fragment", "expected"),
    [
        ("", ()),
        ("   ", ()),
        (
            "Plain text only.\n\nSecond paragraph &amp; more.",
            ("Plain text only.", "Second paragraph & more."),
        ),
        ("<p>One</p><p>Two\nlines</p>", ("One", "Two lines")),
        ("<p>Only a <a href='x'>link</a> &eacute;t&eacute;</p>", ("Only a link été",)),
        ("<p>By Shubhajit Roy</p><p>Real text here.</p><p>Read more: elsewhere</p>", ("Real text here.",)),
        ("<<<>>>", ()),
    ],
)
def test_paragraphs_from_html(fragment: str, expected: tuple[str, ...]) -> None:
    """Fragments, plain text and broken markup all give normalised, non-empty paragraphs."""
    assert paragraphs_from_html(fragment) == expected


def test_by_at_sentence_start_is_not_a_byline() -> None:
    """A paragraph that starts with "By" but is a sentence is kept."""
    kept = "By Monday, officials in Delhi had agreed on a draft text."
    assert paragraphs_from_html(f"<p>{kept}</p><p>By 2030 trade should double.</p>") == (
        kept,
        "By 2030 trade should double.",
    )


def test_empty_and_non_html_input_gives_an_empty_page() -> None:
    """Empty bytes or bytes that are not HTML give a Page with the URL and nothing else."""
    for data in (b"", b"\x00\x01\x02", b"   "):
        page = extract_page(data, "https://example.com/a")
        assert page.url == "https://example.com/a" and page.paragraphs == () and page.headline is None


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _assert_clean(text: str) -> None:
    assert text == normalise_line(text) and text and not _CONTROL.search(text)


_TAGS = st.sampled_from(
    [
        "<p>", "</p>", "<h1>", "</h1>", "<br>", "<article>", "</article>", "<title>", "</title>", "<script>",
        '<script type="application/ld+json">{"@type":"NewsArticle","headline":"H\\u0000\\n x",',
        '"datePublished":"',
        '<meta property="og:title" content="', '<meta charset="', '<link rel="canonical" href="', '">',
        "&amp;", "&#0;", "&#x85;", "\u2028", "\x00", "\r\n", "<html lang='", "2025-07-01T23:10:00-04:00",
        "Tue, 01 Jul 2025", " - Reuters", "utf-16", "iso-8859-1",
    ]
)  # fmt: skip
_HTMLISH = st.lists(st.one_of(_TAGS, st.text(max_size=30)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(max_size=2000), _HTMLISH.map(lambda s: s.encode("utf-8", "surrogatepass"))))
def test_hostile_input_never_crashes_and_strings_are_normalised(data: bytes) -> None:
    """Arbitrary bytes or HTML-ish soup never raise, and every returned string is normalised."""
    page = extract_page(data, "https://example.com/a", charset="utf-8")
    for paragraph in page.paragraphs:
        _assert_clean(paragraph)
    if page.headline is not None:
        _assert_clean(page.headline)
    if page.canonical_url is not None:
        assert not re.search(r"\s", page.canonical_url) and not _CONTROL.search(page.canonical_url)
    assert page.language is None or re.fullmatch(r"[a-z]{2,3}", page.language)
    assert page.published is None or isinstance(page.published, dt.date)


@settings(max_examples=100, deadline=None)
@given(fragment=_HTMLISH)
def test_hostile_fragments_give_normalised_paragraphs(fragment: str) -> None:
    """Any feed content gives only normalised, non-empty paragraphs."""
    for paragraph in paragraphs_from_html(fragment):
        _assert_clean(paragraph)
