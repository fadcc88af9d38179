"""The records a pass sends between processes come back equal from pickling, nested ones included."""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle

import pytest

from monitor.article import draft_article
from monitor.assess import Judging, Screening, assess
from monitor.dedupe import fingerprint
from monitor.models import Entry, Page, ParsedFeed
from monitor.pickling import pickled_by_fields

WHEN = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
ENTRY = Entry(
    feed_name="wire", link="https://example.com/india-us-trade", title="India and US sign trade pact",
    summary="New Delhi and Washington agreed on tariffs.", guid="g1", published=WHEN, updated=None,
    content_html="<p>New Delhi and Washington agreed on tariffs.</p>",
)
PAGE = Page(
    url=ENTRY.link, headline=ENTRY.title, headline_source="h1", published=WHEN.date(),
    paragraphs=("India and the United States signed a trade pact in New Delhi on Monday, cutting tariffs. " * 4,
                "US Trade Representative and India's commerce minister met for talks on the pact. " * 3),
    language="en",
)
JUDGING = Judging(threshold=1.0, gate_threshold=None, terms=(("topics", ("pact",)),),
                  tracking_parameters=("utm_source",), languages=("en",))


def test_records_survive_pickling() -> None:
    verdict = assess(ENTRY, PAGE, ENTRY.link, WHEN, JUDGING)
    draft = draft_article(ENTRY, PAGE, canonical_url=ENTRY.link, fetched_at=WHEN)
    assert verdict.decision is not None and verdict.decision.relevant and verdict.fingerprint is not None
    records = [ENTRY, ParsedFeed("Wire", (ENTRY, ENTRY)), Screening(ENTRY.link, True, 0.9), JUDGING, verdict,
               draft, verdict.decision, fingerprint(PAGE.paragraphs)]
    for record in records:
        for protocol in (2, pickle.HIGHEST_PROTOCOL):
            copy = pickle.loads(pickle.dumps(record, protocol=protocol))
            assert copy == record and type(copy) is type(record)
    assert pickle.loads(pickle.dumps(dataclasses.replace(ENTRY, title="Other"))).title == "Other"


def test_a_field_outside_the_constructor_is_refused() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Counted:
        name: str
        size: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError, match="constructor"):
        pickled_by_fields(Counted)
