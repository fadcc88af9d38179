"""Lines of text → the article's paragraphs (pure): bylines, datelines, captions, wire disclaimers,
"also read" and share prompts dropped. Used on trafilatura's output for a page, and on a feed
entry's own HTML content when the page cannot be had.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html import unescape

import lxml.html
from lxml.etree import ParserError
from lxml.html import HtmlElement

from monitor.text import normalise_line, normalise_paragraphs

# One alternation, matched once per line: 31 separate patterns cost 31 calls a paragraph.
_NOISE_LINE = re.compile(
    "|".join(
        f"(?:{pattern})"
        for pattern in (
        # bylines
        r"(?:written|reported|edited|compiled|posted|authored|story|text)\s+by\s*:?\s+.{1,100}",
        r"by\s*:?\s+(?!the\b|a\b|an\b|then\b|now\b|contrast\b|comparison\b|far\b|mid\b|late\b|early\b)"
        r"(?-i:[A-Z][\w.'’-]*)(?:\s+(?:(?-i:[A-Z][\w.'’-]*)|and|&|de|van|von|bin|al))*"
        r"(?:\s*[|/–—-].{0,80}|,\s*(?-i:[A-Z0-9])[\w .,:'’-]{0,50}(?<!\.))?",
        r"(?:author|reporter|correspondent)s?\s*:.{1,80}",
        # datelines and time stamps alone on a line
        r"(?-i:[A-Z][A-Z .'-]{1,40})(?:,\s*[A-Za-z]{3,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s*"
        r"(?:\((?:Reuters|AP|AFP|PTI|ANI|IANS|UNI|Bloomberg|Xinhua|dpa|AAP|IPS)\))?\s*[:—–-]+",
        r"[A-Z][A-Za-z .'-]{1,40}(?:,\s*[A-Za-z]{3,9}\.?\s+\d{1,2}(?:,\s*\d{4})?)?\s*"
        r"\((?:Reuters|AP|AFP|PTI|ANI|IANS|UNI|Bloomberg|Xinhua|dpa|AAP|IPS)\)\s*[:—–-]*",
        r"(?:first\s+)?(?:published|updated|last\s+updated|posted|modified)(?:\s+(?:on|at)\b|\s*[:\-–—|])"
        r"(?=.*\d).{0,60}",
        # captions and photo credits
        r"\(?\s*(?:file\s+)?(?:photo|image|picture|pic|video|graphic|illustration)s?(?:\s+credits?)?\s*"
        r"(?:[:|/]|by\b|courtesy\b).{0,150}",
        r".{0,250}[|(]\s*(?:photo|image|picture|pic)s?(?:\s+credits?)?\s*:\s*[^.]{1,60}\)?",
        r"\(?\s*(?:AP|AFP|Reuters|PTI|ANI|IANS|Getty Images|Bloomberg|File|agencies|TNN|ET Bureau|ET Online"
        r"|Express News Service|Press Trust of India|(?:HT|Our|Special) Correspondent"
        r"|(?:News|Web|Online) Desk)(?:\s+photo)?\s*\)?",
        r"representational\s+(?:image|photo|picture).{0,80}",
        # wire disclaimers and credits
        r"\(?\s*only the headline and picture of this report may have been reworked.*",
        r"\(?\s*except for the headline,? this story has not been edited.*",
        r"\(?\s*this (?:story|article|report) (?:has not been|was not) edited by.*",
        r"\(?\s*this (?:story|article) (?:has been|is) (?:auto-generated|published) from a "
        r"(?:syndicated|wire).*",
        r"\(?\s*(?:this is an )?auto-generated (?:story|article) from (?:a )?syndicated feed.*",
        r"\(?\s*disclaimer\s*:.*",
        r"\(\s*(?:reporting|writing|additional reporting|editing|compiled)\s+by\b.*\)",
        r"\(\s*with (?:inputs|input) from .{1,60}\)",
        r"our standards\s*:.*",
        r"the post .{1,300} appeared first on .{1,100}",
        # navigation, subscription and share prompts
        r"(?:also read|read also|read more|more read|must read|read|see also|related|recommended|also watch"
        r"|watch|suggested|trending|read next|next story|don't miss)\s*(?:[:|>»-]|\bhere\b|$).{0,300}",
        r"(?:click|tap) here\b.{0,200}",
        r"(?:subscribe|sign up|signup|register)\b.{0,100}\b(?:newsletters?|to (?:our|the|my)"
        r"|for (?:our|free|the latest|updates|alerts)|now|today|here|channel|edition|youtube)\b.{0,100}"
        r"|subscribe|sign up|signup",
        r"(?:log ?in|sign in)\b.{0,60}\b(?:to|with|for)\b.{0,60}",
        r"(?:share|tweet|email|print|copy link|whatsapp|facebook|twitter|linkedin|telegram)"
        r"(?:\s+(?:this|the|on|via|article|story|link|to|with|your|friends|facebook|twitter|whatsapp|x))*\s*[:!.]?",
        r"(?:follow|join) (?:us|our|the) .{0,120}(?:twitter|facebook|instagram|whatsapp|telegram|google news"
        r"|youtube|channel|linkedin|x)\b.{0,60}",
        r"(?:download|get) (?:the|our) .{0,60}\bapp\b.{0,120}",
        r"(?:catch|get|check out) (?:all )?the (?:latest|breaking|business|live).{0,80}news.{0,200}",
        r"(?:\d+\s+)?comments?|leave a (?:comment|reply)|post a comment|trending(?: (?:on|in|now) .{1,30})?",
        r".{0,200}\bsubscri(?:be|ption)s?\b.{0,200}\b(?:for as little as|use (?:the )?code)\b.{0,200}",
        r"advertisement|story continues below(?: this)? ad(?:vertisement)?|continue reading.{0,40}|"
        r"scroll (?:down )?to continue.{0,40}|skip (?:this )?ad.{0,20}|sponsored|loading\.*|"
        r"all rights reserved\.?|(?:©|copyright)\s*(?:\d{4}|\().{0,150}",
        )
    ),
    re.IGNORECASE,
)
_DATE_WORD = re.compile(
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may"
    r"|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?|updated|published)\b"
    r"|\d{1,4}[./-]\d{1,2}[./-]\d{2,4}",
    re.IGNORECASE,
)
_DATE_PARTS = re.compile(
    r"\b(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|mon|tue|wed|thu|fri|sat|sun|jan(?:uary)?|feb(?:ruary)?"
    r"|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?"
    r"|dec(?:ember)?|[ap]\.?m|ist|gmt|utc|edt|est|pdt|pst|cet|cst|bst|updated|published|posted|on|at|hrs?)\b"
    r"|[\d\s,.:/|()+–—-]+",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"^\s*[-•*]\s+")


def _is_noise(line: str) -> bool:
    """A line that is not article text: byline, dateline, caption, disclaimer, prompt."""
    if not any(c.isalpha() for c in line):
        return True  # counters, ratings, page numbers
    if len(line) <= 80 and _DATE_WORD.search(line) and not _DATE_PARTS.sub("", line).strip():
        return True  # a date (and time) alone
    return _NOISE_LINE.fullmatch(line) is not None


def clean_paragraphs(lines: Iterable[str], headline: str | None = None) -> tuple[str, ...]:
    """Normalise, drop noise lines, repeats and a leading copy of the headline."""
    kept: list[str] = []
    seen: set[str] = set()
    skip = {normalise_line(headline).casefold()} if headline else set()
    lines = normalise_paragraphs([_LIST_MARKER.sub("", line) for line in lines])
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        key = line.casefold()
        if key in seen or (not kept and key in skip) or _is_noise(line):
            continue
        if len(line) <= 40 and line.isupper() and following.startswith(line):
            continue  # "MUMBAI" alone, then "MUMBAI (Reuters) - …"
        seen.add(key)
        kept.append(line)
    return tuple(kept)


_BLOCK_TAGS = {
    "p", "div", "section", "article", "header", "footer", "aside", "main", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "td",
    "th", "figure", "address", "hr", "br", "center", "details", "summary", "caption",
}  # fmt: skip
_DROPPED_TAGS = ("script", "style", "noscript", "figcaption", "iframe", "form", "button", "template", "svg")


def _block_text(element: HtmlElement, out: list[str]) -> None:
    if isinstance(element.tag, str):
        block = element.tag.lower() in _BLOCK_TAGS
        if block:
            out.append("\n")
        out.append(_flat(element.text))
        for child in element:
            _block_text(child, out)
        if block:
            out.append("\n")
    out.append(_flat(element.tail))


def _flat(text: str | None) -> str:
    """Source line breaks inside a block are spaces; only block boundaries end a paragraph."""
    return text.replace("\n", " ").replace("\r", " ") if text else ""


def paragraphs_from_html(fragment: str) -> tuple[str, ...]:
    """A feed entry's own content (HTML or plain text) → paragraphs, one per block element."""
    if not fragment or not fragment.strip():
        return ()
    if "<" not in fragment:
        return clean_paragraphs(re.split(r"\n\s*\n", unescape(fragment)))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError, AssertionError):  # lxml asserts on some broken documents
        return ()
    for element in list(root.iter(*_DROPPED_TAGS)):
        element.drop_tree()
    pieces: list[str] = [_flat(root.text)]
    for child in root:
        _block_text(child, pieces)
    return clean_paragraphs("".join(pieces).split("\n"))
