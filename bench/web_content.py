"""A deterministic synthetic news web: outlets on many loopback hosts, their feeds and article pages.

Everything is a pure function of a ``WebSpec`` and a path, so the server, the baseline and
the CPU-floor measurement all see the same bytes without storing them. Feed ``i`` lives on
host ``127.0.0.(2 + i % hosts)``; its entries link to article pages on the same host.

Mix of entries (by default): 5% India–US stories, 2% about India alone, 2% about the US
alone, the rest world, business, sport and science news about neither. Article pages are
30–100 KB of HTML, most of it what real news pages carry around the text: a head full of
meta tags, inline scripts and styles, a navigation of a hundred links, "most read" and
related lists, a comment prompt and a footer.
"""

# ruff: noqa: E501 (headline and sentence templates read better whole)
from __future__ import annotations

import datetime as dt
import hashlib
import html
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import format_datetime

FEED_PATH = re.compile(r"^/feeds/(\d+)\.xml$")
PAGE_PATH = re.compile(r"^/(?:[a-z-]+)/\d{4}/\d{2}/[a-z0-9-]+-(\d+)-(\d+)\.html$")
KINDS = ("india-us", "india", "us", "other")


@dataclass(frozen=True, slots=True)
class WebSpec:
    feeds: int = 1000
    hosts: int = 49  # 127.0.0.2 … 127.0.0.50
    port: int = 8800
    seed: int = 2026
    relevant_share: float = 0.05
    india_share: float = 0.02
    us_share: float = 0.02
    min_entries: int = 20
    max_entries: int = 100
    min_page_bytes: int = 30_000
    max_page_bytes: int = 100_000

    def host(self, feed: int) -> str:
        return f"127.0.0.{2 + feed % self.hosts}"

    def base(self, feed: int) -> str:
        return f"http://{self.host(feed)}:{self.port}"

    def feed_url(self, feed: int) -> str:
        return f"{self.base(feed)}/feeds/{feed}.xml"

    def addresses(self) -> list[str]:
        return [f"127.0.0.{2 + h}" for h in range(min(self.hosts, self.feeds))]


@dataclass(frozen=True, slots=True)
class Item:
    feed: int
    number: int
    kind: str
    headline: str
    summary: str
    url: str
    published: dt.datetime


# --- words --------------------------------------------------------------------------------

OUTLETS = (
    "The Daily Ledger",
    "Morning Courier",
    "Global Dispatch",
    "The Evening Standard Post",
    "Capital Chronicle",
    "Harbour Times",
    "The Continental",
    "Metro Herald",
    "The Observer Review",
    "National Tribune",
)
SECTIONS = ("world", "business", "politics", "sport", "science", "india", "americas", "asia")
CITIES = ("New Delhi", "Washington", "Mumbai", "New York", "Bengaluru", "San Francisco")
US_OFFICIALS = (
    "Secretary of State Marco Rubio",
    "Defense Secretary Pete Hegseth",
    "President Donald Trump",
    "Commerce Secretary Howard Lutnick",
    "US Trade Representative Jamieson Greer",
)
IN_OFFICIALS = (
    "External Affairs Minister S. Jaishankar",
    "Prime Minister Narendra Modi",
    "Defence Minister Rajnath Singh",
    "Commerce Minister Piyush Goyal",
    "National Security Adviser Ajit Doval",
)
TOPICS = (
    "a bilateral trade agreement",
    "reciprocal tariffs on Indian exports",
    "defence co-production",
    "critical minerals supply chains",
    "H-1B visa rules",
    "civil nuclear cooperation",
    "semiconductor investment",
    "the Quad summit",
    "counter-terrorism cooperation",
)
GOODS = ("steel", "shrimp", "textiles", "pharmaceuticals", "auto parts", "gems and jewellery")
WEAPONS = ("MQ-9B drones", "Javelin missiles", "P-8I aircraft", "GE F414 engines", "Stryker vehicles")
COUNTRIES = (
    "Brazil",
    "Germany",
    "Japan",
    "Kenya",
    "Indonesia",
    "France",
    "Chile",
    "Vietnam",
    "Nigeria",
    "Poland",
    "Egypt",
    "Canada",
    "Australia",
    "Spain",
    "Turkey",
    "Argentina",
)
TEAMS = ("Rovers", "United", "City", "Athletic", "Wanderers", "Olympic", "Rangers", "Albion")

INDIA_US_HEADLINES = (
    "India and US Hold {n}th Round of Trade Talks in {city}",
    "Jaishankar Meets Rubio in Washington, Discusses Tariffs and Defence Ties",
    "US Eases Export Curbs on Critical Technology for India",
    "Modi Speaks With Trump on Trade Deal Ahead of Quad Summit",
    "Indian Students Face Tougher US Visa Checks, MEA Raises Issue With Washington",
    "Pentagon Clears Sale of {weapon} to India",
    "India-US Defence Framework: Rajnath Singh and Hegseth Review Co-Production Plans",
    "US Tariffs on Indian {goods} Take Effect; New Delhi Weighs Response",
    "American and Indian Navies Begin Malabar Exercise in the Bay of Bengal",
    "H-1B Fee Hike: Indian IT Firms Brace for Higher Costs in the United States",
    "Goyal Says India-US Trade Pact First Tranche Could Be Signed by {month}",
    "US Ambassador Meets Indian Officials on Critical Minerals Partnership",
)
INDIA_HEADLINES = (
    "Monsoon Rainfall Ends {n} Percent Above Normal, Says IMD",
    "Mumbai Metro Line {n} Opens to Commuters After Delays",
    "RBI Keeps Repo Rate Unchanged, Signals Focus on Inflation",
    "India Clinch Test Series Against {country} With Innings Win",
    "Bengaluru Startups Raise Record Funding in Third Quarter",
)
US_HEADLINES = (
    "Senate Passes Stopgap Spending Bill Hours Before Deadline",
    "Federal Reserve Holds Rates Steady, Signals Cuts Later in the Year",
    "Storm Knocks Out Power to Thousands Across the US Northeast",
    "Trump Meets Xi on Sidelines of Summit in {country}",
    "US Jobs Report Beats Forecasts as Hiring Picks Up",
)
OTHER_HEADLINES = (
    "{country} Central Bank Raises Rates for the {n}th Time This Year",
    "Floods in {country} Displace Thousands as Rivers Burst Their Banks",
    "{team} Beat {team2} to Reach the Cup Final",
    "Scientists Map {n} New Deep-Sea Species Off the Coast of {country}",
    "{country} Elects New Parliament After Close Race",
    "Markets in {country} Close Higher as Investors Await Inflation Data",
    "New Exoplanet Found Orbiting a Nearby Red Dwarf",
    "{country} and {country2} Sign Fisheries Agreement",
    "Wildfire Forces Evacuations in Southern {country}",
    "Carmaker Recalls {n},000 Vehicles Over Brake Fault",
)
INDIA_US_SENTENCES = (
    "{in_official} and {us_official} discussed {topic} during talks in {city} on {weekday}, officials said.",
    "Negotiators from India and the United States have met several times this year to narrow differences over {topic}.",
    "Washington has pressed New Delhi to lower duties on American farm goods, while India has sought relief on {goods}.",
    "Trade between the two countries exceeded 190 billion dollars last year, making the United States India's largest trading partner.",
    "The Ministry of External Affairs said India expected the US administration to take its concerns on {topic} into account.",
    "A senior State Department official said the partnership with India was central to Washington's strategy in the Indo-Pacific.",
    "Indian exporters of {goods} said the new US measures would hurt orders for the coming quarter.",
    "The agreement on {topic} follows a joint statement issued after the leaders met earlier this year.",
)
GENERIC_SENTENCES = (
    "Officials said the decision followed weeks of consultations with industry groups and regional authorities.",
    "Analysts said the move was widely expected and would have little immediate effect on prices.",
    "The announcement came after a meeting that lasted late into the evening, according to people familiar with it.",
    "Local residents described scenes of confusion as emergency services worked through the night.",
    "The figures, published on {weekday}, were broadly in line with forecasts from economists polled last week.",
    "Critics said the plan did not go far enough and called for a full review before the end of the year.",
    "The company said in a statement that it was cooperating fully with regulators in {country}.",
    "Opposition leaders said they would challenge the measure when parliament returns next month.",
    "Researchers cautioned that more data would be needed before firm conclusions could be drawn.",
    "Turnout was higher than in the previous contest, the election commission said.",
)
_FILLER_TEXT = (
    """
    according administration agency airport analysts annual approval assembly authorities average bank
    barrier border budget cabinet campaign capacity capital cargo ceremony charge chief coalition coast
    committee community company concern conference consumers contract corridor council court crisis crops
    currency customers damage data deadline debate decision delegation demand deputy development director
    district drought economy election electricity emergency energy engineers envoy estimate exports factory
    farmers figures finance fleet forecast framework fuel funding governor growth harbour highway hospital
    households imports income industry inflation inquiry inspectors investment investors island judge
    labour landslide lawmakers league leaders licence loans mayor measures merchants minister mining
    monitoring negotiations network offices operators opposition orders output panel parliament partners
    passengers pension pipeline police port power premier pressure prices province prosecutors protest
    railway rainfall ratings reform region regulators reserves residents revenue route rules satellite
    schools season sector security senate settlement shares shipping shortage spokesperson stadium
    statement storage strike subsidies suppliers survey talks tariff taxes teachers terminal tourism trade
    traffic transport treasury treaty tribunal union university valley vessels voters wages warehouse
    water weather workers yields approved announced argued blocked boosted cancelled cited cleared closed
    confirmed cut delayed denied doubled eased expanded extended faced halted increased launched lowered
    opened postponed proposed raised rejected renewed reported resumed reviewed signed slowed suspended
    warned early late new former local national regional rural urban coastal northern southern eastern
    western major minor temporary permanent public private
    """
)
FILLER_WORDS = tuple(_FILLER_TEXT.split())
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
MONTHS = ("March", "June", "September", "December")


def _rng(spec: WebSpec, *parts: int) -> random.Random:
    return random.Random(hash((spec.seed, *parts)) & 0xFFFF_FFFF)


def _filler(rng: random.Random) -> str:
    """A sentence of varied words, so that unrelated stories share no runs of words."""
    words = [rng.choice(FILLER_WORDS) for _ in range(rng.randint(12, 24))]
    words.insert(rng.randint(1, len(words) - 1), str(rng.randint(2, 2000)))
    return " ".join(words).capitalize() + "."


def _fill(template: str, rng: random.Random) -> str:
    countries = rng.sample(COUNTRIES, 2)
    teams = rng.sample(TEAMS, 2)
    return template.format(
        n=rng.randint(2, 9),
        city=rng.choice(CITIES),
        weapon=rng.choice(WEAPONS),
        goods=rng.choice(GOODS),
        month=rng.choice(MONTHS),
        country=countries[0],
        country2=countries[1],
        team=teams[0],
        team2=teams[1],
        in_official=rng.choice(IN_OFFICIALS),
        us_official=rng.choice(US_OFFICIALS),
        topic=rng.choice(TOPICS),
        weekday=rng.choice(WEEKDAYS),
    )


# --- feeds --------------------------------------------------------------------------------


def entry_count(spec: WebSpec, feed: int) -> int:
    return _rng(spec, feed).randint(spec.min_entries, spec.max_entries)


def kind_of(spec: WebSpec, feed: int, number: int) -> str:
    draw = _rng(spec, feed, number, 1).random()
    for kind, share in (
        ("india-us", spec.relevant_share),
        ("india", spec.india_share),
        ("us", spec.us_share),
    ):
        if draw < share:
            return kind
        draw -= share
    return "other"


def item(spec: WebSpec, feed: int, number: int) -> Item:
    """Entry ``number`` of feed ``feed``: the same record for the feed and for the page."""
    kind = kind_of(spec, feed, number)
    rng = _rng(spec, feed, number, 2)
    templates = {"india-us": INDIA_US_HEADLINES, "india": INDIA_HEADLINES, "us": US_HEADLINES}.get(
        kind, OTHER_HEADLINES
    )
    headline = _fill(rng.choice(templates), rng)
    sentences = INDIA_US_SENTENCES if kind == "india-us" else GENERIC_SENTENCES
    summary = " ".join(_fill(rng.choice(sentences), rng) for _ in range(2))
    section = "india" if kind.startswith("india") else rng.choice(SECTIONS)
    published = dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC) - dt.timedelta(minutes=37 * number + feed % 60)
    slug = re.sub(r"[^a-z0-9]+", "-", headline.lower()).strip("-")[:60]
    url = f"{spec.base(feed)}/{section}/{published:%Y/%m}/{slug}-{feed}-{number}.html"
    return Item(feed, number, kind, headline, summary, url, published)


def items(spec: WebSpec, feed: int) -> Iterator[Item]:
    for number in range(entry_count(spec, feed)):
        yield item(spec, feed, number)


def feed_etag(spec: WebSpec, feed: int) -> str:
    return '"' + hashlib.sha1(f"{spec.seed}:{feed}:{entry_count(spec, feed)}".encode()).hexdigest()[:16] + '"'


def feed_document(spec: WebSpec, feed: int) -> tuple[bytes, str]:
    """(body, content type) of feed ``feed``: RSS 2.0 for most outlets, Atom for every fourth."""
    outlet = OUTLETS[feed % len(OUTLETS)]
    entries = list(items(spec, feed))
    if feed % 4 == 3:
        return _atom(spec, feed, outlet, entries).encode("utf-8"), "application/atom+xml; charset=utf-8"
    return _rss(spec, feed, outlet, entries).encode("utf-8"), "application/rss+xml; charset=utf-8"


def _rss(spec: WebSpec, feed: int, outlet: str, entries: list[Item]) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
        f"<title>{html.escape(outlet)} - feed {feed}</title><link>{spec.base(feed)}/</link>",
        f'<atom:link href="{spec.feed_url(feed)}" rel="self" type="application/rss+xml"/>',
        "<description>Latest news</description><language>en</language>",
    ]
    for e in entries:
        parts.append(
            f"<item><title>{html.escape(e.headline)}</title><link>{e.url}</link>"
            f'<guid isPermaLink="true">{e.url}</guid><pubDate>{format_datetime(e.published)}</pubDate>'
            f"<dc:creator>Staff Reporter</dc:creator><category>{e.kind}</category>"
            f"<description>{html.escape('<p>' + e.summary + '</p>')}</description>"
            f'<media:content url="{spec.base(feed)}/img/{e.feed}-{e.number}.jpg" medium="image" width="1200"/>'
            "</item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts)


def _atom(spec: WebSpec, feed: int, outlet: str, entries: list[Item]) -> str:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{html.escape(outlet)} - feed {feed}</title><id>{spec.feed_url(feed)}</id>",
        f'<link rel="self" href="{spec.feed_url(feed)}"/><updated>2026-11-20T12:00:00Z</updated>',
    ]
    for e in entries:
        stamp = e.published.isoformat()
        parts.append(
            f'<entry><title>{html.escape(e.headline)}</title><link rel="alternate" href="{e.url}"/>'
            f"<id>{e.url}</id><published>{stamp}</published><updated>{stamp}</updated>"
            f"<author><name>Staff Reporter</name></author>"
            f'<summary type="html">{html.escape("<p>" + e.summary + "</p>")}</summary></entry>'
        )
    parts.append("</feed>")
    return "\n".join(parts)


# --- pages --------------------------------------------------------------------------------

_SCRIPT_BLOCK = (
    "window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push(arguments)}"
    "gtag('js',new Date());gtag('config','G-%06d',{anonymize_ip:true,page_path:location.pathname});"
    "(function(w,d,s){var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;"
    "j.src='https://cdn.example.net/tag.js?id=%06d';f.parentNode.insertBefore(j,f)})(window,document,'script');"
)
_STYLE_BLOCK = (
    ".article-body p{margin:0 0 1.2em;line-height:1.6}.nav-item{display:inline-block;padding:4px 8px}"
    ".ad-slot{min-height:250px;background:#f4f4f4}.share-bar a{margin-right:6px}.footer-links li{float:left}"
)


def page_for_path(spec: WebSpec, path: str) -> bytes | None:
    match = PAGE_PATH.match(path)
    if match is None:
        return None
    feed, number = int(match.group(1)), int(match.group(2))
    if feed >= spec.feeds or number >= entry_count(spec, feed):
        return None
    return page(spec, feed, number)


def page(spec: WebSpec, feed: int, number: int) -> bytes:
    """The article page of entry ``number`` of feed ``feed``, 30–100 KB of realistic HTML."""
    e = item(spec, feed, number)
    rng = _rng(spec, feed, number, 3)
    target = rng.randint(spec.min_page_bytes, spec.max_page_bytes)
    outlet = OUTLETS[feed % len(OUTLETS)]
    sentences = INDIA_US_SENTENCES if e.kind == "india-us" else GENERIC_SENTENCES
    lead = [e.summary]
    # Stock sentences lead the first paragraphs only; the rest is varied, as in real reports.
    body = [
        " ".join(
            [
                *([_fill(rng.choice(sentences), rng)] if k < 2 else []),
                *(_filler(rng) for _ in range(rng.randint(2, 4))),
            ]
        )
        for k in range(rng.randint(6, 14))
    ]
    ld = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": e.headline,
        "datePublished": e.published.isoformat(),
        "dateModified": e.published.isoformat(),
        "mainEntityOfPage": e.url,
        "author": {"@type": "Person", "name": "Staff Reporter"},
        "publisher": {"@type": "Organization", "name": outlet},
    }
    nav = "".join(
        f'<li class="nav-item"><a href="/{s}/{k}">{s.title()} {k}</a></li>'
        for s in SECTIONS
        for k in range(14)
    )
    related = "".join(
        f'<li><a href="/{rng.choice(SECTIONS)}/more-{k}.html">{html.escape(_fill(rng.choice(OTHER_HEADLINES), rng))}</a></li>'
        for k in range(12)
    )
    head = (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(e.headline)} | {outlet}</title>"
        f'<link rel="canonical" href="{e.url}">'
        f'<meta property="og:title" content="{html.escape(e.headline)}">'
        f'<meta property="og:site_name" content="{outlet}"><meta property="og:url" content="{e.url}">'
        f'<meta property="article:published_time" content="{e.published.isoformat()}">'
        f'<meta name="description" content="{html.escape(e.summary)}">'
        f'<script type="application/ld+json">{json.dumps(ld)}</script>'
        f"<style>{_STYLE_BLOCK * 6}</style>"
    )
    article = (
        f'</head><body><header class="site-header"><a class="logo" href="/">{outlet}</a>'
        f'<nav class="main-nav"><ul>{nav}</ul></nav></header>'
        f'<div class="ad-slot" id="ad-top"></div><main><article class="article">'
        f"<h1>{html.escape(e.headline)}</h1>"
        f'<div class="byline">By Staff Reporter | {e.published:%B %d, %Y %H:%M} UTC</div>'
        f'<div class="share-bar"><a href="#">Share</a><a href="#">Tweet</a><a href="#">Email</a></div>'
        f'<div class="article-body">'
        + "".join(f"<p>{html.escape(p)}</p>" for p in lead + body)
        + '</div><div class="also-read">Also read: <a href="/world/more.html">More from this section</a></div>'
        f"</article><aside><h2>Most read</h2><ul>{related}</ul></aside></main>"
        '<section class="comments"><h3>Comments</h3><p>Log in to join the conversation.</p></section>'
        f'<footer><ul class="footer-links">{nav[:4000]}</ul><p>© 2026 {outlet}. All rights reserved.</p></footer>'
    )
    scripts = []
    size = len(head) + len(article)
    block = 0
    while size < target:
        chunk = "<script>" + (_SCRIPT_BLOCK % (block, feed)) * 8 + "</script>"
        scripts.append(chunk)
        size += len(chunk)
        block += 1
    return (head + article + "".join(scripts) + "</body></html>").encode("utf-8")


def page_paths(spec: WebSpec, feed: int, kinds: tuple[str, ...] = KINDS) -> Iterator[str]:
    for e in items(spec, feed):
        if e.kind in kinds:
            yield "/" + e.url.split("/", 3)[3]
