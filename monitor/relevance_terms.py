"""The relevance scorer's term lists: loading, extending from config, compiling (pure).

The built-in lists live in ``monitor/data/relevance_terms.toml``, whose header explains what
each list means and how a term matches. The config adds terms to any list by name.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from monitor.errors import ConfigError

TERM_LISTS: tuple[str, ...] = ("india", "us", "bilateral", "topics", "negative", "ignore", "countries")

_DATA_FILE = "relevance_terms.toml"
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-") | dict.fromkeys("‘’ʼ′", "'"))
_TERM_PIECES = re.compile(r"\w[\w.&'+]*|\s+|-|[^\w\s-]")
_ACRONYM = re.compile(r"[A-Z].*[A-Z]")


@dataclass(frozen=True, slots=True)
class Term:
    """One entry of a term list."""

    text: str
    list: str
    weight: float


def normalise_punctuation(text: str) -> str:
    """Every dash variant as '-' and every apostrophe as "'", so one pattern matches them all."""
    return text.translate(_DASHES)


def load_terms(extra_terms: Mapping[str, Sequence[str]] | None = None) -> dict[str, tuple[Term, ...]]:
    """The built-in lists, each extended by the config's terms for it (at the list's weight)."""
    data = tomllib.loads(resources.files("monitor.data").joinpath(_DATA_FILE).read_text("utf-8"))
    lists = {name: _builtin_list(name, data[name]) for name in TERM_LISTS}
    for name, terms in (extra_terms or {}).items():
        if name not in lists:
            known = ", ".join(TERM_LISTS)
            raise ConfigError(f"relevance.terms.{name}: unknown term list (known lists: {known})")
        weight = float(data[name]["weight"])
        lists[name] += tuple(_extra_term(name, term, weight) for term in terms)
    return lists


def _builtin_list(name: str, table: dict[str, Any]) -> tuple[Term, ...]:
    default = float(table["weight"])
    terms = []
    for entry in table["terms"]:
        if isinstance(entry, str):
            terms.append(Term(entry, name, default))
        else:
            terms.append(Term(entry["term"], name, float(entry["weight"])))
    return tuple(terms)


def _extra_term(name: str, term: object, weight: float) -> Term:
    if not isinstance(term, str) or not term.strip():
        raise ConfigError(f"relevance.terms.{name}: every term must be a non-empty string, got {term!r}")
    return Term(term.strip(), name, weight)


def term_pattern(term: str) -> str:
    """The regular expression of one term, following the matching rules of the data file."""
    pieces = []
    for piece in _TERM_PIECES.findall(normalise_punctuation(term)):
        if piece.isspace():
            pieces.append(r"\s+")
        elif piece == "-":
            pieces.append(r"\s*-\s*")
        elif _ACRONYM.search(piece):
            pieces.append(re.escape(piece))
        else:
            pieces.append(f"(?i:{re.escape(piece)})")
    return "".join(pieces)


def _whole_word(term: str) -> str:
    before = r"(?<![\w&])" if term[0].isalnum() else ""
    after = r"(?![\w&])" if term[-1].isalnum() else ""
    return before + term_pattern(term) + after


class TermMatcher:
    """All terms of one list compiled into a single pattern, matched as whole words."""

    def __init__(self, terms: Sequence[Term]) -> None:
        unique = {t.text: t for t in terms}  # a later entry (the config's) overrides a built-in one
        self.terms = tuple(sorted(unique.values(), key=lambda t: -len(t.text)))
        alternatives = "|".join(f"(?P<t{i}>{_whole_word(t.text)})" for i, t in enumerate(self.terms))
        self._pattern = re.compile(alternatives) if self.terms else None

    def finditer(self, text: str) -> Iterator[tuple[Term, int, int]]:
        """Each match in ``text`` as (term, start, end); ``text`` must be punctuation-normalised."""
        if self._pattern is None:
            return
        for match in self._pattern.finditer(text):
            assert match.lastgroup is not None
            yield self.terms[int(match.lastgroup[1:])], match.start(), match.end()

    def mask(self, text: str) -> str:
        """``text`` with every match blanked out, so that other lists cannot match inside it."""
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: "_" * len(m.group()), text)
