"""Judge feed entries and article pages (pure): seen keys and the relevance gate for the entries of a
feed; the article to write, its language, relevance and fingerprints for a page.

A worker process runs these right after parsing the feed or extracting the page
(``monitor.workers``), so the pass's event loop is left with the network, the state and the
corpus write.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.article import Draft, draft_article
from monitor.config import Config
from monitor.dedupe import Fingerprint, prints
from monitor.identity import UrlCanonicaliser
from monitor.language import detect_language
from monitor.models import Entry, Page
from monitor.pickling import pickled_by_fields
from monitor.relevance import Decision, Scorer


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Judging:
    """What judging a page takes from the config; hashable, so a worker builds its scorer once."""

    threshold: float
    gate_threshold: float | None
    terms: tuple[tuple[str, tuple[str, ...]], ...]
    tracking_parameters: tuple[str, ...]
    languages: tuple[str, ...]

    @classmethod
    def from_config(cls, config: Config) -> Judging:
        relevance = config.relevance
        return cls(
            threshold=relevance.threshold,
            gate_threshold=relevance.gate_threshold,
            terms=tuple((name, tuple(terms)) for name, terms in relevance.terms.items()),
            tracking_parameters=tuple(config.urls.tracking_parameters),
            languages=tuple(relevance.languages),
        )


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Assessment:
    """The verdict on one page. Stages stop at the first drop: later fields are then None."""

    canonical_url: str
    draft: Draft | None  # None: no headline or no text on the page or in the feed
    language: str | None = None
    language_accepted: bool = True
    decision: Decision | None = None
    text_hash: str | None = None  # set for a relevant article only, as are the fingerprint and its bands
    fingerprint: Fingerprint | None = None
    bands: tuple[int, ...] = ()  # the fingerprint's LSH band keys, computed here rather than by the pass


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Screening:
    """The gate's verdict on one feed entry, and the key it is seen under."""

    key: str  # the canonical link (an aggregator's link is re-keyed by the pass once resolved)
    relevant: bool
    score: float | None  # None: no term of the headline or summary could reach the gate threshold


def screen(entries: Sequence[Entry], judging: Judging) -> tuple[Screening, ...]:
    """Each entry's key and gate verdict, in order."""
    scorer, canonical = tools(judging)
    screened = []
    for entry in entries:
        key = canonical(entry.link)
        if scorer.may_pass_gate(entry.title, entry.summary):
            gate = scorer.gate(entry.title, entry.summary)
            screened.append(Screening(key, gate.relevant, gate.score))
        else:
            screened.append(Screening(key, relevant=False, score=None))
    return tuple(screened)


@functools.lru_cache(maxsize=4)
def tools(judging: Judging) -> tuple[Scorer, UrlCanonicaliser]:
    """The scorer and URL canonicaliser of ``judging``, built once per process."""
    scorer = Scorer(threshold=judging.threshold, gate_threshold=judging.gate_threshold,
                    extra_terms=dict(judging.terms))
    return scorer, UrlCanonicaliser(judging.tracking_parameters)


def assess(entry: Entry, page: Page | None, final_url: str, fetched_at: dt.datetime,
           judging: Judging) -> Assessment:
    """Draft the article from ``entry`` and ``page``, then check its language and relevance."""
    scorer, canonical = tools(judging)
    canonical_url = canonical.of_page(page.canonical_url if page is not None else None, final_url)
    draft = draft_article(entry, page, canonical_url=canonical_url, fetched_at=fetched_at)
    if draft is None:
        return Assessment(canonical_url, None)
    article = draft.article
    language = page.language if page is not None and page.language else None
    language = language or detect_language(article.headline + "\n" + "\n".join(article.paragraphs))
    if judging.languages and language and language.split("-")[0].lower() not in judging.languages:
        return Assessment(canonical_url, draft, language, language_accepted=False)
    decision = scorer.decide(article.headline, entry.summary, "\n".join(article.paragraphs))
    if not decision.relevant:
        return Assessment(canonical_url, draft, language, decision=decision)
    body_hash, body_print = prints(article.paragraphs)
    return Assessment(canonical_url, draft, language, decision=decision, text_hash=body_hash, fingerprint=body_print,
                      bands=tuple(body_print.bands()))
