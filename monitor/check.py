"""Verify the corpus against its format and the state against the corpus; repair what is safe.

``check`` only reads. ``fix`` removes stale temporary files and brings the state's index in
step with the corpus; ``reindex`` rebuilds that index from the corpus alone. None of them
ever rewrites or deletes an article: a file that breaks the format is for a person to mend.
"""

from __future__ import annotations

import codecs
import datetime as dt
import os
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

from monitor import index
from monitor.corpus import HEADER, LOCK_NAME, TEMP_PREFIX, Corpus, file_name, parse_file_name
from monitor.errors import CorpusWriteError, StateCorrupt
from monitor.store import Store, move_aside

TEMPORARY = "temporary"
UNINDEXED = "unindexed"
MISSING_FILE = "missing-file"
FORMAT = "format"
NAME = "name"
DUPLICATE_INDEX = "duplicate-index"
DUPLICATE_ID = "duplicate-id"
STATE = "state"

FIXABLE = frozenset({TEMPORARY, UNINDEXED, MISSING_FILE})
"""Problems ``fix`` repairs; the others need a person."""


@dataclass(frozen=True, slots=True)
class Problem:
    file: str
    message: str
    kind: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}"


@dataclass(slots=True)
class CheckReport:
    files: int = 0
    problems: list[Problem] = field(default_factory=list)


def _is_control(char: str) -> bool:
    return char != "\n" and unicodedata.category(char) in {"Cc", "Zl", "Zp"}


def file_problems(data: bytes) -> list[str]:
    """What is wrong with one corpus file's bytes, as short phrases (empty when it is well-formed)."""
    if not data:
        return ["is empty"]
    problems = []
    if data.startswith(codecs.BOM_UTF8):
        problems.append("starts with a byte-order mark")
    try:
        text = data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        return [*problems, f"is not UTF-8 (bad byte at offset {exc.start})"]
    if "\r" in text:
        problems.append("has carriage returns (line ends must be \\n)")
    if text.endswith("\n"):
        problems.append("ends with a newline")
    lines = text.split("\n")
    controls = [
        (number, char)
        for number, line in enumerate(lines, 1)
        for char in line
        if char != "\r" and _is_control(char)
    ]
    if controls:
        number, char = controls[0]
        problems.append(
            f"has {len(controls)} control character(s), the first U+{ord(char):04X} on line {number}"
        )
    match = HEADER.match(lines[0].rstrip("\r"))
    if match is None:
        problems.append("line 1 is not ' date YYYY-MM-DD <headline>'")
    else:
        try:
            dt.date.fromisoformat(match.group(1))
        except ValueError:
            problems.append(f"line 1 has an impossible date {match.group(1)}")
        if not match.group(2).strip():
            problems.append("line 1 has no headline")
    if not any(line.strip() for line in lines[1:]):
        problems.append("has no paragraph after line 1")
    return problems


def name_problem(name: str) -> str | None:
    """Why a ``*.txt`` name in the corpus folder is not a corpus file name, or None."""
    parsed = parse_file_name(name)
    if parsed is None:
        return "name is not NNN_<16 lowercase hex digits>.txt (index padded to three digits, no more)"
    return None


def _duplicates(names: Iterable[tuple[int, str, str]]) -> list[Problem]:
    by_index: dict[int, list[str]] = defaultdict(list)
    by_id: dict[str, list[str]] = defaultdict(list)
    for number, identifier, name in names:
        by_index[number].append(name)
        by_id[identifier].append(name)
    problems = []
    for number, group in by_index.items():
        first, *others = sorted(group)
        problems += [
            Problem(name, f"index {number:03d} is also used by {first}", DUPLICATE_INDEX) for name in others
        ]
    for identifier, group in by_id.items():
        first, *others = sorted(group)
        problems += [
            Problem(name, f"id {identifier} is also used by {first}", DUPLICATE_ID) for name in others
        ]
    return problems


def check(corpus: Corpus, store: Store | None) -> CheckReport:
    """Every problem of the corpus folder, and of the state against it when ``store`` is given.

    The corpus lock is held while looking (when it can be taken), so a writer's temporary
    file is never mistaken for a stale one.
    """
    report = CheckReport()
    if not corpus.directory.is_dir():
        report.problems.append(Problem(str(corpus.directory), "the corpus folder does not exist", FORMAT))
        return report
    with ExitStack() as stack:
        with suppress(CorpusWriteError):  # a read-only corpus can still be checked
            stack.enter_context(corpus.lock())
        names = []
        with os.scandir(corpus.directory) as entries:
            listing = sorted((entry.name, entry.is_file()) for entry in entries)
        for name, is_file in listing:
            if name.startswith(TEMP_PREFIX):
                why = "stray temporary file of an interrupted write"
                report.problems.append(Problem(name, why, TEMPORARY))
            elif name == LOCK_NAME or name.startswith(".") or not name.endswith(".txt") or not is_file:
                continue
            elif (why := name_problem(name)) is not None:
                report.problems.append(Problem(name, why, NAME))
            else:
                parsed = parse_file_name(name)
                assert parsed is not None
                names.append((*parsed, name))
                report.files += 1
                try:
                    data = (corpus.directory / name).read_bytes()
                except OSError as exc:
                    report.problems.append(Problem(name, f"cannot be read: {exc.strerror}", FORMAT))
                    continue
                report.problems.extend(Problem(name, why, FORMAT) for why in file_problems(data))
        report.problems.extend(_duplicates(names))
        if store is not None:
            report.problems.extend(_state_problems(store, {name for _, _, name in names}))
    report.problems.sort(key=lambda p: (p.file, p.kind, p.message))
    return report


def _state_problems(store: Store, on_disk: set[str]) -> list[Problem]:
    damage = store.integrity_problem()
    if damage is not None:
        why = f"the state database is damaged ({damage}); run 'monitor reindex'"
        return [Problem(str(store.path), why, STATE)]
    indexed = store.article_names()
    problems = [
        Problem(name, "indexed in the state but the file is gone", MISSING_FILE)
        for name in sorted(set(indexed) - on_disk)
    ]
    problems += [
        Problem(name, "not in the state's index", UNINDEXED) for name in sorted(on_disk - set(indexed))
    ]
    for row in store.articles():
        if row.file_name in on_disk and row.file_name != file_name(row.idx, row.id):
            why = f"the state records it as index {row.idx}, id {row.id}"
            problems.append(Problem(row.file_name, why, STATE))
    return problems


def fix(corpus: Corpus, store: Store) -> list[str]:
    """Repair what is safe: stale temporary files, unindexed files, rows of missing files.

    Returns one line per repair. Articles are never rewritten or deleted.
    """
    with corpus.lock():
        removed = corpus.remove_stale_temporaries()
        report = index.sync(store, corpus, force=True)
    return (
        [f"{name}: removed the stale temporary file" for name in removed]
        + [f"{name}: indexed" for name in report.added]
        + [f"{name}: forgot the state's row (the file is gone)" for name in report.forgotten]
    )


def open_state(path: Path, *, timeout: float = 30.0) -> tuple[Store, Path | None]:
    """The state at ``path`` for a rebuild; a damaged file is first moved aside (returned)."""
    try:
        store = Store(path, timeout=timeout)
        damage = store.integrity_problem()
        if damage is None:
            return store, None
        store.close()
    except StateCorrupt:
        pass
    moved = move_aside(path)
    return Store(path, timeout=timeout), moved


def reindex(
    store: Store, corpus: Corpus, *, progress: Callable[[int, int], None] | None = None
) -> index.SyncReport:
    """Rebuild the article index from the corpus alone; feed bookkeeping and seen entries stay.

    What only the state knew about an article (URL, feed, fetch time, score) is kept for
    every article whose file is still there. The corpus lock is held throughout, so no
    writer ever sees the index half-built.
    """
    with corpus.lock():
        previous = store.articles()
        with store.transaction():
            store.clear_articles()
            store.set_meta(index.STAMP_KEY, "")
        report = index.sync(store, corpus, force=True, progress=progress)
        with store.transaction():
            store.restore_article_metadata(previous)
            store.prune_article_urls()
    return report
