"""Keep the state's index of the corpus in step with the corpus folder.

The folder's modification time changes whenever a file is added, renamed or removed, so
when it equals the stamp recorded at the last sync, the index is current and no file is
read: start-up cost does not grow with the corpus.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from monitor.corpus import Corpus, read_file
from monitor.dedupe import text_hash
from monitor.errors import FormatError
from monitor.store import ArticleRow, Store

log = logging.getLogger(__name__)

STAMP_KEY = "corpus_stamp"


@dataclass(slots=True)
class SyncReport:
    added: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    skipped: bool = False


def _stamp_value(corpus: Corpus) -> str:
    return f"{corpus.directory.resolve()}:{corpus.stamp()}"


def sync(store: Store, corpus: Corpus, *, force: bool = False) -> SyncReport:
    """Index corpus files the state does not know and forget rows whose file is gone."""
    report = SyncReport()
    corpus.ensure()
    stamp = _stamp_value(corpus)
    if not force and store.get_meta(STAMP_KEY) == stamp:
        report.skipped = True
        return report
    known = store.article_names()
    on_disk = {name: (index, identifier) for index, identifier, name in corpus.names()}
    with store.transaction():
        for name in sorted(set(on_disk) - set(known)):
            try:
                parsed = read_file(corpus.directory / name)
            except (FormatError, OSError) as exc:
                log.warning("corpus file %s not indexed: %s", name, exc)
                report.unreadable.append(name)
                continue
            store.add_article(
                ArticleRow(
                    id=parsed.article_id,
                    idx=parsed.index,
                    file_name=name,
                    url=None,
                    headline=parsed.headline,
                    published=parsed.published.isoformat(),
                    feed_name=None,
                    source_url=None,
                    fetched_at=None,
                    score=None,
                    text_hash=text_hash(parsed.paragraphs),
                )
            )
            report.added.append(name)
        gone = [known[name] for name in set(known) - set(on_disk)]
        store.forget_articles(gone)
        report.forgotten.extend(sorted(set(known) - set(on_disk)))
        if not report.unreadable:
            store.set_meta(STAMP_KEY, stamp)
    if report.added or report.forgotten:
        log.info("corpus index: %d file(s) indexed, %d row(s) forgotten", len(report.added), len(report.forgotten))
    return report


def record_stamp(store: Store, corpus: Corpus) -> None:
    """After a write of ours, the index is current again: record the folder's new stamp."""
    store.set_meta(STAMP_KEY, _stamp_value(corpus))
