"""What the monitor would decide about one article, and why: the library side of `monitor explain`.

The article is fetched (a URL), or read from a saved HTML page or a corpus ``.txt`` file,
then put through the pass's own stages: extraction (headline and date with where each came
from), the language check, the relevance gate and decision with every matched term, and the
duplicate check against the corpus index. Nothing is written to the corpus.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from monitor import index
from monitor.article import draft_article, word_count
from monitor.config import Config
from monitor.corpus import Corpus, article_id, parse_file_name, read_file
from monitor.dedupe import best_match, fingerprint, text_hash
from monitor.errors import FormatError
from monitor.extract import extract_page
from monitor.fetcher import Fetcher
from monitor.identity import UrlCanonicaliser
from monitor.language import detect_language
from monitor.models import Entry, Page
from monitor.relevance import Decision, Scorer
from monitor.store import ArticleRow, Store


@dataclass(frozen=True, slots=True)
class Loaded:
    """The article as read: from a page (fetched or saved) or from a corpus file."""

    kind: str  # "url", "html-file" or "corpus-file"
    location: str  # the URL after redirects, or the file's path
    headline: str
    headline_source: str
    published: dt.date | None
    date_source: str
    paragraphs: tuple[str, ...]
    body_source: str
    canonical_url: str | None = None
    language: str | None = None
    language_source: str = ""
    corpus_id: str | None = None  # set for a corpus file: its own id, never a duplicate of itself


@dataclass(frozen=True, slots=True)
class DuplicateCheck:
    duplicate: bool
    reason: str  # "same canonical URL", "identical text", "near-duplicate text (…)", or "" when not one
    article: ArticleRow | None = None


@dataclass(frozen=True, slots=True)
class Explanation:
    loaded: Loaded
    language_accepted: bool
    gate: Decision
    decision: Decision
    duplicate: DuplicateCheck

    def as_json(self) -> dict[str, Any]:
        loaded = self.loaded
        original = self.duplicate.article
        return {
            "source": {"kind": loaded.kind, "location": loaded.location},
            "canonical_url": loaded.canonical_url,
            "headline": {"text": loaded.headline, "source": loaded.headline_source},
            "date": {
                "value": loaded.published.isoformat() if loaded.published else None,
                "source": loaded.date_source,
            },
            "language": {
                "code": loaded.language,
                "source": loaded.language_source,
                "accepted": self.language_accepted,
            },
            "body": {
                "paragraphs": len(loaded.paragraphs),
                "words": word_count(loaded.paragraphs),
                "source": loaded.body_source,
            },
            "relevance": _decision_json(self.decision),
            "gate": _decision_json(self.gate),
            "duplicate": {
                "duplicate": self.duplicate.duplicate,
                "reason": self.duplicate.reason or None,
                "of": None
                if original is None
                else {
                    "id": original.id,
                    "file": original.file_name,
                    "headline": original.headline,
                    "url": original.url,
                },
            },
        }


def _decision_json(decision: Decision) -> dict[str, Any]:
    return {
        "relevant": decision.relevant,
        "score": decision.score,
        "threshold": decision.threshold,
        "matches": [
            {"term": m.term, "list": m.list, "field": m.field, "weight": m.weight, "count": m.count}
            for m in decision.matches
        ],
        "reasons": decision.reasons(),
    }


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


async def load(config: Config, target: str) -> Loaded:
    """Fetch ``target`` when it is a URL, else read it as a corpus file or a saved HTML page."""
    canonical = UrlCanonicaliser(config.urls.tracking_parameters)
    if is_url(target):
        async with Fetcher(config.http) as fetcher:
            response = await fetcher.fetch_page(target)
        page = await asyncio.to_thread(extract_page, response.body, response.url, charset=response.charset)
        return _from_page(page, response.url, "url", canonical)
    path = Path(target)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{target}: cannot read: {exc.strerror or exc}") from None
    if parse_file_name(path.name) is not None or data.startswith(b" date "):
        return _from_corpus_file(path)
    page = await asyncio.to_thread(extract_page, data, path.resolve().as_uri())
    return _from_page(page, str(path), "html-file", canonical)


def _from_page(page: Page, location: str, kind: str, canonical: UrlCanonicaliser) -> Loaded:
    canonical_url = canonical.of_page(page.canonical_url, page.url) if is_url(page.url) else None
    entry = Entry(feed_name="", link=page.url, title="")
    draft = draft_article(entry, page, canonical_url=canonical_url or page.url, fetched_at=dt.datetime.now(dt.UTC))
    article = draft.article if draft else None
    return Loaded(
        kind=kind,
        location=location,
        headline=page.headline or "",
        headline_source=page.headline_source if page.headline else "",
        published=article.published if article else page.published,
        date_source=article.date_source if article else page.date_source,
        paragraphs=page.paragraphs,
        body_source="page" if page.paragraphs else "",
        canonical_url=canonical_url,
        language=page.language,
        language_source="page markup" if page.language else "",
    )


def _from_corpus_file(path: Path) -> Loaded:
    corpus_file = read_file(path)
    return Loaded(
        kind="corpus-file",
        location=str(path),
        headline=corpus_file.headline,
        headline_source="corpus file",
        published=corpus_file.published,
        date_source="corpus file",
        paragraphs=corpus_file.paragraphs,
        body_source="corpus file",
        corpus_id=corpus_file.article_id,
    )


def check_duplicate(store: Store, loaded: Loaded) -> DuplicateCheck:
    """The corpus article this one duplicates: by canonical URL, identical text, then near-duplicate text.

    The same checks, in the same order, as a pass makes before writing.
    """

    def found(identifier: str | None, reason: str) -> DuplicateCheck | None:
        if identifier is None or identifier == loaded.corpus_id:
            return None
        return DuplicateCheck(True, reason, store.article(identifier))

    if loaded.canonical_url:
        identifier = article_id(loaded.canonical_url)
        by_url = store.article_by_url(loaded.canonical_url) or (identifier if store.has_article(identifier) else None)
        if result := found(by_url, "same canonical URL"):
            return result
    if loaded.paragraphs:
        if result := found(store.article_by_text_hash(text_hash(loaded.paragraphs)), "identical text"):
            return result
        body_print = fingerprint(loaded.paragraphs)
        candidates = [c for c in store.fingerprint_candidates(body_print.bands()) if c[0] != loaded.corpus_id]
        match = best_match(body_print, candidates)
        if match is not None:
            similarity = match.similarity
            reason = f"near-duplicate text (containment {similarity.containment:.2f}, jaccard {similarity.jaccard:.2f})"
            if result := found(match.article_id, reason):
                return result
    return DuplicateCheck(False, "")


def explain_loaded(config: Config, loaded: Loaded, store: Store) -> Explanation:
    """The language, relevance and duplicate decisions for an article already read."""
    relevance = config.relevance
    scorer = Scorer(
        threshold=relevance.threshold, gate_threshold=relevance.gate_threshold, extra_terms=relevance.terms
    )
    body = "\n".join(loaded.paragraphs)
    if loaded.language is None:
        detected = detect_language(loaded.headline + "\n" + body)
        if detected:
            loaded = replace(loaded, language=detected, language_source="text detection")
    code = (loaded.language or "").split("-")[0].lower()
    accepted = not code or not relevance.languages or code in relevance.languages
    return Explanation(
        loaded=loaded,
        language_accepted=accepted,
        gate=scorer.gate(loaded.headline),
        decision=scorer.decide(loaded.headline, "", body),
        duplicate=check_duplicate(store, loaded),
    )


async def explain(config: Config, target: str) -> Explanation:
    """Read ``target`` and explain the monitor's decisions about it against the current corpus."""
    loaded = await load(config, target)
    corpus = Corpus(config.corpus_dir)
    with Store(config.state_path) as store:
        with corpus.lock():
            index.sync(store, corpus)
        return explain_loaded(config, loaded, store)
