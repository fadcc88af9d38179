"""Canonical URLs: golden cases for the URL shapes news feeds really use, and the same-site rule."""

from __future__ import annotations

import pytest

from monitor.corpus import article_id
from monitor.identity import UrlCanonicaliser, same_site

canonical = UrlCanonicaliser()

GOLDEN = [
    # scheme and host case, default ports, fragments
    (
        "HTTPS://WWW.TheHindu.com/news/national/article69123456.ece",
        "https://www.thehindu.com/news/national/article69123456.ece",
    ),
    (
        "https://www.thehindu.com:443/news/national/article69123456.ece#comments",
        "https://www.thehindu.com/news/national/article69123456.ece",
    ),
    (
        "http://indianexpress.com:80/article/india/jaishankar-rubio-9876543/",
        "http://indianexpress.com/article/india/jaishankar-rubio-9876543/",
    ),
    ("http://127.0.0.1:8080/news/a.html", "http://127.0.0.1:8080/news/a.html"),
    ("https://www.reuters.com.:443/world/india/", "https://www.reuters.com/world/india/"),
    # tracking parameters, wherever they stand; meaningful parameters kept as written
    (
        "https://www.ndtv.com/india-news/pm-modi-trump-call-7012345?utm_source=rss&utm_medium=feed&utm_campaign=x",
        "https://www.ndtv.com/india-news/pm-modi-trump-call-7012345",
    ),
    (
        "https://www.hindustantimes.com/world-news/us-news/x-101751234567890.html?fbclid=IwAR0abc",
        "https://www.hindustantimes.com/world-news/us-news/x-101751234567890.html",
    ),
    (
        "https://www.washingtonpost.com/world/2025/07/01/india-trade/?gclid=Cj0&ref=hp&cmpid=rss",
        "https://www.washingtonpost.com/world/2025/07/01/india-trade/",
    ),
    ("https://example.com/story.php?id=42&utm_source=x", "https://example.com/story.php?id=42"),
    ("https://example.com/story.php?utm_source=x&id=42&page=2", "https://example.com/story.php?id=42&page=2"),
    ("https://example.com/search?q=india%20us&sort=new", "https://example.com/search?q=india%20us&sort=new"),
    (
        "https://www.nytimes.com/2025/07/02/world/asia/india-us.html?smid=tw-share&partner=rss",
        "https://www.nytimes.com/2025/07/02/world/asia/india-us.html",
    ),
    (
        "https://www.msn.com/en-in/news/world/x/ar-AA1abc?ocid=msedgntp&cvid=abc",
        "https://www.msn.com/en-in/news/world/x/ar-AA1abc?cvid=abc",
    ),
    ("https://example.com/a?UTM_Source=X&_ga=2.1&__twitter_impression=true", "https://example.com/a"),
    (
        "https://economictimes.indiatimes.com/news/x/articleshow/121.cms?from=mdr",
        "https://economictimes.indiatimes.com/news/x/articleshow/121.cms",
    ),
    # AMP and mobile variants
    (
        "https://www.ndtv.com/world-news/jaishankar-meets-rubio-8765432/amp/1",
        "https://www.ndtv.com/world-news/jaishankar-meets-rubio-8765432",
    ),
    (
        "https://www.news18.com/amp/world/india-us-trade-deal-9412345.html",
        "https://www.news18.com/world/india-us-trade-deal-9412345.html",
    ),
    (
        "https://www.indiatoday.in/amp/india/story/india-us-2745678-2025-07-02",
        "https://www.indiatoday.in/india/story/india-us-2745678-2025-07-02",
    ),
    (
        "https://www.thehindu.com/news/international/article69123456.ece/amp/",
        "https://www.thehindu.com/news/international/article69123456.ece/",
    ),
    (
        "https://www.moneycontrol.com/news/business/india-us-trade-13123456.html/amp",
        "https://www.moneycontrol.com/news/business/india-us-trade-13123456.html",
    ),
    (
        "https://timesofindia.indiatimes.com/world/us/x/amp_articleshow/121234567.cms",
        "https://timesofindia.indiatimes.com/world/us/x/articleshow/121234567.cms",
    ),
    (
        "https://www.nytimes.com/2025/07/02/world/asia/india-us.amp.html",
        "https://www.nytimes.com/2025/07/02/world/asia/india-us.html",
    ),
    ("https://www.bbc.com/news/articles/c0jq2w3x4y5o.amp", "https://www.bbc.com/news/articles/c0jq2w3x4y5o"),
    (
        "https://www.washingtonpost.com/world/2025/07/01/india-trade/?outputType=amp",
        "https://www.washingtonpost.com/world/2025/07/01/india-trade/",
    ),
    ("https://example.com/story?amp", "https://example.com/story"),
    ("https://example.com/story?amp=1&id=7", "https://example.com/story?id=7"),
    ("https://example.com/story?format=amp", "https://example.com/story"),
    (
        "https://amp.theguardian.com/world/2025/jul/02/india-us-talks",
        "https://www.theguardian.com/world/2025/jul/02/india-us-talks",
    ),
    (
        "https://m.hindustantimes.com/india-news/x-101751234567890.html",
        "https://www.hindustantimes.com/india-news/x-101751234567890.html",
    ),
    ("https://mobile.reuters.com/article/idUSKBN2AB123", "https://www.reuters.com/article/idUSKBN2AB123"),
    (
        "https://m.economictimes.co.in/news/x/articleshow/1.cms",
        "https://www.economictimes.co.in/news/x/articleshow/1.cms",
    ),
    (
        "https://www-thehindu-com.cdn.ampproject.org/c/s/www.thehindu.com/news/article69123456.ece/amp/",
        "https://www.thehindu.com/news/article69123456.ece/",
    ),
    (
        "https://www.google.com/amp/s/www.ndtv.com/india-news/x-8765432/amp/1",
        "https://www.ndtv.com/india-news/x-8765432",
    ),
    # paths: trailing slashes as given, escapes normalised, non-ASCII escaped, an empty path is "/"
    (
        "https://www.livemint.com/news/india/x-11751234567890.html/",
        "https://www.livemint.com/news/india/x-11751234567890.html/",
    ),
    ("https://example.com", "https://example.com/"),
    ("https://example.com/a%2fb%c3%a9", "https://example.com/a%2Fb%C3%A9"),
    (
        "https://www.bhaskar.com/national/news/भारत-अमेरिका-134567.html",
        "https://www.bhaskar.com/national/news/%E0%A4%AD%E0%A4%BE%E0%A4%B0%E0%A4%A4-%E0%A4%85%E0%A4%AE%E0%A5%87%E0%A4%B0%E0%A4%BF%E0%A4%95%E0%A4%BE-134567.html",
    ),
    ("https://www.example.com/tags/amplifier/", "https://www.example.com/tags/amplifier/"),
    ("https://www.example.com/news/ampere-deal", "https://www.example.com/news/ampere-deal"),
    ("  https://example.com/a  ", "https://example.com/a"),
]


@pytest.mark.parametrize(("url", "expected"), GOLDEN, ids=[u for u, _ in GOLDEN])
def test_golden_canonical_urls(url: str, expected: str) -> None:
    """Each real-looking URL shape maps to the expected canonical URL."""
    assert canonical(url) == expected


@pytest.mark.parametrize("expected", sorted({e for _, e in GOLDEN}))
def test_canonical_urls_are_fixed_points(expected: str) -> None:
    """Canonicalising a canonical URL changes nothing."""
    assert canonical(expected) == expected


def test_variants_of_one_page_share_one_corpus_id() -> None:
    """Tracking, AMP, mobile, cache and case variants of one article give one corpus id."""
    variants = [
        "https://www.hindustantimes.com/world-news/india-us-talks-101751234567890.html",
        "https://WWW.HindustanTimes.com/world-news/india-us-talks-101751234567890.html#top",
        "https://www.hindustantimes.com:443/world-news/india-us-talks-101751234567890.html?utm_source=rss",
        "https://m.hindustantimes.com/world-news/india-us-talks-101751234567890.html",
        "https://www.hindustantimes.com/world-news/india-us-talks-101751234567890.amp.html",
        "https://www.hindustantimes.com/amp/world-news/india-us-talks-101751234567890.html?fbclid=abc",
        "https://amp.hindustantimes.com/world-news/india-us-talks-101751234567890.html?amp=1",
        "https://www-hindustantimes-com.cdn.ampproject.org/c/s/www.hindustantimes.com/world-news/"
        "india-us-talks-101751234567890.html",
    ]
    assert len({article_id(canonical(url)) for url in variants}) == 1


def test_different_articles_stay_apart() -> None:
    """URLs that differ in what they name (id parameter, trailing slash, scheme) are not merged."""
    urls = [
        "https://example.com/story.php?id=1",
        "https://example.com/story.php?id=2",
        "https://example.com/news/a",
        "https://example.com/news/a/",
        "http://example.com/news/a",
        "https://example.com/news/b",
    ]
    assert len({canonical(url) for url in urls}) == len(urls)


def test_user_can_add_tracking_parameters() -> None:
    """A parameter named in [urls] tracking_parameters is dropped, whatever its case."""
    custom = UrlCanonicaliser(["src", "SessionID"])
    assert custom("https://example.com/a?src=home&sessionid=9&id=3") == "https://example.com/a?id=3"
    assert canonical("https://example.com/a?src=home") == "https://example.com/a?src=home"


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        ("https://www.thehindu.com/a", "https://thehindu.com/b", True),
        ("https://amp.theguardian.com/a", "https://www.theguardian.com/a", True),
        ("https://www.bbc.co.uk/news/a", "https://feeds.bbc.co.uk/x", True),
        ("https://www.example.co.in/a", "https://www.other.co.in/a", False),
        ("https://www.ndtv.com/a", "https://www.nytimes.com/a", False),
        ("http://127.0.0.1:8000/a", "http://127.0.0.1:9000/b", True),
        ("http://127.0.0.1/a", "http://10.0.0.1/a", False),
        ("https://www.ndtv.com/a", "not a url", False),
    ],
)
def test_same_site(first: str, second: str, expected: bool) -> None:
    """Two URLs are on the same site when their registrable domains match, approximately."""
    assert same_site(first, second) is expected
