"""Text normalisation shared by extraction, the corpus writer and fingerprints (pure)."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


_INVISIBLE = {"\ufeff", "\u200b", "\u2060"}  # BOM, zero-width space, word joiner


def _is_control(char: str) -> bool:
    # Cc: C0/C1 controls (tab, CR, LF among them); Zl/Zp: Unicode line and paragraph
    # separators; Cs: lone surrogates that cannot be encoded. Joiners (ZWJ/ZWNJ) stay:
    # names in Indic scripts need them.
    return unicodedata.category(char) in {"Cc", "Zl", "Zp", "Cs"} or char in _INVISIBLE


def normalise_line(text: str) -> str:
    """NFC, every control or line-breaking character turned into a space, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    if any(_is_control(c) for c in text):
        text = "".join(" " if _is_control(c) else c for c in text)
    return _WHITESPACE.sub(" ", text).strip()


def normalise_paragraphs(paragraphs: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Normalise each paragraph and drop the ones left empty."""
    cleaned = (normalise_line(p) for p in paragraphs)
    return tuple(p for p in cleaned if p)
