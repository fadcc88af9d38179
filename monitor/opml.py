"""OPML 2.0 subscription lists, as feed readers import and export them (pure).

Reading accepts what Feedly, Inoreader, Miniflux, NetNewsWire and older readers write:
feeds are ``<outline>`` elements with an ``xmlUrl`` (any letter case), nested to any depth
inside category outlines; ``text`` or ``title`` names them. Writing follows the OPML 2.0
spec: ``type="rss"``, ``text`` and ``title``, ``xmlUrl``, and ``htmlUrl`` when known.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import format_datetime

from lxml import etree

from monitor.errors import FormatError

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription: its feed URL, name, site URL, and the categories it sits in (outermost first)."""

    xml_url: str
    title: str = ""
    html_url: str = ""
    categories: tuple[str, ...] = ()


def parse_opml(data: bytes, source: str = "<opml>") -> list[OpmlFeed]:
    """Every feed outline of an OPML document, in document order.

    Real exports are often not well-formed (a bare ``&`` in a description): the parser
    recovers from such errors as readers do. Entities are never expanded, nothing is fetched."""
    if _ENTITY_DECLARATION.search(data):
        raise FormatError(f"{source}: entity declarations are not accepted in OPML")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"{source}: not XML ({exc})") from None
    if root is None or _local(root.tag) != "opml":
        found = "nothing readable" if root is None else f"<{_local(root.tag)}>"
        raise FormatError(f"{source}: not an OPML document (root element is {found})")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise FormatError(f"{source}: OPML document without a <body>")
    return list(_walk(body, ()))


def _walk(element: etree._Element, categories: tuple[str, ...]) -> Iterator[OpmlFeed]:
    for child in element:
        if not isinstance(child.tag, str) or _local(child.tag) != "outline":
            continue
        attributes = {str(key).lower(): str(value).strip() for key, value in child.attrib.items()}
        name = attributes.get("title") or attributes.get("text") or ""
        xml_url = attributes.get("xmlurl", "")
        if xml_url:
            yield OpmlFeed(xml_url, name, attributes.get("htmlurl", ""), categories)
        else:
            yield from _walk(child, (*categories, name) if name else categories)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1].lower()


def render_opml(feeds: Iterable[OpmlFeed], *, title: str, created: dt.datetime) -> str:
    """An OPML 2.0 document; feeds with categories are nested under one outline per category path."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    ET.SubElement(head, "dateCreated").text = format_datetime(created)
    body = ET.SubElement(root, "body")
    folders: dict[tuple[str, ...], ET.Element] = {(): body}
    for feed in feeds:
        parent = body
        for depth in range(1, len(feed.categories) + 1):
            path = feed.categories[:depth]
            if path not in folders:
                folders[path] = ET.SubElement(parent, "outline", text=path[-1], title=path[-1])
            parent = folders[path]
        name = feed.title or feed.xml_url
        attributes = {"type": "rss", "text": name, "title": name, "xmlUrl": feed.xml_url}
        if feed.html_url:
            attributes["htmlUrl"] = feed.html_url
        ET.SubElement(parent, "outline", attributes)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
