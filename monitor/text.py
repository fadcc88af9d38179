"""Text normalisation shared by extraction, the corpus writer and fingerprints (pure)."""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


_INVISIBLE = {"\ufeff", "\u200b", "\u2060"}  # BOM, zero-width space, word joiner


# Cc: C0/C1 controls (tab, CR, LF among them: U+0000–001F, U+007F–009F); Zl/Zp: Unicode
# line and paragraph separators (U+2028, U+2029); Cs: lone surrogates that cannot be
# encoded. Joiners (ZWJ/ZWNJ) stay: names in Indic scripts need them. One regex, as a
# per-character category test costs ~0.4 µs a character.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff" + "".join(sorted(_INVISIBLE)) + "]")


def normalise_line(text: str) -> str:
    """NFC, every control or line-breaking character turned into a space, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    text = _CONTROL.sub(" ", text)
    return _WHITESPACE.sub(" ", text).strip()


def normalise_paragraphs(paragraphs: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Normalise each paragraph and drop the ones left empty."""
    cleaned = (normalise_line(p) for p in paragraphs)
    return tuple(p for p in cleaned if p)
