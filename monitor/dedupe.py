"""Content fingerprints for duplicate detection (pure)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

_NON_WORD = re.compile(r"[^\w]+")


def words(paragraphs: Iterable[str]) -> list[str]:
    """The lower-cased words of a text, punctuation and case folded away."""
    text = unicodedata.normalize("NFKC", " ".join(paragraphs)).casefold()
    return [w for w in _NON_WORD.split(text) if w]


def text_hash(paragraphs: Iterable[str]) -> str:
    """SHA-256 of the normalised body: equal for texts that differ only in case, spacing and punctuation."""
    return hashlib.sha256(" ".join(words(paragraphs)).encode("utf-8")).hexdigest()
