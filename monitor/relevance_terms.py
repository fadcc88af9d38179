"""The relevance scorer's term lists: loading, extending from config, compiling (pure).

The built-in lists live in ``monitor/data/relevance_terms.toml``, whose header explains what
each list means and how a term matches. The config adds terms to any list by name.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from monitor.errors import ConfigError

TERM_LISTS: tuple[str, ...] = (
    "india",
    "us",
    "bilateral",
    "topics",
    "dealings",
    "negative",
    "ignore",
    "countries",
)

_DATA_FILE = "relevance_terms.toml"
_PUNCTUATION = tuple((dict.fromkeys("‐‑‒–—―−", "-") | dict.fromkeys("‘’ʼ′", "'")).items())
_TERM_PIECES = re.compile(r"\w[\w.&'+]*|\s+|-|[^\w\s-]")
_ACRONYM = re.compile(r"[A-Z].*[A-Z]")


@dataclass(frozen=True, slots=True)
class Term:
    """One entry of a term list."""

    text: str
    list: str
    weight: float
    people: bool = False  # a demonym ("Indians"), not the state


def normalise_punctuation(text: str) -> str:
    """Every dash variant as '-' and every apostrophe as "'", so one pattern matches them all."""
    if text.isascii():
        return text
    for char, plain in _PUNCTUATION:  # far faster than str.translate on a non-ASCII text
        if char in text:
            text = text.replace(char, plain)
    return text


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
            terms.append(Term(entry["term"], name, float(entry["weight"]), bool(entry.get("people"))))
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


class TermIndex:
    """Every term of every list, indexed by its first word so that a text is read once.

    A regular expression with hundreds of alternatives is tried at every position of the
    text; looking each word up in a dict and trying only the few terms that start with it is
    a hundred times faster on a headline.
    """

    def __init__(self, lists: Mapping[str, Sequence[Term]]) -> None:
        self._candidates: dict[str, list[tuple[re.Pattern[str], Term]]] = {}
        for terms in lists.values():
            unique = {t.text: t for t in terms}  # a later entry (the config's) overrides a built-in one
            for term in unique.values():
                pattern = re.compile(
                    term_pattern(term.text) + (r"(?![\w&])" if term.text[-1].isalnum() else "")
                )
                self._candidates.setdefault(_key(term.text), []).append((pattern, term))
        for candidates in self._candidates.values():
            candidates.sort(key=lambda c: -len(c[1].text))  # the longest term wins a span

    def find(self, text: str, lists: Iterable[str]) -> list[tuple[Term, int, int]]:
        """Each match of a term of ``lists`` in ``text`` as (term, start, end); no overlaps within a list.

        ``text`` must be punctuation-normalised.
        """
        wanted = set(lists)
        free_from: dict[str, int] = {}
        found = []
        candidates_of = self._candidates.get
        for word in _WORD.finditer(text):
            candidates = candidates_of(word.group(1).replace(".", "").casefold())
            if candidates is None:
                continue
            at = word.start()
            for pattern, term in candidates:
                if term.list not in wanted or at < free_from.get(term.list, 0):
                    continue
                match = pattern.match(text, at)
                if match:
                    end = match.end()
                    found.append((term, at, end))
                    free_from[term.list] = end
        return found


    def patterns_by_key(self, lists: Iterable[str]) -> dict[str, tuple[re.Pattern[str], ...]]:
        """The patterns of the terms of ``lists`` under each index key: a text none of whose words
        is one of these keys, or in which none of that key's patterns occurs, matches none of those terms."""
        wanted = set(lists)
        found = {key: tuple(pattern for pattern, term in candidates if term.list in wanted)
                 for key, candidates in self._candidates.items()}
        return {key: patterns for key, patterns in found.items() if patterns}


def word_keys(text: str) -> set[str]:
    """The index key of every word of ``text`` (punctuation-normalised), as ``TermIndex.find`` looks them up."""
    return {word.replace(".", "").casefold() for word in _WORD.findall(text)}


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each span blanked out, so that no term matches inside it."""
    for start, end in spans:
        text = text[:start] + "_" * (end - start) + text[end:]
    return text


_WORD = re.compile(r"(?<![\w&])(\w[\w&+.]*)[\w&+.']*")  # group 1: up to an apostrophe ("India's")


def _key(word: str) -> str:
    """The index key of a term or a word of text: its first word, case-folded, without dots."""
    first = _WORD.match(normalise_punctuation(word))
    assert first is not None, word
    return first.group(1).replace(".", "").casefold()
