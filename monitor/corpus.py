"""The corpus format, and the only code that writes to the corpus folder.

A corpus file is ``NNN_<id>.txt``: UTF-8 without BOM, ``\\n`` line ends, no trailing
newline; line 1 is `` date YYYY-MM-DD <headline>``, then one paragraph per line. Readers
also accept the older variant whose paragraphs are separated by blank lines.

Writes follow DESIGN.md's invariant: corpus lock → next index → temporary file (name
starts with a dot) → fsync → rename → fsync the folder. Temporary files exist only while
a writer holds the lock, so any found by a lock holder are stale and removed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from monitor.errors import CorpusWriteError, FormatError
from monitor.models import Article, CorpusFile
from monitor.text import normalise_line, normalise_paragraphs

HEADER = re.compile(r"^ date ([0-9]{4}-[0-9]{2}-[0-9]{2}) (.+)$")
FILE_NAME = re.compile(r"^([0-9]{3,})_([0-9a-f]{16})\.txt$")
LOCK_NAME = ".lock"
TEMP_PREFIX = ".tmp-"


def article_id(canonical_url: str) -> str:
    """The corpus id of an article: the first 16 hex digits of SHA-256 of its canonical URL."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


def file_name(index: int, identifier: str) -> str:
    """``NNN_<id>.txt`` with the index zero-padded to at least three digits."""
    return f"{index:03d}_{identifier}.txt"


def parse_file_name(name: str) -> tuple[int, str] | None:
    """(index, id) from a corpus file name, or None for any other name."""
    match = FILE_NAME.match(name)
    if match is None or (len(match.group(1)) > 3 and match.group(1).startswith("0")):
        return None
    return int(match.group(1)), match.group(2)


def render(headline: str, published: dt.date, paragraphs: tuple[str, ...] | list[str]) -> str:
    """The text of a corpus file (first form): header line, then one paragraph per line."""
    title = normalise_line(headline)
    body = normalise_paragraphs(paragraphs)
    if not title:
        raise FormatError("an article needs a non-empty headline")
    if not body:
        raise FormatError("an article needs at least one paragraph")
    return "\n".join([f" date {published.isoformat()} {title}", *body])


def parse(text: str, name: str = "<text>") -> tuple[dt.date, str, tuple[str, ...]]:
    """(date, headline, paragraphs) from a corpus file's text; raises FormatError naming ``name``."""
    if text.startswith("\ufeff"):
        raise FormatError(f"{name}: starts with a byte-order mark")
    if "\r" in text:
        raise FormatError(f"{name}: has carriage returns (line ends must be \\n)")
    header, _, body = text.partition("\n")
    match = HEADER.match(header)
    if match is None:
        raise FormatError(f"{name}: line 1 is not ' date YYYY-MM-DD <headline>'")
    try:
        published = dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise FormatError(f"{name}: line 1 has an impossible date {match.group(1)}") from None
    paragraphs = tuple(line.strip() for line in body.split("\n") if line.strip())
    return published, match.group(2).strip(), paragraphs


def read_file(path: Path) -> CorpusFile:
    """Parse one corpus file from disk."""
    parsed_name = parse_file_name(path.name)
    if parsed_name is None:
        raise FormatError(f"{path.name}: name is not NNN_<16 hex digits>.txt")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path.name}: not UTF-8 (byte {exc.start})") from None
    published, headline, paragraphs = parse(text, path.name)
    index, identifier = parsed_name
    return CorpusFile(index, identifier, path.name, published, headline, paragraphs)


@dataclass(frozen=True, slots=True)
class Written:
    index: int
    article_id: str
    name: str


class Corpus:
    """The corpus folder: listing, locking and atomic writes."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def ensure(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CorpusWriteError(f"cannot create corpus folder {self.directory}: {exc.strerror}") from None

    def names(self) -> Iterator[tuple[int, str, str]]:
        """(index, id, file name) of every corpus file, in no particular order."""
        with os.scandir(self.directory) as entries:
            for entry in entries:
                parsed = parse_file_name(entry.name)
                if parsed is not None:
                    yield parsed[0], parsed[1], entry.name

    def stamp(self) -> int:
        """The folder's modification time in ns: it changes whenever a file is added, renamed or removed."""
        return os.stat(self.directory).st_mtime_ns

    def temporary_files(self) -> list[Path]:
        return sorted(p for p in self.directory.glob(f"{TEMP_PREFIX}*") if p.is_file())

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the corpus lock (an flock on ``.lock``), shared by every process on this corpus."""
        self.ensure()
        try:
            handle = os.open(self.directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise CorpusWriteError(f"cannot open corpus lock in {self.directory}: {exc.strerror}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield
        finally:
            os.close(handle)  # closing releases the flock

    def remove_stale_temporaries(self) -> list[str]:
        """Remove temporary files left by a crashed writer. Call only while holding the lock."""
        removed = []
        for path in self.temporary_files():
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                raise CorpusWriteError(f"cannot remove {path}: {exc.strerror}") from None
            removed.append(path.name)
        return removed

    def write(self, article: Article, index: int) -> Written:
        """Write ``article`` as file number ``index`` atomically. Call only while holding the lock."""
        identifier = article_id(article.url)
        name = file_name(index, identifier)
        data = render(article.headline, article.published, article.paragraphs).encode("utf-8")
        final = self.directory / name
        temporary = self.directory / f"{TEMP_PREFIX}{name}.{os.getpid()}"
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(handle, view) :]
                os.fsync(handle)
            finally:
                os.close(handle)
            if final.exists():
                raise FileExistsError(f"{name} already exists")
            os.rename(temporary, final)
            self._fsync_directory()
        except OSError as exc:
            temporary.unlink(missing_ok=True)
            reason = exc.strerror or str(exc)
            raise CorpusWriteError(f"cannot write {name} in {self.directory}: {reason}") from None
        return Written(index, identifier, name)

    def _fsync_directory(self) -> None:
        handle = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
