"""Feed documents → entries: the lxml reader for plain RSS 2.0 and Atom, and feedparser for the rest."""

from __future__ import annotations

import datetime as dt
from xml.sax.saxutils import escape

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.feeds import parse_feed, parse_with_feedparser
from monitor.models import Entry
from monitor.xmlfeed import read_common_feed

URL = "https://news.example.org/feeds/world.xml"
NAMESPACES = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom"'
)


def rss(items: str, prolog: str = '<?xml version="1.0" encoding="UTF-8"?>\n') -> bytes:
    return (
        f'{prolog}<rss version="2.0" {NAMESPACES}><channel><title>World &amp;amp; Nation</title>'
        f"<link>https://news.example.org/</link>{items}</channel></rss>"
    ).encode()


def atom(entries: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:media="http://search.yahoo.com/mrss/" xml:base="https://blog.example.net/posts/">'
        f'<title type="html">A &lt;em&gt;blog&lt;/em&gt;</title>{entries}</feed>'
    ).encode()


def read(body: bytes, content_type: str = "") -> tuple[Entry, ...]:
    parsed = read_common_feed(body, feed_name="world", url=URL, content_type=content_type)
    assert parsed is not None, "the lxml reader declined a plain document"
    return parsed.entries


def test_an_rss_item_reads_as_the_feed_states_it() -> None:
    body = rss(
        "<item><title>India, US sign &lt;b&gt;defence&lt;/b&gt; pact</title>"
        "<link> https://news.example.org/world/pact-1.html </link>"
        '<guid isPermaLink="false">pact-1</guid>'
        "<pubDate>Tue, 01 Jul 2025 23:10:00 -0400</pubDate>"
        "<description>&lt;p&gt;The two sides &amp;amp; their ministers met.&lt;/p&gt;</description>"
        "<content:encoded><![CDATA[<p>Full text.</p>]]></content:encoded>"
        "<media:description>A photo caption</media:description></item>"
    )
    parsed = read_common_feed(body, feed_name="world", url=URL)
    assert parsed is not None
    assert parsed.title == "World & Nation"
    assert parsed.entries == (
        Entry(
            feed_name="world",
            link="https://news.example.org/world/pact-1.html",
            title="India, US sign defence pact",
            summary="The two sides & their ministers met.",
            guid="pact-1",
            published=dt.datetime(2025, 7, 1, 23, 10, tzinfo=dt.timezone(dt.timedelta(hours=-4))),
            content_html="<p>Full text.</p>",
        ),
    )


def test_rss_fallbacks_for_link_summary_and_dates() -> None:
    (by_guid, by_atom_link, content_only) = read(
        rss(
            "<item><title>One</title><guid>https://news.example.org/one</guid>"
            "<dc:date>2025-01-02T03:04:05+05:30</dc:date></item>"
            '<item><title>Two</title><atom:link rel="alternate" href="/two"/>'
            "<atom:updated>2025-03-04T05:06:07Z</atom:updated></item>"
            "<item><title>Three</title><link>https://news.example.org/three</link>"
            "<content:encoded><![CDATA[<p>Only <i>content</i>.</p>]]></content:encoded></item>"
            '<item><title>No link</title><guid isPermaLink="false">https://news.example.org/x</guid></item>'
        )
    )
    assert by_guid.link == "https://news.example.org/one"
    assert (by_guid.published, by_guid.updated) == (
        None,
        dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    )
    assert by_atom_link.link == "https://news.example.org/two"
    assert by_atom_link.updated == dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    assert content_only.summary == "Only content ."
    assert content_only.content_html == "<p>Only <i>content</i>.</p>"


def test_markup_written_unescaped_inside_a_description_is_read_as_html() -> None:
    (entry,) = read(
        rss(
            "<item><title><![CDATA[<b>Bold</b> AT&amp;T]]></title><link>https://news.example.org/r</link>"
            "<description><table><tr><td>submitted by <a href='/u/x'>x</a></td></tr></table></description></item>"
        )
    )
    assert entry.title == "Bold AT&T"
    assert entry.summary == "submitted by x"


def test_atom_text_constructs_links_and_base() -> None:
    body = atom(
        '<entry><title type="text">Tariffs &lt; 10%? Not quite</title>'
        '<link rel="alternate" type="application/pdf" href="/report.pdf"/>'
        '<link rel="alternate" href="delhi-talks"/><link rel="self" href="/self"/>'
        "<id>tag:blog.example.net,2025:1</id><published>2025-02-03T04:05:06Z</published>"
        "<updated>2025-02-04T00:00:00+01:00</updated>"
        '<summary type="html">&lt;p&gt;Talks in &lt;b&gt;Delhi&lt;/b&gt;&lt;/p&gt;</summary>'
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Lead &amp; <p>Body</p></div></content>'
        "</entry>"
        '<entry><title>Video</title><link href="https://video.example.net/v/1"/>'
        "<media:group><media:description>What the video shows</media:description></media:group></entry>"
        "<entry><title>No link at all</title><id>tag:x</id></entry>"
    )
    parsed = read_common_feed(body, feed_name="blog", url="https://blog.example.net/atom.xml")
    assert parsed is not None and parsed.title == "A blog"
    first, video = parsed.entries
    assert first.title == "Tariffs < 10%? Not quite"
    assert first.link == "https://blog.example.net/posts/delhi-talks"
    assert first.guid == "tag:blog.example.net,2025:1"
    assert first.summary == "Talks in Delhi"
    assert first.content_html == "Lead &amp; <p>Body</p>"
    assert first.published == dt.datetime(2025, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    assert video.summary == "What the video shows"


def test_documents_that_are_not_plain_go_to_feedparser() -> None:
    item = "<item><title>T</title><link>https://news.example.org/t</link></item>"
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><item><title>&b;</title><link>https://x/</link></item></channel></rss>'
    )
    declined = {
        "DOCTYPE with entities": laughs,
        "declared Latin-1": rss(item, '<?xml version="1.0" encoding="ISO-8859-1"?>'),
        "not well-formed": rss(item).replace(b"</channel>", b""),
        "undefined HTML entity": rss(item.replace("T</title>", "&nbsp;T</title>")),
        "RSS 1.0": b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>',
        "Atom 0.3": b'<feed xmlns="http://purl.org/atom/ns#"/>',
        "a date only feedparser reads": rss(item.replace("</title>", "</title><pubDate>2025/07/01 10:00</pubDate>")),
        "base64 Atom content": atom(
            '<entry><title>x</title><link href="/x"/><content type="image/png">aGk=</content></entry>'
        ),
    }
    for reason, body in declined.items():
        assert read_common_feed(body, feed_name="f", url=URL) is None, reason
    assert read_common_feed(rss(item), feed_name="f", url=URL, content_type="text/xml; charset=iso-8859-1") is None
    assert read_common_feed(rss(item), feed_name="f", url=URL, content_type="text/xml; charset=UTF-8") is not None
    assert read_common_feed(b"\xef\xbb\xbf\n\n" + rss(item), feed_name="f", url=URL) is not None


def test_parse_feed_reads_what_the_fast_reader_declines_and_reports_breakage() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b'<rss version="2.0"><channel><item><title>x</title><link>https://news.example.org/x</link>'
        b"</item></channel></rss>"
    )
    latin1 = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><item><title>Caf\xe9</title>'
        "<link>https://news.example.org/cafe</link></item></channel></rss>"
    ).encode("latin-1")
    assert [e.title for e in parse_feed(laughs, feed_name="f", url=URL).entries] == ["x"]
    assert [e.title for e in parse_feed(latin1, feed_name="f", url=URL).entries] == ["Café"]
    broken = parse_feed(
        rss("<item><title>T</title><link>https://news.example.org/t</link></item>")[:-20], feed_name="f", url=URL
    )
    assert [e.link for e in broken.entries] == ["https://news.example.org/t"]
    assert broken.problem.startswith("malformed feed:")


_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"), max_size=60
) | st.sampled_from(["AT&T", "5 < 6 > 4", "&amp; twice", "<b>bold</b> words", "Modi–Trump  talks", "  "])


@settings(max_examples=150, deadline=None)
@given(title=_TEXT, summary=_TEXT, slug=st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True))
def test_the_fast_reader_agrees_with_feedparser_on_plain_rss(title: str, summary: str, slug: str) -> None:
    body = rss(
        f"<item><title>{escape(title)}</title><link>https://news.example.org/{slug}</link>"
        f"<guid>https://news.example.org/{slug}</guid><pubDate>Wed, 02 Jul 2025 10:00:00 +0530</pubDate>"
        f"<description>{escape(summary)}</description></item>"
    )
    fast = read_common_feed(body, feed_name="f", url=URL)
    if fast is None:  # only text that feedparser would re-decode as mojibake is left to it
        assert any("\x80" <= char <= "\xff" for char in title + summary)
        return
    assert fast.entries == parse_with_feedparser(body, feed_name="f", url=URL).entries


def test_text_feedparser_would_re_decode_is_left_to_it() -> None:
    """'cafÃ©' in a UTF-8 feed is UTF-8 read as Latin-1: feedparser repairs it, so the fast reader declines."""
    for written in ("cafÃ©", "caf&#195;&#169;", "Â¡Hola!"):
        body = rss(f"<item><title>{written}</title><link>https://news.example.org/a</link></item>")
        assert read_common_feed(body, feed_name="f", url=URL) is None
        assert parse_feed(body, feed_name="f", url=URL).entries == parse_with_feedparser(
            body, feed_name="f", url=URL).entries
    plain = rss("<item><title>Café – naïve “quotes” ©</title><link>https://news.example.org/b</link></item>")
    assert read_common_feed(plain, feed_name="f", url=URL) is not None
