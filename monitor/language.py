"""Language identification of article text (pure).

The detector is py3langid: a maintained, dependency-light (numpy only) port of langid.py that
covers 97 languages, needs no network, and classifies a page in well under a millisecond.
lingua-language-detector is more accurate on very short strings, but its models take
hundreds of megabytes of memory and seconds to load; the monitor checks whole articles
(and headlines only as a fallback), where langid's accuracy is ample.

Importing this module costs nothing: numpy, py3langid and the model load on the first call
and once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

MIN_LETTERS = 12  # fewer letters than this is too little to tell languages apart
MIN_CONFIDENCE = 0.3  # normalised probability below which the answer is "unknown"; name-heavy
# English news sentences score as low as 0.45 against English-lexified creoles


@functools.cache
def _identifier() -> LanguageIdentifier:
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of ``text``'s language, or None when it is too short or unclear."""
    if sum(c.isalpha() for c in text) < MIN_LETTERS:
        return None
    code, confidence = _identifier().classify(text)
    return str(code) if confidence >= MIN_CONFIDENCE else None


def language_accepted(text: str, languages: Sequence[str]) -> bool:
    """Whether ``text`` is in one of ``languages``; an empty list or an unclear text is accepted."""
    if not languages:
        return True
    code = detect_language(text)
    return code is None or code in languages
