"""The gate's word prefilter never changes a gate decision (property test over texts built from the term lists)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitor.relevance import Scorer
from monitor.relevance_terms import TERM_LISTS, load_terms

TERMS = sorted({term.text for name in TERM_LISTS for term in load_terms()[name]})
FILLER = ["the", "talks", "in", "of", "amid", "said", "New", "-", "—", "'s", ".", ",", ":", "|", "U.S.", "us", "\n"]
SCORERS = {threshold: Scorer(gate_threshold=threshold) for threshold in (None, 0.0, 0.15, 0.3, 0.35, 0.8)}

piece = st.one_of(
    st.sampled_from(TERMS),
    st.sampled_from(TERMS).map(str.upper),
    st.sampled_from(TERMS).map(str.lower),
    st.sampled_from(FILLER),
    st.text(max_size=8),
)
text = st.lists(piece, max_size=12).flatmap(
    lambda parts: st.sampled_from([" ", "", "-", ". "]).map(lambda sep: sep.join(parts))
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=text, summary=text)
def test_prefilter_never_drops_what_the_gate_keeps(title: str, summary: str) -> None:
    """Whenever the prefilter says an entry cannot pass, the gate drops it, at every gate threshold."""
    for threshold, scorer in SCORERS.items():
        if not scorer.may_pass_gate(title, summary):
            assert not scorer.gate(title, summary).relevant, threshold


def test_prefilter_skips_world_news_and_keeps_either_side() -> None:
    """A story naming neither side is skipped; one naming India, the US or a bilateral cue is scored."""
    scorer = Scorer()
    assert not scorer.may_pass_gate("Floods in Brazil leave thousands homeless", "Rescue teams reached the towns.")
    assert scorer.may_pass_gate("Floods in Brazil", "India sends aid")
    assert scorer.may_pass_gate("Trump speaks on trade", "")
    assert scorer.may_pass_gate("Visa rules change for H-1B holders", "")


def test_prefilter_is_off_when_a_score_of_zero_passes() -> None:
    """With a gate threshold of 0 every entry reaches the gate."""
    assert Scorer(gate_threshold=0.0).may_pass_gate("Floods in Brazil", "")
