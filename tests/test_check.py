"""`monitor check` and `monitor reindex`: every kind of problem found, only safe ones repaired."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

import pytest

from monitor import index
from monitor.check import (
    DUPLICATE_ID,
    DUPLICATE_INDEX,
    FORMAT,
    MISSING_FILE,
    NAME,
    TEMPORARY,
    UNINDEXED,
    check,
    file_problems,
    fix,
    reindex,
)
from monitor.corpus import Corpus, article_id
from monitor.models import Article
from monitor.store import ArticleRow, FeedState, Store
from tests.conftest import run_monitor, write_config

GOOD = b" date 2026-02-03 India and US talk\nOfficials met in New Delhi."


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        (b"", "is empty"),
        (b"\xef\xbb\xbf" + GOOD, "byte-order mark"),
        (GOOD.replace(b"\n", b"\r\n"), "carriage returns"),
        (GOOD + b"\n", "ends with a newline"),
        (GOOD.replace(b"met", b"m\x07et"), "control character(s), the first U+0007 on line 2"),
        (GOOD.replace(b"met", "m\u2028et".encode()), "the first U+2028 on line 2"),
        (GOOD.replace(b" date", b"date"), "line 1 is not ' date YYYY-MM-DD <headline>'"),
        (GOOD.replace(b"2026-02-03", b"2026-02-30"), "impossible date 2026-02-30"),
        (GOOD.replace(b"2026-02-03", b"03/02/2026"), "line 1 is not"),
        (b" date 2026-02-03  \nOfficials met.", "line 1 has no headline"),
        (b" date 2026-02-03 India and US talk", "has no paragraph after line 1"),
        (b" date 2026-02-03 India and US talk\n\n  \n", "has no paragraph after line 1"),
        (GOOD.replace(b"met", b"m\xe9t"), "is not UTF-8 (bad byte at offset"),
    ],
)
def test_each_format_violation_is_named(data: bytes, phrase: str) -> None:
    """Each way a file can break the format is reported with a phrase that says which."""
    assert any(phrase in problem for problem in file_problems(data)), file_problems(data)


def test_a_well_formed_file_and_the_blank_line_variant_have_no_problems() -> None:
    """The writer's form and the second seed's form (blank lines between paragraphs) both pass."""
    assert file_problems(GOOD) == []
    assert file_problems(GOOD + b"\n\nA second paragraph.\n\nA third.") == []


def _corpus(tmp_path: Path, files: dict[str, bytes]) -> Corpus:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return Corpus(folder)


def test_names_duplicates_and_temporaries_are_found_and_other_files_ignored(tmp_path: Path) -> None:
    """Bad names, a shared index, a shared id and a stray temporary file: one problem each, by file."""
    corpus = _corpus(
        tmp_path,
        {
            "005_0123456789abcdef.txt": GOOD,
            "005_1111111111111111.txt": GOOD,
            "007_0123456789abcdef.txt": GOOD,
            "0008_2222222222222222.txt": GOOD,
            ".tmp-009_3333333333333333.txt.123": GOOD[:10],
            ".lock": b"",
            ".DS_Store": b"\x00",
            "README.md": b"notes",
        },
    )
    (corpus.directory / "subfolder.txt").mkdir()

    report = check(corpus, None)

    assert report.files == 3
    found = {(p.file, p.kind) for p in report.problems}
    assert found == {
        ("005_1111111111111111.txt", DUPLICATE_INDEX),
        ("007_0123456789abcdef.txt", DUPLICATE_ID),
        ("0008_2222222222222222.txt", NAME),
        (".tmp-009_3333333333333333.txt.123", TEMPORARY),
    }
    assert str(next(p for p in report.problems if p.kind == DUPLICATE_INDEX)) == (
        "005_1111111111111111.txt: index 005 is also used by 005_0123456789abcdef.txt"
    )


def _row(name: str, url: str | None = None, score: float | None = None) -> ArticleRow:
    index_text, identifier = name[:-4].split("_")
    return ArticleRow(
        id=identifier,
        idx=int(index_text),
        file_name=name,
        url=url,
        headline="h",
        published="2026-01-01",
        feed_name="Desk" if url else None,
        source_url=url,
        fetched_at=1.0 if url else None,
        score=score,
        text_hash="x",
    )


def test_state_rows_without_files_and_files_without_rows_are_found_and_fixed(tmp_path: Path) -> None:
    """A row whose file is gone and a file the state does not know are reported, and --fix repairs both,
    removes the stale temporary file, and leaves a malformed article untouched."""
    bad = GOOD + b"\n"
    corpus = _corpus(
        tmp_path,
        {
            "005_0123456789abcdef.txt": GOOD,
            "006_1111111111111111.txt": bad,
            ".tmp-007_2222222222222222.txt.99": b"half",
        },
    )
    with Store(tmp_path / "state.db") as store:
        store.add_article(_row("004_3333333333333333.txt"))
        kinds = {(p.file, p.kind) for p in check(corpus, store).problems}
        assert kinds == {
            ("004_3333333333333333.txt", MISSING_FILE),
            ("005_0123456789abcdef.txt", UNINDEXED),
            ("006_1111111111111111.txt", UNINDEXED),
            ("006_1111111111111111.txt", FORMAT),
            (".tmp-007_2222222222222222.txt.99", TEMPORARY),
        }

        actions = fix(corpus, store)

        assert actions == [
            ".tmp-007_2222222222222222.txt.99: removed the stale temporary file",
            "005_0123456789abcdef.txt: indexed",
            "006_1111111111111111.txt: indexed",
            "004_3333333333333333.txt: forgot the state's row (the file is gone)",
        ]
        left = {(p.file, p.kind) for p in check(corpus, store).problems}
    assert left == {("006_1111111111111111.txt", FORMAT)}
    assert (corpus.directory / "006_1111111111111111.txt").read_bytes() == bad


def test_a_writers_temporary_file_is_not_reported_while_it_holds_the_lock(tmp_path: Path) -> None:
    """check waits for the corpus lock, so a temporary file of a write in progress is never called stray."""
    corpus = _corpus(tmp_path, {"005_0123456789abcdef.txt": GOOD})
    holding = threading.Event()

    def writer() -> None:
        with corpus.lock():
            temporary = corpus.directory / ".tmp-006_1111111111111111.txt.1"
            temporary.write_bytes(b"partial")
            holding.set()
            time.sleep(0.3)
            temporary.unlink()

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(5)
    report = check(corpus, None)
    thread.join()
    assert report.problems == []


def test_sync_skips_a_file_whose_index_is_taken_instead_of_failing(tmp_path: Path) -> None:
    """Two files with one index: the first is indexed, the second left out with a warning, no crash."""
    corpus = _corpus(tmp_path, {"005_0123456789abcdef.txt": GOOD, "005_1111111111111111.txt": GOOD})
    with Store(tmp_path / "state.db") as store:
        report = index.sync(store, corpus)
        assert report.added == ["005_0123456789abcdef.txt"]
        assert report.unreadable == ["005_1111111111111111.txt"]
        assert store.max_index() == 5


def test_a_file_added_within_the_same_timestamp_tick_is_still_indexed(tmp_path: Path) -> None:
    """A coarse clock can leave the folder's mtime unchanged by a new file: a fresh stamp is never trusted."""
    corpus = _corpus(tmp_path, {"005_0123456789abcdef.txt": GOOD})
    with Store(tmp_path / "state.db") as store:
        index.sync(store, corpus)
        stamp = corpus.directory.stat().st_mtime_ns
        (corpus.directory / "006_1111111111111111.txt").write_bytes(GOOD)
        os.utime(corpus.directory, ns=(stamp, stamp))  # the same tick as the last sync

        report = index.sync(store, corpus)

    assert report.added == ["006_1111111111111111.txt"]


def test_an_old_stamp_lets_sync_skip_the_folder(tmp_path: Path) -> None:
    """When the folder has not changed since a stamp older than the clock's tick, no file is read."""
    corpus = _corpus(tmp_path, {"005_0123456789abcdef.txt": GOOD})
    old = time.time_ns() - 3600 * 10**9
    os.utime(corpus.directory, ns=(old, old))
    with Store(tmp_path / "state.db") as store:
        assert not index.sync(store, corpus).skipped
        assert index.sync(store, corpus).skipped


def test_reindex_rebuilds_articles_and_keeps_feeds_seen_entries_and_metadata(tmp_path: Path) -> None:
    """reindex forgets rows of gone files, indexes every file, and keeps what only the state knew."""
    url = "https://example.org/india-us"
    corpus = Corpus(tmp_path / "seeds")
    corpus.ensure()
    written = corpus.write(
        Article(url=url, headline="India and US", published=dt.date(2026, 1, 1), paragraphs=("Text.",)), 5
    )
    with Store(tmp_path / "state.db") as store:
        store.add_article(_row(written.name, url, score=2.5))
        store.add_article_url("https://example.org/feed-link", written.article_id)
        store.add_article(_row("009_4444444444444444.txt", "https://example.org/gone"))
        store.add_article_url("https://example.org/gone-link", "4444444444444444")
        store.save_feed(FeedState(name="Desk", url="https://example.org/rss.xml", etag='"e"'))
        store.mark_seen("https://example.org/feed-link", "Desk", "written", written.article_id)

        report = reindex(store, corpus)

        assert report.added == [written.name]
        (row,) = store.articles()
        assert (row.id, row.url, row.score, row.headline) == (article_id(url), url, 2.5, "India and US")
        assert store.article_by_url("https://example.org/feed-link") == written.article_id
        assert store.article_by_url("https://example.org/gone-link") is None
        assert store.feed("Desk") is not None and store.feed("Desk").etag == '"e"'  # type: ignore[union-attr]
        assert store.seen_final(["https://example.org/feed-link"]) == {"https://example.org/feed-link"}


def test_cli_check_ok_line_problem_lines_and_exit_codes(project: Path) -> None:
    """`monitor check`: "ok: 2 files" and exit 0 on the seeds; one line per problem and exit 1 otherwise."""
    write_config(project, [])
    ok = run_monitor(project, "check")
    assert (ok.returncode, ok.stdout) == (0, "ok: 2 files\n")

    (project / "seeds" / "005_0123456789abcdef.txt").write_bytes(GOOD + b"\n")
    (project / "seeds" / ".tmp-006_1111111111111111.txt.5").write_bytes(b"x")
    bad = run_monitor(project, "check")
    assert bad.returncode == 1
    assert bad.stdout.splitlines() == [
        ".tmp-006_1111111111111111.txt.5: stray temporary file of an interrupted write",
        "005_0123456789abcdef.txt: ends with a newline",
    ]

    fixed = run_monitor(project, "check", "--fix")
    assert fixed.returncode == 1
    assert fixed.stdout.splitlines() == [
        "fixed .tmp-006_1111111111111111.txt.5: removed the stale temporary file",
        "fixed 000_7922f3cea14daa66.txt: indexed",
        "fixed 004_da0ce7d92ab8cbee.txt: indexed",
        "fixed 005_0123456789abcdef.txt: indexed",
        "005_0123456789abcdef.txt: ends with a newline",
    ]
    assert (project / "seeds" / "005_0123456789abcdef.txt").read_bytes() == GOOD + b"\n"


def test_cli_reindex_reports_progress_on_a_large_corpus(tmp_path: Path) -> None:
    """`monitor reindex` over 1,500 files prints a count line to stderr every 1,000 files."""
    folder = tmp_path / "seeds"
    folder.mkdir()
    for number in range(1500):
        (folder / f"{number:03d}_{article_id(str(number))}.txt").write_bytes(GOOD + f" {number}".encode())
    write_config(tmp_path, [])

    result = run_monitor(tmp_path, "reindex")

    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == ["reindex: 1000/1500 files"]
    assert result.stdout == "reindexed 1500 files\n"
