"""The labelled development set in ../shared/relevance/, for the tests that measure the relevance filter."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.evaluate import Item, load_items

DEV = Path(__file__).resolve().parents[3] / "shared" / "relevance" / "dev.jsonl"


@pytest.fixture(scope="module")
def items() -> list[Item]:
    """Every item of the development set; the test is skipped when the set is absent."""
    if not DEV.is_file():
        pytest.skip(f"{DEV} is absent")
    return load_items(DEV)
