"""Keep the state's index of the corpus in step with the corpus folder.

The folder's modification time changes whenever a file is added, renamed or removed, so
when it equals the stamp recorded at the last sync, the index is current and no file is
read: start-up cost does not grow with the corpus.

Each indexed article also gets its near-duplicate fingerprint (``monitor.dedupe``), so a story
already in the corpus, the seeds included, is never added again under another URL. When the
fingerprint scheme changes, every fingerprint is recomputed from the files.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from monitor.corpus import Corpus, parse_file_name, read_file
from monitor.dedupe import SCHEME, fingerprint, prints
from monitor.errors import FormatError
from monitor.store import ArticleRow, Store

log = logging.getLogger(__name__)

STAMP_KEY = "corpus_stamp"
SWEPT_KEY = "corpus_swept_stamp"
FINGERPRINT_KEY = "fingerprint_scheme"
RACY_NS = 2_000_000_000
"""A folder changed less than this long ago may change again within the same timestamp tick
(coarse file-system clocks), leaving its mtime as it was: such a stamp is never trusted."""


@dataclass(slots=True)
class SyncReport:
    added: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    fingerprinted: list[str] = field(default_factory=list)
    skipped: bool = False


def _stamp_value(corpus: Corpus) -> str:
    """The folder's stamp, or "" while it is too recent to be trusted (see RACY_NS)."""
    mtime = corpus.stamp()
    if time.time_ns() - mtime < RACY_NS:
        return ""
    return f"{corpus.directory.resolve()}:{mtime}"


def sync(
    store: Store,
    corpus: Corpus,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
    current_at: int | None = None,
) -> SyncReport:
    """Index corpus files the state does not know and forget rows whose file is gone.

    ``progress(done, total)`` is called as each new file is taken up. A file whose index or id is
    already taken by another file is left out (``monitor check`` names both). ``current_at`` is a
    folder mtime at which the caller knows the index is current (what ``record_stamp`` returned
    after its own write under the lock): while the folder still has it, nothing is read, even
    when the stamp is too recent for the general rule (RACY_NS) to trust.
    """
    report = SyncReport()
    corpus.ensure()
    if not force and current_at is not None and corpus.stamp() == current_at:
        report.skipped = True
        return report
    stamp = _stamp_value(corpus)
    current = stamp and store.get_meta(STAMP_KEY) == stamp and store.get_meta(FINGERPRINT_KEY) == SCHEME
    if not force and current:
        report.skipped = True
        return report
    known = store.article_names()
    on_disk = {name: (index, identifier) for index, identifier, name in corpus.names()}
    taken = [parsed for name in set(known) & set(on_disk) if (parsed := parse_file_name(name))]
    taken_indexes, taken_ids = {i for i, _ in taken}, {x for _, x in taken}
    new = sorted(set(on_disk) - set(known))
    with store.transaction():
        gone = [known[name] for name in set(known) - set(on_disk)]
        store.forget_articles(gone)
        # before the new files get theirs: a first index (no scheme recorded yet) would otherwise
        # drop the fingerprints it has just made and compute them all again
        _forget_stale_fingerprints(store, prune=force or bool(gone))
        for done, name in enumerate(new, 1):
            if progress is not None:
                progress(done, len(new))
            index_taken, id_taken = on_disk[name][0] in taken_indexes, on_disk[name][1] in taken_ids
            if index_taken or id_taken:
                log.warning(
                    "corpus file %s not indexed: its %s is used by another file",
                    name,
                    "index" if index_taken else "id",
                )
                report.unreadable.append(name)
                continue
            try:
                parsed = read_file(corpus.directory / name)
            except (FormatError, OSError) as exc:
                log.warning("corpus file %s not indexed: %s", name, exc)
                report.unreadable.append(name)
                continue
            taken_indexes.add(parsed.index)
            taken_ids.add(parsed.article_id)
            body_hash, body_print = prints(parsed.paragraphs)
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
                    text_hash=body_hash,
                )
            )
            store.add_fingerprint(parsed.article_id, body_print)
            report.added.append(name)
        _fingerprint_known(store, corpus, report)
        report.forgotten.extend(sorted(set(known) - set(on_disk)))
        if not report.unreadable:
            store.set_meta(STAMP_KEY, stamp)
    if report.added or report.forgotten or report.fingerprinted:
        log.info(
            "corpus index: %d file(s) indexed, %d row(s) forgotten, %d fingerprinted",
            len(report.added),
            len(report.forgotten),
            len(report.fingerprinted),
        )
    return report


def _forget_stale_fingerprints(store: Store, *, prune: bool) -> None:
    """Every fingerprint when they were made under another scheme; with ``prune``, those of articles
    no longer indexed."""
    if store.get_meta(FINGERPRINT_KEY) != SCHEME:
        store.forget_fingerprints(all_of_them=True)
    elif prune:
        store.forget_fingerprints()


def _fingerprint_known(store: Store, corpus: Corpus, report: SyncReport) -> None:
    """Fingerprint indexed articles that have none, and record the scheme when all have one."""
    failed = False
    for identifier, name in store.unfingerprinted_articles():
        try:
            parsed = read_file(corpus.directory / name)
        except (FormatError, OSError) as exc:
            log.warning("corpus file %s not fingerprinted: %s", name, exc)
            failed = True
            continue
        store.add_fingerprint(identifier, fingerprint(parsed.paragraphs))
        report.fingerprinted.append(name)
    if not failed:
        store.set_meta(FINGERPRINT_KEY, SCHEME)


def remove_stale_temporaries(store: Store, corpus: Corpus) -> list[str]:
    """``Corpus.remove_stale_temporaries``, skipped while the folder is as it was right after the last
    sweep: a temporary file left since would have changed its stamp. Call while holding the lock."""
    stamp = _stamp_value(corpus)
    if stamp and store.get_meta(SWEPT_KEY) == stamp:
        return []
    removed = corpus.remove_stale_temporaries()
    store.set_meta(SWEPT_KEY, _stamp_value(corpus))
    return removed


def record_stamp(store: Store, corpus: Corpus) -> int:
    """After a write of ours, the index is current again: record the folder's new stamp, and
    return its mtime for ``sync(current_at=...)``."""
    store.set_meta(STAMP_KEY, _stamp_value(corpus))
    return corpus.stamp()
