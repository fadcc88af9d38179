"""Score a news item for India–US relevance and explain the score (pure).

The score is the sum of the weights of its matches, so every point of it can be shown:

- each side (India, US) adds up to ``SIDE_SHARE`` from its entities — the country, its
  capital, offices, leaders and officials, demonyms — weighted by where they occur
  (headline and lede count more than the body, and the body only by repetition);
- both sides named in one sentence, and bilateral cues ("India-US", Quad, H-1B…), add more;
- topics of the relationship (tariffs, visits, extradition…) add a little, up to a cap;
- negative cues (sports, markets, diaspora profiles, many-country lists) subtract.

Both sides fully present come to just under the default threshold of 1.0: a story needs one
more sign — a same-sentence pairing, a bilateral cue or a topic — to count. One side alone
reaches the threshold only with a bilateral cue, which is how "Trump hikes H-1B visa fees"
gets in while "Trump meets Xi" stays out. The term lists are data
(``monitor/data/relevance_terms.toml``), extendable from the config.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from monitor.relevance_terms import TERM_LISTS, Term, TermMatcher, load_terms, normalise_punctuation

__all__ = ["TERM_LISTS", "Decision", "Match", "Scorer"]

FIELD_FACTORS = {"headline": 1.0, "summary": 0.8, "lede": 0.8, "body": 0.2}
MAX_REPEATS = {"headline": 1, "summary": 2, "lede": 2, "body": 5}  # repeats that still add evidence
SIDE_SHARE = 0.45  # what one fully present side adds to the score
PAIR_WEIGHTS = {"headline": 0.2, "summary": 0.15, "lede": 0.15, "body": 0.05}
CAPS = {"side": 1.0, "bilateral": 1.0, "topics": 0.3, "negative": 1.0, "pair": 0.4}
COUNTRY_PENALTY, COUNTRY_PENALTY_CAP = 0.25, 0.6  # per third country beyond the first
GATE_RATIO = 0.55  # default gate threshold as a share of the decision threshold
LEDE_WORDS = 40  # the lede is the first paragraph, or the first two when the first is short

_SIDES = ("india", "us")
_UNIT_LISTS = ("india", "us", "bilateral", "topics", "countries")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])(?<![.\s][A-Z]\.)\s+(?=[\"'“‘(A-Z0-9])|\s*[|;]\s+")
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
        self.gate_threshold = threshold * GATE_RATIO if gate_threshold is None else gate_threshold
        self._matchers = {name: TermMatcher(terms) for name, terms in load_terms(extra_terms).items()}

    def gate(self, title: str, summary: str = "") -> Decision:
        """Cheap, recall-first check of a feed entry: is the page worth fetching?"""
        return self._decision("gate", self.gate_threshold, [("headline", title), ("summary", summary)])

    def decide(self, title: str, summary: str = "", body: str = "") -> Decision:
        """The final decision; ``body`` is the article's paragraphs joined by newlines."""
        lede, rest = _split_lede(body)
        fields = [("headline", title), ("summary", summary), ("lede", lede), ("body", rest)]
        return self._decision("decide", self.threshold, fields)

    def _decision(self, stage: str, threshold: float, fields: list[tuple[str, str]]) -> Decision:
        matches = self._matches([(name, text) for name, text in fields if text.strip()])
        score = round(sum(m.weight for m in matches), 4)
        return Decision(score >= threshold, score, threshold, stage, matches)

    def _matches(self, fields: list[tuple[str, str]]) -> tuple[Match, ...]:
        counts: Counter[tuple[Term, str]] = Counter()
        pairs: list[Match] = []
        for field, text in fields:
            raw = _prepare(text)
            counts.update((term, field) for term, _, _ in self._matchers["negative"].finditer(raw))
            for unit in _units(field, self._matchers["ignore"].mask(raw)):
                found = [term for name in _UNIT_LISTS for term, _, _ in self._matchers[name].finditer(unit)]
                counts.update((term, field) for term in found)
                pairs.extend(_pair(field, found))
        by_list: dict[str, list[tuple[Term, str, int]]] = {name: [] for name in TERM_LISTS}
        for (term, field), count in counts.items():
            by_list[term.list].append((term, field, count))
        return (
            *_capped(_evidence(by_list["india"]), CAPS["side"], SIDE_SHARE),
            *_capped(_evidence(by_list["us"]), CAPS["side"], SIDE_SHARE),
            *_capped(_evidence(by_list["bilateral"]), CAPS["bilateral"], 1.0),
            *_capped(_evidence(by_list["topics"]), CAPS["topics"], 1.0),
            *_capped(_evidence(by_list["negative"]), CAPS["negative"], -1.0),
            *_capped([(m, m.weight) for m in pairs], CAPS["pair"], 1.0),
            *_many_countries(by_list["countries"]),
        )


def _prepare(text: str) -> str:
    text = normalise_punctuation(text)
    letters = [c for c in text if c.isalpha()]
    # In an all-capitals text "US" may be the pronoun: match it as lower case, where only the
    # case-insensitive terms (India, Washington, Trump…) can match.
    if len(letters) >= _SHOUTING_MIN_LETTERS and all(c.isupper() for c in letters):
        return text.lower()
    return text


def _units(field: str, text: str) -> list[str]:
    """The sentences of a field; a headline is one unit, whatever its punctuation."""
    if field == "headline":
        return [text]
    return [unit for paragraph in text.split("\n") for unit in _SENTENCE_BREAK.split(paragraph)]


def _pair(field: str, found: list[Term]) -> list[Match]:
    india = [t for t in found if t.list == "india"]
    us = [t for t in found if t.list == "us"]
    if not india or not us:
        return []
    best_india = max(india, key=lambda t: t.weight)
    best_us = max(us, key=lambda t: t.weight)
    weight = PAIR_WEIGHTS[field] * min(best_india.weight, best_us.weight)
    label = f"both sides in one sentence ({best_india.text!r} and {best_us.text!r})"
    return [Match(label, "rule", field, weight)]


def _evidence(found: Iterable[tuple[Term, str, int]]) -> list[tuple[Match, float]]:
    """Each (term, field) with its uncapped value: weight × field factor × counted repeats."""
    return [
        (Match(term.text, term.list, field, 0.0, count),
         term.weight * FIELD_FACTORS[field] * min(count, MAX_REPEATS[field]))
        for term, field, count in found
    ]


def _capped(items: list[tuple[Match, float]], cap: float, scale: float) -> list[Match]:
    """Matches weighted ``scale`` × value, strongest first, until their values reach ``cap``."""
    left = cap
    weighted = []
    for match, value in sorted(items, key=lambda item: -item[1]):
        taken = min(value, left)
        left -= taken
        weighted.append(Match(match.term, match.list, match.field, round(scale * taken, 4), match.count))
    return weighted


def _many_countries(found: list[tuple[Term, str, int]]) -> list[Match]:
    """Penalise stories naming several third countries (outside the body): lists, round-ups."""
    names = sorted({term.text for term, field, _ in found if field != "body"})
    if len(names) < 2:
        return []
    field = next(field for _, field, _ in found if field != "body")
    penalty = min(COUNTRY_PENALTY * (len(names) - 1), COUNTRY_PENALTY_CAP)
    return [Match(f"third countries named: {', '.join(names)}", "rule", field, -penalty)]


def _split_lede(body: str) -> tuple[str, str]:
    paragraphs = [p for p in body.split("\n") if p.strip()]
    if not paragraphs:
        return "", ""
    lede_size = 2 if len(paragraphs[0].split()) < LEDE_WORDS and len(paragraphs) > 1 else 1
    return "\n".join(paragraphs[:lede_size]), "\n".join(paragraphs[lede_size:])
