"""Language detection used to skip articles not in the configured languages."""

from __future__ import annotations

import pytest

from monitor.language import detect_language, language_accepted

ENGLISH = (
    "External affairs minister S Jaishankar met US secretary of state Marco Rubio in Washington on Tuesday."
)
HINDI = "विदेश मंत्री एस जयशंकर ने मंगलवार को वाशिंगटन में अमेरिकी विदेश मंत्री मार्को रुबियो से मुलाकात की।"
SPANISH = "El ministro de Asuntos Exteriores de la India se reunió el martes con el secretario de Estado."


@pytest.mark.parametrize(("text", "code"), [(ENGLISH, "en"), (HINDI, "hi"), (SPANISH, "es")])
def test_detects_the_language_of_a_sentence(text: str, code: str) -> None:
    """English, Hindi and Spanish sentences are identified by their ISO 639-1 code."""
    assert detect_language(text) == code


@pytest.mark.parametrize("text", ["", "   ", "US-64", "1,234 — 5%"])
def test_too_little_text_is_unknown(text: str) -> None:
    """Text with too few letters to judge gives None rather than a guess."""
    assert detect_language(text) is None


def test_accepts_only_the_configured_languages() -> None:
    """With languages=("en",) English passes and Hindi and Spanish do not."""
    assert language_accepted(ENGLISH, ("en",))
    assert not language_accepted(HINDI, ("en",))
    assert not language_accepted(SPANISH, ("en",))


def test_unknown_language_and_empty_list_are_accepted() -> None:
    """An unclear text, or an empty language list, never drops an article."""
    assert language_accepted("", ("en",))
    assert language_accepted(HINDI, ())
