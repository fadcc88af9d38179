"""Feeds and article pages written for the tests, rendered from plain records."""

from __future__ import annotations

import datetime as dt
import html
import json
from dataclasses import dataclass, field
from email.utils import format_datetime


@dataclass(frozen=True)
class Story:
    slug: str
    headline: str
    published: str  # ISO 8601 with offset, as the page's JSON-LD gives it
    paragraphs: tuple[str, ...]
    summary: str = ""
    site_name: str = "Example Times"
    extra_head: str = ""
    boilerplate: tuple[str, ...] = field(default=("Subscribe to our newsletter", "Follow us on X"))

    @property
    def path(self) -> str:
        return f"/news/{self.slug}.html"


def article_page(story: Story, base: str) -> str:
    """A news page with JSON-LD, Open Graph, a canonical link, navigation and a footer."""
    url = base + story.path
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.headline,
        "datePublished": story.published,
        "mainEntityOfPage": url,
    }
    paragraphs = "\n".join(f"<p>{html.escape(p)}</p>" for p in story.paragraphs)
    nav = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(6))
    extra = "".join(f"<p>{html.escape(b)}</p>" for b in story.boilerplate)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(story.headline)} - {story.site_name}</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{html.escape(story.headline)}">
<meta property="og:site_name" content="{story.site_name}">
<meta property="article:published_time" content="{story.published}">
<script type="application/ld+json">{json.dumps(data)}</script>
{story.extra_head}
</head><body>
<header><nav><ul>{nav}</ul></nav></header>
<main><article>
<h1>{html.escape(story.headline)}</h1>
{paragraphs}
</article>
<aside><h2>Most read</h2><ul><li><a href="/x">Another story</a></li><li><a href="/y">And another</a></li></ul></aside>
</main>
<footer>{extra}<p>© 2026 {story.site_name}. All rights reserved.</p></footer>
</body></html>"""


def _rfc822(iso: str) -> str:
    return format_datetime(dt.datetime.fromisoformat(iso))


def rss2(title: str, items: list[tuple[str, str, str, str]]) -> str:
    """RSS 2.0 from (title, link, summary, published ISO) tuples."""
    body = "".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link>"
        f"<description>{html.escape(s)}</description><guid>{html.escape(link)}</guid>"
        f"<pubDate>{_rfc822(p)}</pubDate></item>"
        for t, link, s, p in items
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{html.escape(title)}'
        f"</title><link>http://example.org/</link><description>test</description>{body}</channel></rss>"
    )


def atom(title: str, items: list[tuple[str, str, str, str]]) -> str:
    body = "".join(
        f'<entry><title>{html.escape(t)}</title><link rel="alternate" href="{html.escape(link)}"/>'
        f"<id>{html.escape(link)}</id><updated>{p}</updated><published>{p}</published>"
        f"<summary>{html.escape(s)}</summary></entry>"
        for t, link, s, p in items
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{html.escape(title)}</title><id>urn:test:{html.escape(title)}</id>"
        f"<updated>2026-11-20T00:00:00Z</updated>{body}</feed>"
    )


def rss1(title: str, items: list[tuple[str, str, str, str]]) -> str:
    seq = "".join(f'<rdf:li rdf:resource="{html.escape(link)}"/>' for _, link, _, _ in items)
    body = "".join(
        f'<item rdf:about="{html.escape(link)}"><title>{html.escape(t)}</title><link>{html.escape(link)}</link>'
        f"<description>{html.escape(s)}</description><dc:date>{p}</dc:date></item>"
        for t, link, s, p in items
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="http://example.org/"><title>{html.escape(title)}</title>'
        f"<link>http://example.org/</link><description>test</description>"
        f"<items><rdf:Seq>{seq}</rdf:Seq></items></channel>{body}</rdf:RDF>"
    )
