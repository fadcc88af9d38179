"""Near-duplicate fingerprints: the verdicts on copies and on independent reports, the LSH index in SQLite."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor import index
from monitor.corpus import Corpus, read_file
from monitor.dedupe import (
    BANDS,
    MIN_SHINGLES,
    PERMUTATIONS,
    SCHEME,
    Fingerprint,
    best_match,
    fingerprint,
    shingles,
    similarity,
    text_hash,
)
from monitor.store import ArticleRow, Store
from tests.conftest import SEEDS
from tests.wire_stories import INDEPENDENT, WIRE, edited, syndicated, truncated

COPIES = {
    "syndicated with other headline and boilerplate": syndicated(WIRE),
    "a fifth of the sentences edited": edited(WIRE),
    "first 60% only": truncated(WIRE),
    "boilerplate and edits together": syndicated(edited(WIRE)),
    "case, spacing and punctuation": tuple(p.upper().replace(",", " ,") for p in WIRE),
}


@pytest.mark.parametrize("kind", sorted(COPIES))
def test_copies_of_a_wire_story_are_duplicates(kind: str) -> None:
    """Each way an outlet reruns a wire story is judged a duplicate of it."""
    assert similarity(fingerprint(WIRE), fingerprint(COPIES[kind])).duplicate


def test_two_reports_of_one_meeting_are_not_duplicates() -> None:
    """Independent reports of the same meeting, sharing names and one quoted sentence, are both kept."""
    found = similarity(fingerprint(WIRE), fingerprint(INDEPENDENT))
    assert not found.duplicate
    assert found.containment < 0.25


def test_containment_is_symmetric_for_truncation() -> None:
    """A truncated copy matches the full story whichever of the two came first."""
    full, short = fingerprint(WIRE), fingerprint(truncated(WIRE))
    assert similarity(full, short) == similarity(short, full)
    assert similarity(full, short).containment > 0.9 > similarity(full, short).jaccard


def test_short_texts_get_no_near_duplicate_verdict() -> None:
    """Below MIN_SHINGLES shingles a text is too short to judge; only the exact hash applies."""
    short = ("India and the US held talks on trade in Washington on Thursday.",)
    print_ = fingerprint(short)
    assert print_.size < MIN_SHINGLES
    assert best_match(print_, [("a", print_)]) is None


def test_empty_text_has_no_bands() -> None:
    """A body without words has an empty fingerprint that matches nothing."""
    empty = fingerprint(["", "  ", "—"])
    assert empty.size == 0 and empty.bands() == []
    assert similarity(empty, empty).containment == 0.0


def test_fingerprints_are_fixed_by_the_scheme() -> None:
    """The signature of a known text never changes without a new SCHEME (stored fingerprints rely on it)."""
    print_ = fingerprint(WIRE)
    assert SCHEME == "minhash-w4-p144-b48x3-blake2b-v1"
    assert print_.size == 384
    assert hashlib.sha256(print_.signature).hexdigest()[:16] == "bd5dec17742f75d3"
    assert len(print_.bands()) == BANDS


def test_normalisation_ignores_case_and_punctuation() -> None:
    """The exact-copy hash and the fingerprint both ignore case, spacing and punctuation."""
    noisy = tuple("  " + p.lower().replace(".", " !") for p in WIRE)
    assert text_hash(noisy) == text_hash(WIRE)
    assert fingerprint(noisy) == fingerprint(WIRE)


def test_best_match_picks_the_closest_duplicate() -> None:
    """Among candidates, the one the new text is most contained in wins; non-duplicates are ignored."""
    candidates = [
        ("other", fingerprint(INDEPENDENT)),
        ("edited", fingerprint(edited(WIRE))),
        ("same", fingerprint(WIRE)),
    ]
    match = best_match(fingerprint(syndicated(WIRE)), candidates)
    assert match is not None and match.article_id == "same"
    assert best_match(fingerprint(INDEPENDENT), [("wire", fingerprint(WIRE))]) is None


# -- the index in the state -------------------------------------------------------------------


def _store_with(tmp_path: Path, articles: dict[str, tuple[str, ...]]) -> Store:
    store = Store(tmp_path / "state.db")
    with store.transaction():
        for number, (identifier, paragraphs) in enumerate(articles.items()):
            store.add_article(
                ArticleRow(
                    identifier,
                    number,
                    f"{number:03d}_{identifier}.txt",
                    None,
                    "h",
                    "2026-01-01",
                    None,
                    None,
                    None,
                    None,
                    text_hash(paragraphs),
                )
            )
            store.add_fingerprint(identifier, fingerprint(paragraphs))
    return store


def test_lookup_finds_copies_through_the_band_index(tmp_path: Path) -> None:
    """A copy's band keys lead to the original in SQLite; an independent report's lead nowhere."""
    with _store_with(tmp_path, {"wire": WIRE, "indep": INDEPENDENT}) as store:
        for copy in COPIES.values():
            print_ = fingerprint(copy)
            match = best_match(print_, store.fingerprint_candidates(print_.bands()))
            assert match is not None and match.article_id == "wire"
        unrelated = fingerprint((*truncated(INDEPENDENT, 0.5), "A closing line about the weather."))
        found = store.fingerprint_candidates(unrelated.bands())
        assert [identifier for identifier, _ in found] == ["indep"]


def test_fingerprints_of_forgotten_articles_are_dropped_with_their_bands(tmp_path: Path) -> None:
    """Once an article leaves the index its fingerprint and every band row go too."""
    with _store_with(tmp_path, {"wire": WIRE, "indep": INDEPENDENT}) as store:
        store.forget_articles(["wire"])
        print_ = fingerprint(WIRE)
        assert store.fingerprint_candidates(print_.bands()) == []
        assert store.forget_fingerprints() == 1
        assert store.count_fingerprints() == 1
        bands = store._db.execute("SELECT COUNT(*) FROM lsh_bands").fetchone()[0]
        assert bands == len(set(fingerprint(INDEPENDENT).bands()))


def test_article_sources_list_every_other_outlet_once(tmp_path: Path) -> None:
    """The outlets that ran an article are kept in order of first sighting; a repeat sighting is ignored."""
    with Store(tmp_path / "state.db") as store:
        store.add_article_source("a1", "https://www.ndtv.com/x", "NDTV", 20.0)
        store.add_article_source("a1", "https://www.thehindu.com/y", "The Hindu", 10.0)
        store.add_article_source("a1", "https://www.ndtv.com/x", "NDTV again", 30.0)
        store.add_article_source("a2", "https://example.com/z", None, 5.0)
        assert store.article_sources("a1") == [
            ("https://www.thehindu.com/y", "The Hindu", 10.0),
            ("https://www.ndtv.com/x", "NDTV", 20.0),
        ]
        assert store.article_sources("nothing") == []


def test_sync_fingerprints_the_seeds(tmp_path: Path, project: Path) -> None:
    """A forced sync fingerprints every corpus file, the seeds included, so their stories are known."""
    corpus = Corpus(project / "seeds")
    with Store(tmp_path / "state.db") as store:
        report = index.sync(store, corpus, force=True)
        assert store.count_fingerprints() == len(list(SEEDS.iterdir()))
        for path in SEEDS.iterdir():
            seed = read_file(path)
            print_ = fingerprint(seed.paragraphs[1:])
            match = best_match(print_, store.fingerprint_candidates(print_.bands()))
            assert match is not None and match.article_id == seed.article_id
        assert sorted(report.added) == sorted(p.name for p in SEEDS.iterdir())
        assert report.fingerprinted == []  # each file read and fingerprinted once, as it was indexed


def test_sync_recomputes_fingerprints_under_a_new_scheme(tmp_path: Path, project: Path) -> None:
    """An unknown scheme in the state (or none, after an upgrade) makes the next sync redo them all."""
    corpus = Corpus(project / "seeds")
    with Store(tmp_path / "state.db") as store:
        index.sync(store, corpus, force=True)
        store.set_meta(index.FINGERPRINT_KEY, "an older scheme")
        stale = Fingerprint(1000, bytes(4 * 144))
        with store.transaction():
            store._db.execute(
                "UPDATE fingerprints SET shingles = ?, signature = ?", (stale.size, stale.signature)
            )
        report = index.sync(store, corpus)
        assert not report.skipped
        assert len(report.fingerprinted) == len(list(SEEDS.iterdir()))
        assert store.get_meta(index.FINGERPRINT_KEY) == SCHEME
        assert store.fingerprint_candidates(stale.bands()) == []
        assert index.sync(store, corpus).fingerprinted == []


def _minhash_by_definition(paragraphs: list[str]) -> bytes:
    """MinHash as the scheme defines it, in plain integers: min over shingles of ((a·x + b) mod p) & 0xFFFFFFFF."""
    prime = (1 << 61) - 1
    digests = [hashlib.blake2b(s.encode(), digest_size=4).digest() for s in shingles(paragraphs)]
    hashed = [int.from_bytes(digest, "little") for digest in digests]
    signature = b""
    for i in range(PERMUTATIONS):
        digest = hashlib.blake2b(f"monitor minhash {i}".encode(), digest_size=8).digest()
        a, b = int.from_bytes(digest[:4], "little") | 1, int.from_bytes(digest[4:], "little")
        signature += min(((a * x + b) % prime) & 0xFFFFFFFF for x in hashed).to_bytes(4, "little")
    return signature


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="abcdefghij ", min_size=1, max_size=60), min_size=1, max_size=4))
def test_signature_equals_the_definition(paragraphs: list[str]) -> None:
    """The vectorised signature (modulo the Mersenne prime by shifts) is the scheme's, value for value."""
    print_ = fingerprint(paragraphs)
    if print_.size:
        assert print_.signature == _minhash_by_definition(paragraphs)
