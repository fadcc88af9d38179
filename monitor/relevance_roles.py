"""Who plays which part in a sentence of news: the roles the relevance scorer reads (pure).

Naming both India and the US is not enough: a headline may be about a third party's dealings
with one side, with the other side only its topic. Three shapes of sentence are read here:

- a background clause ("Amid US tariffs, ..."): the sides it names set the scene, they are
  not the story;
- a third country as the counterpart: a side calls, meets, visits, thanks or holds talks with
  a third country's leader or government ("Modi thanks Putin ...", "Macron calls PM Modi"), or
  the two open the sentence as its joint subject ("India, France discuss US missile plans"),
  while the other side comes up only after that exchange, as what was talked about;
- a third country as the speaker ("..., says Chinese envoy", "...: Russia"): its comment on
  the two sides' dealings is its own story, not theirs.

A side named before the exchange ("US hails ties with India as Modi meets Putin") leads the
sentence, and the exchange is only its setting: no third-party role then.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

SIDES = ("india", "us")

_BACKGROUND = re.compile(r"\bamid(?:st)?\s[^,;:|]*", re.IGNORECASE)

# Words of a name or an office between a country and its verb: "India's Deputy NSA visits".
_TITLE = (
    r"(?:[A-Z][\w.&'-]*|of|the|for|foreign|deputy|minister|ministry|government|embassy|envoy|"
    r"ambassador|president|spokesperson|spokesman|official|officials|leader|leaders|chief|"
    r"delegation|counterpart|crown|prince|king|emir|premier|chancellor|army|interim|acting|top)"
)
_QUOTED = r"(?:['\"“][^'\"”]{1,30}['\"”])"
_CONTACT = (
    r"(?:calls?(?:\s+up)?|called(?:\s+up)?|dials?|dialled|phones?|(?:speaks?|spoke|talks?|talked)\s+(?:to|with)|"
    r"(?:to\s+)?meets?|met(?:\s+with)?|thanks?|thanked|congratulates?|congratulated|hosts?|hosted|"
    r"receives?|received|(?:to\s+)?visits?|visited|(?:holds?|held)\s+talks\s+with|"
    r"(?:to\s+)?discuss(?:es|ed)?)"
)
_EXCHANGE = re.compile(
    rf"(?:'s)?(?:\s+{_TITLE}){{0,5}}\s+{_CONTACT}(?:\s+(?:{_TITLE}|{_QUOTED}|with|to)){{0,4}}\s+"
)
_COORDINATED = re.compile(r"\s*(?:[,;&]|and)\s*")
_LEADING_TITLES = re.compile(rf"\s*(?:{_TITLE}\s+)*")  # nothing but names before: the pair is the subject
_SPEAKS = re.compile(rf"(?:'s)?(?:\s+{_TITLE}){{0,5}}\s+(?:says|said|claims|claimed|asserts)\b")
_ATTRIBUTION = re.compile(r":\s*([^:\"“”]+)$")
_ATTRIBUTION_WORDS = 14


@dataclass(frozen=True, slots=True)
class Hit:
    """A term found in a sentence: its list, its text, where it is, and how much it counts there."""

    list: str
    text: str
    start: int
    end: int
    factor: float = 1.0


def background_spans(unit: str) -> list[tuple[int, int]]:
    """The clauses of ``unit`` that only set the scene: "amid ..." up to the next punctuation."""
    return [match.span() for match in _BACKGROUND.finditer(unit)]


def third_party_role(unit: str, hits: Sequence[Hit]) -> str | None:
    """How a third country takes the story from the two sides, described; None when it does not.

    ``hits`` are the sides' and third countries' terms in ``unit``, in order, each side term with
    its factor (0 where it belongs to a third country, as in "Pakistan PM"); background hits left out.
    """
    sides = [h for h in hits if h.list in SIDES and h.factor > 0]
    thirds = [h for h in hits if h.list == "countries"]
    if not thirds:
        return None
    speaker = _third_party_speaker(unit, sides, thirds)
    if speaker:
        return speaker
    for side in sides:
        for third in thirds:
            first, second = (side, third) if side.start < third.start else (third, side)
            gap = unit[first.end : second.start]
            exchange = _EXCHANGE.fullmatch(gap)
            joint_subject = _COORDINATED.fullmatch(gap) and _LEADING_TITLES.fullmatch(unit, 0, first.start)
            if not (exchange or joint_subject):
                continue
            if any(h.list != side.list and h.start < first.start for h in sides):
                continue  # the other side leads the sentence; the exchange is its setting
            return f"{third.text!r} is the counterpart of {side.text!r}"
    return None


def _third_party_speaker(unit: str, sides: list[Hit], thirds: list[Hit]) -> str | None:
    attribution = _ATTRIBUTION.search(unit)
    if attribution and len(attribution.group(1).split()) <= _ATTRIBUTION_WORDS:
        after = [h for h in (*sides, *thirds) if h.start >= attribution.start(1)]
        first = min(after, key=lambda h: h.start, default=None)
        if first is not None and first.list == "countries":
            return f"{first.text!r} is the speaker"
    lead = min((*sides, *thirds), key=lambda h: h.start)
    if lead.list == "countries" and _SPEAKS.match(unit, lead.end):
        return f"{lead.text!r} is the speaker"
    return None
