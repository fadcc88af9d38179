"""Score a news item for India–US relevance and explain the score (pure).

The score is the sum of the weights of its matches, so every point of it can be shown:

- each side (India, US) adds up to ``SIDE_SHARE`` from its entities — the country, its
  capital, offices, leaders and officials, demonyms — weighted by where they occur
  (headline and lede count more than the body, and the body only by repetition);
- both sides named in one sentence, and bilateral cues ("India-US", Quad, H-1B…), add more;
- topics of the relationship (tariffs, visits, extradition…) add a little, up to a cap;
- negative cues (sports, markets, diaspora profiles, victims abroad, US legal cases against
  companies, many-country lists) subtract;
- a side named only in a scene-setting clause ("Amid US tariffs, ...") counts half and pairs
  with nothing, and a headline in which a third country is one side's counterpart or the
  speaker loses ``THIRD_PARTY_PENALTY`` (``monitor.relevance_roles``; not at the gate).

Both sides fully present come to just under the default threshold of 1.0: a story needs one
more sign — a same-sentence pairing, a bilateral cue or a topic — to count. One side alone
reaches the threshold only with a bilateral cue, which is how "Trump hikes H-1B visa fees"
gets in while "Trump meets Xi" stays out. The term lists are data
(``monitor/data/relevance_terms.toml``), extendable from the config.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from monitor.pickling import pickled_by_fields
from monitor.relevance_roles import Hit, background_spans, third_party_role
from monitor.relevance_terms import (
    TERM_LISTS,
    Term,
    TermIndex,
    load_terms,
    mask,
    normalise_punctuation,
    word_keys,
)

__all__ = ["TERM_LISTS", "Decision", "Match", "Scorer"]

FIELD_FACTORS = {"headline": 1.0, "summary": 0.8, "lede": 0.8, "body": 0.2}
MAX_REPEATS = {"headline": 1, "summary": 2, "lede": 2, "body": 5}  # repeats that still add evidence
SIDE_SHARE = 0.45  # what one fully present side adds to the score
PAIR_WEIGHTS = {"headline": 0.25, "summary": 0.2, "lede": 0.2, "body": 0.05}
CAPS = {"side": 1.0, "bilateral": 1.0, "topics": 0.3, "negative": 1.0, "pair": 0.4}
BYSTANDER_FACTOR = 0.5  # a side named as a place ("in the US") or beside a third country ("US-China")
BACKGROUND_FACTOR = 0.5  # a side named in a clause that sets the scene ("Amid US tariffs, ...")
THIRD_PARTY_PENALTY = 0.5  # a third country is the counterpart or the speaker (monitor.relevance_roles)
IMPLIED_EVIDENCE = 0.8  # a side left implicit by a one-sided headline about cross-border dealings
STRONG_EVIDENCE = 0.8  # the named side must be at least this present for the other to be implied
COUNTRY_PENALTY, COUNTRY_PENALTY_CAP = 0.25, 0.6  # per third country beyond the second
GATE_RATIO = 0.4  # default gate threshold as a share of the decision threshold: one side suffices
LEDE_WORDS = 40  # the lede is the first paragraph, or the first two when the first is short

_SIDES = ("india", "us")
_UNIT_LISTS = ("india", "us", "bilateral", "topics", "dealings", "countries")
# Every break starts with a space, '|' or ';': the leading look-ahead, implied by each alternative,
# lets the regex engine pass over every other character at once (3x faster on a long text).
_SENTENCE_BREAK = re.compile(r"(?=[\s|;])(?:(?<=[.!?])(?<![.\s][A-Z]\.)\s+(?=[\"'“‘(A-Z0-9])|\s*[|;]\s+|\s*\n\s*)")
_LOCATIVE = re.compile(r"\b(?:in|across|inside|within|from)\s+(?:the\s+)?$", re.IGNORECASE)
_MARKET = re.compile(r"\b(?:expands?|expanding|expansion|foray)\s+(?:to|into|in)\s+(?:the\s+)?$", re.I)
_OWNER = re.compile(r"'s\b|\s+[A-Z]")
_JOINED = re.compile(r"\s*-\s*")
_MODIFIER = re.compile(r"-(?:based|born|made|listed|headquartered)\b", re.IGNORECASE)
_SHOUTING_MIN_LETTERS = 12


@dataclass(frozen=True, slots=True)
class Match:
    """One contribution to a score: a term found in a field, or a rule (``list == "rule"``)."""

    term: str
    list: str
    field: str
    weight: float
    count: int = 1

    def describe(self) -> str:
        times = f" ×{self.count}" if self.count > 1 else ""
        what = self.term if self.list == "rule" else repr(self.term)
        return f"{self.weight:+.2f} {self.list}: {what} in {self.field}{times}"


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Decision:
    """Whether an item is India–US relevant, with the score and the matches behind it."""

    relevant: bool
    score: float
    threshold: float
    stage: str
    matches: tuple[Match, ...]

    def reasons(self) -> list[str]:
        """One line per match, then the verdict."""
        verdict = "relevant" if self.relevant else "not relevant"
        sign = "≥" if self.relevant else "<"
        lines = [m.describe() for m in self.matches]
        lines.append(f"score {self.score:.2f} {sign} {self.stage} threshold {self.threshold:.2f}: {verdict}")
        return lines


def effective_gate_threshold(threshold: float, gate_threshold: float | None) -> float:
    """The gate's threshold: the configured one, else ``GATE_RATIO`` of the decision threshold."""
    return threshold * GATE_RATIO if gate_threshold is None else gate_threshold


class Scorer:
    """Scores items against the term lists, compiled once."""

    def __init__(
        self,
        *,
        threshold: float = 1.0,
        gate_threshold: float | None = None,
        extra_terms: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.threshold = threshold
        self.gate_threshold = effective_gate_threshold(threshold, gate_threshold)
        self._index = TermIndex(load_terms(extra_terms))
        self._gate_patterns = self._index.patterns_by_key(_gate_lists(self.gate_threshold))

    def may_pass_gate(self, title: str, summary: str = "") -> bool:
        """False only when ``gate`` would drop the item: none of the terms that can raise its score
        to the gate threshold occurs. A word lookup, then a search for the few terms those words
        can start ("new" starts "New Delhi" but is mostly just "new"): far cheaper than scoring."""
        if not self._gate_patterns:
            return True
        for text in (title, summary):
            if not text.strip():
                continue
            prepared = _prepare(text)
            for key in self._gate_patterns.keys() & word_keys(prepared):
                # search, not a match at the word: looser, so never a term missed
                if any(pattern.search(prepared) for pattern in self._gate_patterns[key]):
                    return True
        return False

    def gate(self, title: str, summary: str = "") -> Decision:
        """Cheap, recall-first check of a feed entry: is the page worth fetching?"""
        fields = [("headline", title), ("summary", summary)]
        return self._decision("gate", self.gate_threshold, fields, roles=False)

    def decide(self, title: str, summary: str = "", body: str = "") -> Decision:
        """The final decision; ``body`` is the article's paragraphs joined by newlines."""
        lede, rest = _split_lede(body)
        fields = [("headline", title), ("summary", summary), ("lede", lede), ("body", rest)]
        return self._decision("decide", self.threshold, fields, roles=True)

    def _decision(
        self, stage: str, threshold: float, fields: list[tuple[str, str]], *, roles: bool
    ) -> Decision:
        matches = self._matches([(name, text) for name, text in fields if text.strip()], roles=roles)
        score = round(sum(m.weight for m in matches), 4)
        return Decision(score >= threshold, score, threshold, stage, matches)

    def _matches(self, fields: list[tuple[str, str]], *, roles: bool) -> tuple[Match, ...]:
        """The matches of every field; with ``roles``, the headline is read for a third party's story."""
        mentions: dict[tuple[Term, str], list[float]] = defaultdict(list)
        pairs: list[Match] = []
        third_party: list[Match] = []
        for field, text in fields:
            raw = _prepare(text)
            hits = self._index.find(raw, TERM_LISTS)  # one reading of the text for every list
            ignored = [(start, end) for term, start, end in hits if term.list == "ignore"]
            for term, _, _ in hits:
                if term.list == "negative":
                    mentions[(term, field)].append(1.0)
            kept = [hit for hit in hits if hit[0].list in _UNIT_LISTS]
            if ignored:
                kept = [hit for hit in kept if not _overlaps(hit, ignored)]
            masked = mask(raw, ignored) if ignored else raw
            remaining = iter(kept)  # in text order, as are the units
            hit = next(remaining, None)
            for start, end in _unit_spans(field, masked):
                unit_hits = []
                while hit is not None and hit[1] < end:
                    unit_hits.append((hit[0], hit[1] - start, hit[2] - start))
                    hit = next(remaining, None)
                if not unit_hits:
                    continue
                found = _Context(masked[start:end], unit_hits).read()
                for mention in found:
                    mentions[(mention.term, field)].append(mention.factor)
                foreground = [mention for mention in found if not mention.background]
                pairs.extend(_pair(field, foreground))
                if roles and field == "headline":
                    third_party = _third_party(masked[start:end], foreground)
        by_list: dict[str, list[tuple[Term, str, list[float]]]] = {name: [] for name in TERM_LISTS}
        for (term, field), factors in mentions.items():
            by_list[term.list].append((term, field, factors))
        sides = {side: _capped(_evidence(by_list[side]), CAPS["side"], SIDE_SHARE) for side in _SIDES}
        has_body = any(field in ("lede", "body") for field, _ in fields)
        return (
            *sides["india"],
            *sides["us"],
            *_capped(_evidence(by_list["bilateral"]), CAPS["bilateral"], 1.0),
            *_capped(_evidence(by_list["topics"] + by_list["dealings"]), CAPS["topics"], 1.0),
            *_capped(_evidence(by_list["negative"]), CAPS["negative"], -1.0),
            *_capped([(m, m.weight) for m in pairs], CAPS["pair"], 1.0),
            *([] if has_body else _implied_side(sides, by_list)),
            *_many_countries(by_list["countries"]),
            *third_party,
        )


class _Mention(NamedTuple):
    """A term found in a sentence, with the factor of how it is used there."""

    term: Term
    start: int
    end: int
    factor: float
    background: bool  # in a clause that only sets the scene


class _Context:
    """How a side is named in one sentence: as the state, or as a bystander to the story."""

    def __init__(self, unit: str, hits: list[tuple[Term, int, int]]) -> None:
        self.unit = unit
        self.hits = hits
        self.countries = [(start, end) for term, start, end in hits if term.list == "countries"]
        self.people = {term.list for term, _, _ in hits if term.people}
        self.background = background_spans(unit)

    def read(self) -> list[_Mention]:
        """Each hit with its factor, and whether it stands in a background clause."""
        read = []
        for term, start, end in self.hits:
            background = bool(self.background) and any(a <= start < b for a, b in self.background)
            factor = self.factor(term, start, end)
            if background and term.list in _SIDES:
                factor = min(factor, BACKGROUND_FACTOR)
            read.append(_Mention(term, start, end, factor, background))
        return read

    def factor(self, term: Term, start: int, end: int) -> float:
        if term.list not in _SIDES:
            return 1.0
        if any(self.unit[c_end:start].isspace() for _, c_end in self.countries):
            return 0.0  # "Canadian PM", "Pakistan PM": the third country's office, not India's
        other = "us" if term.list == "india" else "india"
        if self._named_as_place(start, end) and (other in self.people or self._other_is_a_place(other)):
            return BYSTANDER_FACTOR  # "Indian national killed in US", "banned in US, sold in India"
        if _MODIFIER.match(self.unit, end) or self._joined_to_country(start, end):
            return BYSTANDER_FACTOR  # "US-based NGO", "US-China trade war"
        if _MARKET.search(self.unit, 0, start):
            return BYSTANDER_FACTOR  # "app maker expands to US": a company's market, not the state
        return 1.0

    def _other_is_a_place(self, other: str) -> bool:
        return any(term.list == other and self._named_as_place(s, e) for term, s, e in self.hits)

    def _named_as_place(self, start: int, end: int) -> bool:
        # "in the US" is a place; "the US's" and "from the US Navy" name the state and its arms
        return bool(_LOCATIVE.search(self.unit, 0, start)) and not _OWNER.match(self.unit, end)

    def _joined_to_country(self, start: int, end: int) -> bool:
        return any(
            _JOINED.fullmatch(self.unit[end:c_start] if c_start >= end else self.unit[c_end:start])
            for c_start, c_end in self.countries
        )


def _gate_lists(threshold: float) -> tuple[str, ...]:
    """The lists one of whose terms an item needs to reach ``threshold`` at the gate; () when none is needed.

    Without a side or a bilateral term the only positive matches are topics and dealings, capped
    together at ``CAPS["topics"]`` (pairs and an implied side need a side); without those either,
    the score is at most 0.
    """
    if threshold <= 0:
        return ()
    if threshold <= CAPS["topics"]:
        return (*_SIDES, "bilateral", "topics", "dealings")
    return (*_SIDES, "bilateral")


def _prepare(text: str) -> str:
    text = normalise_punctuation(text)
    if not text.isupper():  # cheap test first: almost no text is all capitals
        return text
    letters = [c for c in text if c.isalpha()]
    # In an all-capitals text "US" may be the pronoun: match it as lower case, where only the
    # case-insensitive terms (India, Washington, Trump…) can match.
    if len(letters) >= _SHOUTING_MIN_LETTERS and all(c.isupper() for c in letters):
        return text.lower()
    return text


def _unit_spans(field: str, text: str) -> list[tuple[int, int]]:
    """Where the sentences of a field are; a headline is one unit, whatever its punctuation."""
    if field == "headline":
        return [(0, len(text))]
    spans, start = [], 0
    for brk in _SENTENCE_BREAK.finditer(text):
        spans.append((start, brk.start()))
        start = brk.end()
    spans.append((start, len(text)))
    return spans


def _overlaps(hit: tuple[Term, int, int], spans: list[tuple[int, int]]) -> bool:
    return any(start < hit[2] and hit[1] < end for start, end in spans)


def _third_party(unit: str, found: list[_Mention]) -> list[Match]:
    if not any(m.term.list == "countries" for m in found):
        return []
    hits = [
        Hit(m.term.list, m.term.text, m.start, m.end, m.factor)
        for m in found
        if m.term.list in _SIDES or m.term.list == "countries"
    ]
    role = third_party_role(unit, hits)
    if role is None:
        return []
    return [Match(f"third party's story: {role}", "rule", "headline", -THIRD_PARTY_PENALTY)]


def _pair(field: str, found: list[_Mention]) -> list[Match]:
    india = [(m.term, m.factor) for m in found if m.term.list == "india"]
    us = [(m.term, m.factor) for m in found if m.term.list == "us"]
    if not india or not us:
        return []
    best_india = max(india, key=lambda hit: hit[0].weight * hit[1])
    best_us = max(us, key=lambda hit: hit[0].weight * hit[1])
    weight = PAIR_WEIGHTS[field] * min(best_india[0].weight * best_india[1], best_us[0].weight * best_us[1])
    label = f"both sides in one sentence ({best_india[0].text!r} and {best_us[0].text!r})"
    return [Match(label, "rule", field, weight)]


def _evidence(found: Iterable[tuple[Term, str, list[float]]]) -> list[tuple[Match, float]]:
    """Each (term, field) with its uncapped value: weight × field factor × its counted mentions."""
    return [
        (
            Match(term.text, term.list, field, 0.0, len(factors)),
            term.weight * FIELD_FACTORS[field] * _counted(factors, MAX_REPEATS[field]),
        )
        for term, field, factors in found
    ]


def _counted(factors: list[float], most: int) -> float:
    """The sum of the ``most`` strongest mentions."""
    if len(factors) == 1:
        return factors[0]
    return sum(sorted(factors, reverse=True)[:most])


def _implied_side(
    sides: dict[str, list[Match]], by_list: dict[str, list[tuple[Term, str, list[float]]]]
) -> list[Match]:
    """A headline naming one side, dealings across a border and no third country implies the other."""
    evidence = {side: sum(m.weight for m in sides[side]) / SIDE_SHARE for side in _SIDES}
    named = [side for side in _SIDES if evidence[side] >= STRONG_EVIDENCE]
    if len(named) != 1 or not by_list["dealings"] or by_list["countries"]:
        return []
    other = "us" if named == ["india"] else "india"
    missing = max(IMPLIED_EVIDENCE - evidence[other], 0.0)
    if not missing:
        return []
    label = f"{other} side implied: one-sided dealings, no third country"
    return [Match(label, "rule", "headline", round(SIDE_SHARE * missing, 4))]


def _capped(items: list[tuple[Match, float]], cap: float, scale: float) -> list[Match]:
    """Matches weighted ``scale`` × value, strongest first, until their values reach ``cap``."""
    if not items:
        return []
    left = cap
    weighted = []
    for match, value in sorted(items, key=lambda item: -item[1]):
        taken = min(value, left)
        left -= taken
        weighted.append(Match(match.term, match.list, match.field, round(scale * taken, 4), match.count))
    return weighted


def _many_countries(found: list[tuple[Term, str, list[float]]]) -> list[Match]:
    """Penalise stories naming three or more third countries (outside the body): round-ups."""
    names = sorted({term.text for term, field, _ in found if field != "body"})
    if len(names) < 3:
        return []
    field = next(field for _, field, _ in found if field != "body")
    penalty = min(COUNTRY_PENALTY * (len(names) - 2), COUNTRY_PENALTY_CAP)
    return [Match(f"third countries named: {', '.join(names)}", "rule", field, -penalty)]


def _split_lede(body: str) -> tuple[str, str]:
    paragraphs = [p for p in body.split("\n") if p.strip()]
    if not paragraphs:
        return "", ""
    lede_size = 2 if len(paragraphs[0].split()) < LEDE_WORDS and len(paragraphs) > 1 else 1
    return "\n".join(paragraphs[:lede_size]), "\n".join(paragraphs[lede_size:])
