"""The corpus format: names, ids, the header, round-trips through write and parse, and the seeds."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import tempfile
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor import index
from monitor.check import file_problems
from monitor.corpus import HEADER, Corpus, article_id, file_name, parse, parse_file_name, read_file, render
from monitor.errors import CorpusWriteError, FormatError
from monitor.models import Article
from monitor.store import Store
from monitor.text import normalise_line, normalise_paragraphs
from tests.conftest import SEEDS

FIRST_SEED = SEEDS / "000_7922f3cea14daa66.txt"
SECOND_SEED = SEEDS / "004_da0ce7d92ab8cbee.txt"

# Any text at all, including controls, line and paragraph separators, BOMs and lone surrogates.
ANY_TEXT = st.text(st.characters(codec=None), max_size=80)
DATES = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))


def _article(
    headline: str, paragraphs: list[str], published: dt.date, url: str = "https://example.org/a"
) -> Article:
    return Article(url=url, headline=headline, published=published, paragraphs=tuple(paragraphs))


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(headline=ANY_TEXT, paragraphs=st.lists(ANY_TEXT, max_size=6), published=DATES)
def test_any_headline_and_paragraphs_round_trip_after_normalisation(
    headline: str, paragraphs: list[str], published: dt.date
) -> None:
    """render → parse gives back the date and the normalised headline and paragraphs, or refuses cleanly."""
    title, body = normalise_line(headline), normalise_paragraphs(paragraphs)
    if not title or not body:
        with pytest.raises(FormatError):
            render(headline, published, paragraphs)
        return
    text = render(headline, published, paragraphs)
    assert parse(text) == (published, title, body)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(
    headline=ANY_TEXT,
    paragraphs=st.lists(ANY_TEXT, min_size=1, max_size=5),
    published=DATES,
    path=st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12),
)
def test_a_written_file_always_has_the_header_shape_and_nothing_forbidden(
    headline: str, paragraphs: list[str], published: dt.date, path: str
) -> None:
    """Whatever goes in, a written file is UTF-8 without BOM or CR, has no control character, no trailing
    newline, the header shape, and passes the checker; a refused article leaves no file behind."""
    with tempfile.TemporaryDirectory() as folder:
        corpus = Corpus(Path(folder))
        corpus.ensure()
        article = _article(headline, paragraphs, published, f"https://example.org/{path}")
        try:
            written = corpus.write(article, 7)
        except FormatError:
            assert list(Path(folder).iterdir()) == []
            return
        data = (Path(folder) / written.name).read_bytes()
        assert [p.name for p in Path(folder).iterdir()] == [written.name]
    text = data.decode("utf-8")
    assert not text.startswith("\ufeff") and "\r" not in text and not text.endswith("\n")
    assert not [c for c in text if c != "\n" and unicodedata.category(c) in {"Cc", "Zl", "Zp", "Cs"}]
    assert HEADER.match(text.split("\n")[0]) is not None
    assert file_problems(data) == []


def test_the_first_seed_parses_to_its_date_headline_and_paragraphs() -> None:
    """The first seed: headline on line 1, one paragraph per line."""
    seed = read_file(FIRST_SEED)
    assert (seed.index, seed.article_id) == (0, "7922f3cea14daa66")
    assert seed.published == dt.date(2025, 7, 2)
    assert seed.headline.startswith("Jaishankar Holds Talks With Top Officials Of Trump Administration;")
    assert len(seed.paragraphs) == 16
    assert seed.paragraphs[-1].endswith("at the invitation of Secretary Rubio.")


def test_the_second_seed_variant_parses_with_its_lede_as_headline_and_blank_lines_dropped() -> None:
    """The second seed: the lede sits on line 1 and paragraphs are separated by blank lines."""
    seed = read_file(SECOND_SEED)
    assert (seed.index, seed.published) == (4, dt.date(2026, 1, 30))
    assert seed.headline.startswith("External affairs minister S Jaishankar met US ambassador Sergio Gor")
    assert len(seed.paragraphs) == 6 and all(seed.paragraphs)
    assert seed.paragraphs[-1].endswith("a 25% punitive levy over Russian oil purchases.")


@pytest.mark.parametrize("seed", [FIRST_SEED, SECOND_SEED], ids=["first", "second"])
def test_both_seeds_pass_the_checker(seed: Path) -> None:
    """Both seeds, the accepted variant included, are well-formed corpus files."""
    assert file_problems(seed.read_bytes()) == []


def test_next_index_after_000_and_004_is_005(tmp_path: Path) -> None:
    """Gaps are kept: with 000 and 004 present the next article is written as 005."""
    shutil.copytree(SEEDS, tmp_path / "seeds")
    corpus = Corpus(tmp_path / "seeds")
    with Store(tmp_path / "state.db") as store:
        index.sync(store, corpus)
        written = corpus.write(
            _article("India and US talk", ["Officials met."], dt.date(2026, 1, 1)), store.max_index() + 1
        )
    assert written.name == f"005_{article_id('https://example.org/a')}.txt"


@pytest.mark.parametrize(
    ("number", "name"), [(0, "000"), (5, "005"), (42, "042"), (999, "999"), (1000, "1000"), (12345, "12345")]
)
def test_index_is_padded_to_three_digits_and_no_more(number: int, name: str) -> None:
    """005 and 1000, never 0005: names round-trip through parse_file_name."""
    identifier = "0123456789abcdef"
    assert file_name(number, identifier) == f"{name}_{identifier}.txt"
    assert parse_file_name(file_name(number, identifier)) == (number, identifier)


@pytest.mark.parametrize(
    "name",
    [
        "0005_0123456789abcdef.txt",
        "05_0123456789abcdef.txt",
        "005_0123456789ABCDEF.txt",
        "005_0123456789abcde.txt",
        "005_0123456789abcdef.md",
        "005-0123456789abcdef.txt",
        "٠٠٥_0123456789abcdef.txt",
        "005_0123456789abcdef.txt.tmp",
    ],
)
def test_names_that_break_the_pattern_are_not_corpus_files(name: str) -> None:
    """Over-padding, short or upper-case ids, other extensions and non-ASCII digits are refused."""
    assert parse_file_name(name) is None


@given(st.text(max_size=200))
def test_id_is_the_first_16_hex_digits_of_sha256_of_the_canonical_url(url: str) -> None:
    """article_id(url) = sha256(url)[:16], lower-case hex."""
    assert article_id(url) == hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def test_write_names_the_file_by_the_canonical_url_and_leaves_no_temporary(tmp_path: Path) -> None:
    """The written file is NNN_<sha256(url)[:16]>.txt and the temporary file is gone."""
    corpus = Corpus(tmp_path)
    url = "https://www.example.org/news/india-us-trade"
    written = corpus.write(_article("India and US sign", ["Text."], dt.date(2026, 2, 3), url), 12)
    assert written.name == f"012_{hashlib.sha256(url.encode()).hexdigest()[:16]}.txt"
    assert sorted(p.name for p in tmp_path.iterdir()) == [written.name]
    assert (tmp_path / written.name).read_bytes() == b" date 2026-02-03 India and US sign\nText."


def test_write_never_replaces_an_existing_file(tmp_path: Path) -> None:
    """Writing over an existing name fails, keeps the old bytes and leaves no temporary file."""
    corpus = Corpus(tmp_path)
    first = corpus.write(_article("First", ["One."], dt.date(2026, 1, 1)), 5)
    with pytest.raises(CorpusWriteError, match="already exists"):
        corpus.write(_article("Second", ["Two."], dt.date(2026, 1, 2)), 5)
    assert sorted(p.name for p in tmp_path.iterdir()) == [first.name]
    assert (tmp_path / first.name).read_text() == " date 2026-01-01 First\nOne."
