"""Content fingerprints for duplicate detection (pure).

Two checks, both on the normalised body (case, punctuation and spacing folded away; the
headline is left out, since syndicating sites rewrite it):

- ``text_hash``: SHA-256 of the normalised words, for exact copies;
- ``fingerprint``: a MinHash signature of the body's word 4-shingles, for near copies.

Why MinHash (and not SimHash). A syndicated wire story reaches us with another headline,
with the outlet's boilerplate added, with sentences edited, or cut short. MinHash estimates
the Jaccard similarity of the two shingle sets without bias; with the two set sizes stored
beside the signatures that also gives the *containment* of the shorter text in the longer
one, which is what catches a truncated copy (the first 60% of a story has Jaccard ≈ 0.6
with the whole but containment ≈ 1). SimHash compresses a text to 64 bits of cosine
similarity: fine for near-exact copies, but a truncation or a block of boilerplate flips many
bits, and finding neighbours within a large Hamming distance needs many permuted tables.
MinHash signatures also split into LSH bands that an ordinary SQLite index can look up, so
a lookup costs one indexed probe per band, however large the corpus grows.

Why our own hash family (and not datasketch's MinHash). Fingerprints live in the state for
as long as the corpus does, so their meaning must never change under us with a library
upgrade: the family here is fixed by ``SCHEME`` and derived from BLAKE2b alone (no random
generator whose stream could change), and it is a few lines. datasketch's LSH index lives in
memory or Redis, not in our SQLite file, so it would have given us only those lines.

Parameters (measured on the testbed's real article bodies, see bench/dedupe_quality.py):
4-word shingles; 144 permutations in 48 bands of 3 rows. A pair becomes a candidate with
probability 1 − (1 − J³)⁴⁸: 0.99 at J = 0.45 (the most heavily edited copies), 0.6 at
J = 0.2, and 5·10⁻⁵ at J = 0.01 (unrelated reports of the same beat share a few stock
phrases, so false candidates stay rare at any corpus size). A candidate is a duplicate
when the shorter text's estimated containment in the other is at least
``CONTAINMENT_THRESHOLD``; distinct real articles stay below 0.35, edited copies above 0.6.
"""

from __future__ import annotations

import hashlib
import operator
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, partial
from hashlib import blake2b
from typing import TYPE_CHECKING

from monitor.pickling import pickled_by_fields

if TYPE_CHECKING:
    import numpy as np

SCHEME = "minhash-w4-p144-b48x3-blake2b-v1"
"""Names everything a stored fingerprint depends on; a change means fingerprints are recomputed."""
SHINGLE_WORDS = 4
PERMUTATIONS = 144
ROWS_PER_BAND = 3
BANDS = PERMUTATIONS // ROWS_PER_BAND
MIN_SHINGLES = 20
"""Bodies with fewer shingles (about 23 words) are too short for a near-duplicate verdict."""
CONTAINMENT_THRESHOLD = 0.5

_NON_WORD = re.compile(r"[^\w]+")
_HASHER = partial(blake2b, digest_size=4)  # a shingle's 32-bit hash, with _DIGEST
_DIGEST = operator.methodcaller("digest")
_PRIME = (1 << 61) - 1
_MASK = 0xFFFFFFFF


def words(paragraphs: Iterable[str]) -> list[str]:
    """The lower-cased words of a text, punctuation and case folded away."""
    text = unicodedata.normalize("NFKC", " ".join(paragraphs)).casefold()
    return [w for w in _NON_WORD.split(text) if w]


def text_hash(paragraphs: Iterable[str]) -> str:
    """SHA-256 of the normalised body: equal for texts that differ only in case, spacing and punctuation."""
    return _text_hash(words(paragraphs))


def _text_hash(tokens: list[str]) -> str:
    return hashlib.sha256(" ".join(tokens).encode("utf-8")).hexdigest()


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Fingerprint:
    """A body's MinHash signature (``PERMUTATIONS`` little-endian uint32) and its shingle count."""

    size: int
    signature: bytes

    def bands(self) -> list[int]:
        """The LSH band keys: a signed 32-bit hash of each band's rows and the band's number."""
        if self.size == 0:
            return []
        keys = []
        for band in range(BANDS):
            rows = self.signature[band * ROWS_PER_BAND * 4 : (band + 1) * ROWS_PER_BAND * 4]
            digest = hashlib.blake2b(rows + band.to_bytes(2, "little"), digest_size=4).digest()
            keys.append(int.from_bytes(digest, "little", signed=True))
        return keys


@dataclass(frozen=True, slots=True)
class Similarity:
    jaccard: float
    containment: float  # of the shorter text in the longer

    @property
    def duplicate(self) -> bool:
        return self.containment >= CONTAINMENT_THRESHOLD


@dataclass(frozen=True, slots=True)
class Match:
    article_id: str
    similarity: Similarity


@cache
def _family() -> tuple[np.ndarray, np.ndarray]:
    """The fixed family h_i(x) = (a_i·x + b_i) mod (2⁶¹ − 1); a_i, b_i below 2³² so nothing overflows."""
    import numpy as np  # here: only the workers fingerprint, and the pass's own process need not load numpy

    a, b = [], []
    for i in range(PERMUTATIONS):
        digest = hashlib.blake2b(f"monitor minhash {i}".encode(), digest_size=8).digest()
        a.append(int.from_bytes(digest[:4], "little") | 1)
        b.append(int.from_bytes(digest[4:], "little"))
    return np.array(a, dtype=np.uint64), np.array(b, dtype=np.uint64)


def shingles(paragraphs: Iterable[str]) -> set[str]:
    """The body's distinct runs of ``SHINGLE_WORDS`` words (the whole text when it is shorter)."""
    return _shingles(words(paragraphs))


def fingerprint(paragraphs: Iterable[str]) -> Fingerprint:
    """The MinHash fingerprint of a body."""
    return _fingerprint(words(paragraphs))


def prints(paragraphs: Iterable[str]) -> tuple[str, Fingerprint]:
    """``text_hash`` and ``fingerprint`` of a body, its words read once."""
    tokens = words(paragraphs)
    return _text_hash(tokens), _fingerprint(tokens)


def _shingles(tokens: list[str]) -> set[str]:
    if not tokens:
        return set()
    if len(tokens) < SHINGLE_WORDS:
        return {" ".join(tokens)}
    # the shifted lists zipped (the shorter ones end it) and joined by map: the loop runs in C, 3x faster
    return set(map(" ".join, zip(*(tokens[shift:] for shift in range(SHINGLE_WORDS)), strict=False)))


def _fingerprint(tokens: list[str]) -> Fingerprint:
    found = _shingles(tokens)
    if not found:
        return Fingerprint(0, b"\xff" * 4 * PERMUTATIONS)
    import numpy as np

    digests = b"".join(map(_DIGEST, map(_HASHER, map(str.encode, found))))
    hashed = np.frombuffer(digests, dtype="<u4").astype(np.uint64)
    a, b = _family()
    # (outer(x, a) + b) % p & mask, in one buffer operated on in place. a·x + b < 2⁶⁴, and modulo the
    # Mersenne prime p = 2⁶¹ − 1 that is (v & p) + (v >> 61), less p once more if still ≥ p: exact, and
    # far cheaper than numpy's 64-bit division.
    permuted = np.multiply.outer(hashed, a)
    np.add(permuted, b, out=permuted)
    high = permuted >> np.uint64(61)
    np.bitwise_and(permuted, np.uint64(_PRIME), out=permuted)
    np.add(permuted, high, out=permuted)
    np.subtract(permuted, np.uint64(_PRIME), out=permuted, where=permuted >= np.uint64(_PRIME))
    np.bitwise_and(permuted, np.uint64(_MASK), out=permuted)
    return Fingerprint(len(found), permuted.min(axis=0).astype("<u4").tobytes())


def similarity(first: Fingerprint, second: Fingerprint) -> Similarity:
    """Estimated Jaccard similarity and containment of the smaller shingle set in the larger."""
    if first.size == 0 or second.size == 0:
        return Similarity(0.0, 0.0)
    same = sum(map(operator.eq, memoryview(first.signature).cast("I"), memoryview(second.signature).cast("I")))
    jaccard = same / PERMUTATIONS
    shared = jaccard * (first.size + second.size) / (1 + jaccard)
    return Similarity(jaccard, min(1.0, shared / min(first.size, second.size)))


def best_match(new: Fingerprint, candidates: Iterable[tuple[str, Fingerprint]]) -> Match | None:
    """The candidate that ``new`` duplicates most closely, or None when none is a duplicate."""
    best: Match | None = None
    for identifier, known in candidates:
        if min(new.size, known.size) < MIN_SHINGLES:
            continue
        found = similarity(new, known)
        if found.duplicate and (best is None or found.containment > best.similarity.containment):
            best = Match(identifier, found)
    return best
