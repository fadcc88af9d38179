"""The India–US relevance scorer: traps, each kind of positive, bodies, config terms."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError
from monitor.relevance import TERM_LISTS, Decision, Scorer
from monitor.relevance_roles import Hit, background_spans, third_party_role

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer()


def relevant(scorer: Scorer, title: str, summary: str = "", body: str = "") -> bool:
    return scorer.decide(title, summary, body).relevant


# Lexical traps: each names a side's word without being about that side.

TRAPS = {
    "us_64": "Investors urge Centre to rescue UTI's US-64 scheme as India's markets slide",
    "us_open": "Indian pair reach US Open quarterfinals for the first time",
    "cleveland_indians": "Cleveland Indians beat the Yankees 5-2 as Washington watches",
    "indian_pacers": "Indian Pacers edge Pistons in Detroit, US fans stunned",
    "west_indies": "West Indies tour of India: US-born bowler called up",
    "indiana": "Indiana governor signs budget as India trade mission visits Chicago",
    "american_express": "American Express opens new service centre in Gurugram, India",
    "pronoun_us": "Let us not forget India's farmers, says minister",
    "pronoun_us_title_case": "Sez Us COO On India's Export Zones",
    "indian_ocean": "Cyclone in the Indian Ocean disrupts US-bound shipping",
}


@pytest.mark.parametrize("title", TRAPS.values(), ids=TRAPS.keys())
def test_lexical_trap_is_not_relevant(scorer: Scorer, title: str) -> None:
    """A name that merely contains a side's word does not make a story India–US."""
    assert not relevant(scorer, title)


def test_all_capitals_us_is_not_the_country(scorer: Scorer) -> None:
    """In an all-capitals headline "US" may be the pronoun, so it does not count as the US."""
    decision = scorer.decide("MODI TELLS CABINET: LET US SERVE INDIA")
    assert not any(m.list == "us" for m in decision.matches)


# One short headline per kind of positive in the definition.

POSITIVES = {
    "diplomacy_meeting": "Jaishankar meets Rubio, discusses trade and defence",
    "phone_call": "Trump says he will speak to Modi next week",
    "visit": "PM Modi to visit Washington in February, says MEA",
    "trade_talks": "India, US to resume trade talks next week in New Delhi",
    "tariffs": "US slaps 25% tariff on Indian goods, talks stall",
    "russian_oil_penalty": "Trump doubles penalty on India over Russian oil purchases",
    "defence": "India and US sign 10-year framework for defence cooperation",
    "nuclear_energy": "Indo-US civil nuclear deal: Westinghouse reactors back on the table",
    "critical_minerals": "India and the US sign pact on critical minerals supply chains",
    "technology": "iCET review: New Delhi and Washington widen semiconductor push",
    "quad": "Quad summit: Modi and Biden discuss maritime security",
    "h1b_without_india": "Trump hikes H-1B visa fee to $100,000 a year",
    "deportation": "US deports 104 Indians on military aircraft to Amritsar",
    "extradition": "Tahawwur Rana extradited from US to India, lands in Delhi",
    "ambassador": "Sergio Gor presents credentials to President Murmu in New Delhi",
    "statement_on_other_side": "MEA rejects State Department remarks on Indian elections",
    "mediation_claim": "Trump repeats claim he brokered India–Pakistan ceasefire",
    "opposition_on_deal": "Rahul Gandhi says PM surrendered to Trump on the trade deal",
    "era_2001": "Vajpayee to meet Bush at the White House next month",
    "era_2001_envoy": "Blackwill likely US envoy to India",
}


@pytest.mark.parametrize("title", POSITIVES.values(), ids=POSITIVES.keys())
def test_kind_of_positive_is_relevant(scorer: Scorer, title: str) -> None:
    """Each kind of India–US story in the definition is relevant from its headline alone."""
    assert relevant(scorer, title)


NEGATIVES = {
    "us_china_tariffs": "US–China tariff war escalates as Beijing hits back; Japan, Korea, India watch",
    "markets_and_fed": "Sensex, Nifty slip as traders await Federal Reserve decision",
    "india_pakistan_only": "India and Pakistan DGMOs speak on hotline after LoC firing",
    "sports_india_vs_usa": "T20 World Cup: India beat USA by seven wickets in New York",
    "diaspora_profile": "Indian-origin scientist wins top US science prize",
    "many_countries": "Outage hits users in India, US, UK, Germany and Brazil",
    "us_domestic": "Trump signs executive order on federal hiring",
    "india_domestic": "Modi inaugurates new Parliament building in Delhi",
    "third_party_pm": "Canadian PM says his country will answer US tariffs",
}


@pytest.mark.parametrize("title", NEGATIVES.values(), ids=NEGATIVES.keys())
def test_story_that_merely_mentions_a_side_is_not_relevant(scorer: Scorer, title: str) -> None:
    """A story that mentions India or the US without their dealings is not relevant."""
    assert not relevant(scorer, title)


# Who the story is about: a third party's dealings with one side, or a scene-setting clause.

THIRD_PARTY_STORIES = {
    "leader_calls_india_about_us_plan": "Starmer phones Modi, discusses Trump's Ukraine peace framework",
    "india_calls_leader_about_us_plan": "Modi speaks to Netanyahu, welcomes US-brokered ceasefire plan",
    "india_and_third_country_discuss_us": "India, Japan discuss Trump's reciprocal tariff plan",
    "official_of_third_country_visits": "Saudi crown prince calls PM Modi on US-Iran tensions",
    "third_party_speaker_first": "Chinese foreign ministry says US tariffs on India show bullying",
    "third_party_speaker_last": "Washington's tariffs on India are unfair coercion: Brazil's Lula",
    "us_talks_with_third_country": "Rubio holds talks with Pakistani leaders, India on agenda",
}


@pytest.mark.parametrize("title", THIRD_PARTY_STORIES.values(), ids=THIRD_PARTY_STORIES.keys())
def test_third_party_story_is_not_relevant(scorer: Scorer, title: str) -> None:
    """A third country as one side's counterpart, or as the speaker, makes the story its own."""
    decision = scorer.decide(title)
    assert not decision.relevant
    assert any(m.term.startswith("third party's story") for m in decision.matches)


SIDE_LEADS = {
    "us_leads_the_exchange": "US hails India's role as Modi meets Putin in Moscow",
    "sides_meet_each_other": "Trump calls Modi, discusses trade deal and Russian oil",
    "sides_are_the_joint_subject": "India, US discuss defence deal; Pakistan watches",
    "third_country_is_a_destination": "US Congressional delegation to visit India, Pakistan next week",
    "side_is_the_speaker": "Religious freedom curtailed in India, Pakistan: US panel",
}


@pytest.mark.parametrize("title", SIDE_LEADS.values(), ids=SIDE_LEADS.keys())
def test_third_country_beside_the_two_sides_keeps_them_relevant(scorer: Scorer, title: str) -> None:
    """A third country named where the two sides deal with each other takes nothing away."""
    decision = scorer.decide(title)
    assert decision.relevant
    assert not any(m.term.startswith("third party's story") for m in decision.matches)


def test_gate_does_not_read_roles(scorer: Scorer) -> None:
    """The gate stays recall-first: a third party's story is still worth fetching."""
    title = THIRD_PARTY_STORIES["leader_calls_india_about_us_plan"]
    decision = scorer.gate(title)
    assert decision.relevant
    assert not any(m.list == "rule" and m.weight < 0 for m in decision.matches)


def test_side_in_background_clause_counts_less_and_pairs_with_nothing(scorer: Scorer) -> None:
    """'Amid US tariffs, ...' sets the scene: the US there neither counts fully nor pairs with India."""
    decision = scorer.decide("Amid Trump tariff threat, India and EU seal free trade pact")
    assert not decision.relevant
    assert not any(m.term.startswith("both sides") for m in decision.matches)
    assert scorer.decide("Amid tariff row, Modi and Trump speak on phone").relevant


def test_background_spans_run_to_the_next_punctuation() -> None:
    """A background clause starts at 'amid' and ends at the next comma, colon or the end."""
    text = "Amid US tariffs, India looks to EU; talks amid Russia oil row"
    assert [text[a:b] for a, b in background_spans(text)] == ["Amid US tariffs", "amid Russia oil row"]


def hit(text: str, term: str, kind: str, factor: float = 1.0) -> Hit:
    start = text.index(term)
    return Hit(kind, term, start, start + len(term), factor)


def test_third_party_role_names_the_counterpart() -> None:
    """The role says which third country took the exchange, and with which side."""
    text = "Macron calls PM Modi, discusses Trump meeting"
    hits = [hit(text, "Macron", "countries"), hit(text, "Modi", "india"), hit(text, "Trump", "us")]
    assert third_party_role(text, hits) == "'Macron' is the counterpart of 'Modi'"


def test_third_party_office_is_not_a_side_in_roles() -> None:
    """A side term that is a third country's office ("Pakistan PM", factor 0) is not a side."""
    text = "Pakistan PM meets Trump"
    hits = [hit(text, "Pakistan", "countries"), hit(text, "PM", "india", 0.0), hit(text, "Trump", "us")]
    assert third_party_role(text, hits) == "'Pakistan' is the counterpart of 'Trump'"


QUAD_STORIES = {
    "quad_in_delhi": "Quad foreign ministers meet in New Delhi",
    "india_at_quad": "Jaishankar to attend Quad meeting in Tokyo",
}


@pytest.mark.parametrize("title", QUAD_STORIES.values(), ids=QUAD_STORIES.keys())
def test_quad_story_naming_one_side_is_relevant(scorer: Scorer, title: str) -> None:
    """The Quad includes both sides, so a Quad story that names one of them is relevant."""
    assert relevant(scorer, title)


def test_quad_as_a_word_for_four_is_not_the_quad(scorer: Scorer) -> None:
    """'quad camera' on a phone launched in India is no Quad story."""
    decision = scorer.decide("New phone with quad camera launched in India")
    assert not any(m.term == "Quad" for m in decision.matches)


NOT_THE_STATES = {
    "sec_case": "US SEC charges Indian conglomerate's founder with bribery",
    "indictment_of_company": "US court indicts Indian pharma firm executives over securities fraud",
    "national_killed_abroad": "Indian national killed as US strike hits Gulf port",
    "nationals_among_dead": "Three Indians among dead after US drone strike on tanker",
    "returning_from_us": "More Indian engineers returning from the US, survey finds",
    "both_sides_as_places": "Cough syrup withdrawn in US still sold in India, activists say",
    "company_market": "Fintech startup expands to US after India tightens lending rules",
    "individual_profile": "US grant to Indian scientist for crop research",
}


@pytest.mark.parametrize("title", NOT_THE_STATES.values(), ids=NOT_THE_STATES.keys())
def test_legal_case_nationals_or_places_are_not_relevant(scorer: Scorer, title: str) -> None:
    """A US legal case, one side's nationals as victims or migrants, or sides as mere places or markets."""
    assert not relevant(scorer, title)


BILATERAL_INCIDENTS = {
    "legal_assistance_channel": "US seeks India's help under mutual legal assistance treaty in Adani case",
    "summons_not_served": "India's Law Ministry declines to serve US SEC summons on Adani",
    "diplomat_summoned": "India summons US envoy after Indian sailors killed in US Navy strike",
    "warning_from_us_navy": "Indian crew say they got two warnings from the US Navy",
}


@pytest.mark.parametrize("title", BILATERAL_INCIDENTS.values(), ids=BILATERAL_INCIDENTS.keys())
def test_legal_channel_or_state_incident_is_relevant(scorer: Scorer, title: str) -> None:
    """The legal-assistance channel, or a clash of the two states over their nationals, is bilateral."""
    assert relevant(scorer, title)


@pytest.mark.parametrize("dash", ["-", "‐", "‑", "–", "—", " – "])
def test_every_dash_joins_india_and_us(scorer: Scorer, dash: str) -> None:
    """'India-US' is a bilateral cue whichever dash joins the two."""
    decision = scorer.decide(f"India{dash}US ties at a crossroads")
    assert any(m.list == "bilateral" for m in decision.matches)
    assert decision.relevant


@pytest.mark.parametrize(
    "title", ["America’s envoy praises India's reforms", "US's envoy praises India’s reforms"]
)
def test_possessives_with_either_apostrophe_match(scorer: Scorer, title: str) -> None:
    """Possessives with straight or curly apostrophes still name the side."""
    decision = scorer.decide(title)
    assert {m.list for m in decision.matches if m.weight > 0} >= {"india", "us"}


def test_headline_counts_more_than_body(scorer: Scorer) -> None:
    """The same term adds more to the score in the headline than in the body."""
    in_headline = scorer.decide("Washington reacts", body="A quiet day.\nNothing else happened today.")
    in_body = scorer.decide("A quiet day", body="Nothing happened.\nThen Washington reacted.")
    assert in_headline.score > in_body.score


def test_passing_us_mention_in_a_long_article_is_rejected(scorer: Scorer) -> None:
    """An India–Pakistan article that names the US once in passing is not relevant."""
    paragraphs = [
        "India and Pakistan traded fire along the Line of Control on Tuesday, officials said.",
        "The Indian Army said it responded to unprovoked firing in the Poonch sector.",
        "Pakistan's military accused India of violating the ceasefire understanding.",
        "Analysts in New Delhi said talks between the two armies were unlikely soon.",
        "The US State Department has in the past urged both sides to show restraint.",
        "Villagers near the border moved to bunkers as shelling continued into the night.",
    ]
    assert not relevant(scorer, "India, Pakistan trade fire along LoC", body="\n".join(paragraphs))


def test_passing_india_mention_in_a_us_china_article_is_rejected(scorer: Scorer) -> None:
    """A US–China tariff article that names India once in passing is not relevant."""
    paragraphs = [
        "Washington raised tariffs on Chinese electronics to 60 percent on Monday, officials said.",
        "Beijing promised to retaliate and summoned the American ambassador to protest the move.",
        "Treasury Secretary Scott Bessent said talks with Chinese officials would continue next month.",
        "Some manufacturers are weighing moves to Vietnam, Mexico and India to avoid the duties.",
        "Shares in Shanghai and Hong Kong fell sharply after the announcement.",
    ]
    title = "US raises tariffs on Chinese electronics as Beijing vows to retaliate"
    assert not relevant(scorer, title, body="\n".join(paragraphs))


def test_article_about_both_sides_is_accepted(scorer: Scorer) -> None:
    """An article whose lede and body keep naming both sides is relevant."""
    body = "\n".join(
        [
            "New Delhi and Washington on Friday agreed to cut tariffs on farm goods.",
            "Commerce minister Piyush Goyal said India would open its market to US nuts.",
            "US Trade Representative Jamieson Greer called it a first step.",
        ]
    )
    assert relevant(scorer, "Trade breakthrough announced", body=body)


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name)
def test_seed_article_is_relevant(scorer: Scorer, path: Path) -> None:
    """Both seed articles of the corpus classify relevant on their full text."""
    header, _, body = path.read_text(encoding="utf-8").partition("\n")
    headline = header.split(" ", 3)[3]
    assert relevant(scorer, headline, body="\n".join(p for p in body.split("\n") if p.strip()))


def test_gate_is_more_permissive_than_decide(scorer: Scorer) -> None:
    """The gate lets through a one-sided headline that the decision rejects."""
    title = "US Exim bank weighs loan for power project"
    assert scorer.gate(title).relevant
    assert not scorer.decide(title).relevant


def test_score_is_the_sum_of_match_weights(scorer: Scorer) -> None:
    """Every point of the score is explained by a match."""
    decision = scorer.decide("Jaishankar meets Rubio", "The two discussed tariffs and the Quad.")
    assert decision.score == pytest.approx(sum(m.weight for m in decision.matches))


def test_reasons_list_each_match_and_the_verdict(scorer: Scorer) -> None:
    """reasons() has one line per match and ends with the verdict against the threshold."""
    decision = scorer.decide("Jaishankar meets Rubio")
    reasons = decision.reasons()
    assert len(reasons) == len(decision.matches) + 1
    assert "'Jaishankar' in headline" in reasons[0]
    assert reasons[-1].endswith("decide threshold 1.00: relevant")


def test_decision_records_stage_and_threshold() -> None:
    """A decision carries its stage and the threshold it was judged against."""
    scorer = Scorer(threshold=1.5, gate_threshold=0.3)
    assert (scorer.gate("x").stage, scorer.gate("x").threshold) == ("gate", 0.3)
    decision: Decision = scorer.decide("x")
    assert (decision.stage, decision.threshold, decision.relevant) == ("decide", 1.5, False)


def test_extra_terms_extend_a_list() -> None:
    """A term added from the config counts like a built-in one."""
    title = "Zorblax meets Rubio on trade"
    assert not Scorer().decide(title).relevant
    assert Scorer(extra_terms={"india": ["Zorblax"]}).decide(title).relevant


def test_extra_negative_term_lowers_the_score() -> None:
    """A negative term added from the config is subtracted."""
    title = "Jaishankar meets Rubio at the gala"
    plain = Scorer().decide(title).score
    assert Scorer(extra_terms={"negative": ["gala"]}).decide(title).score < plain


def test_unknown_term_list_is_a_config_error() -> None:
    """An unknown list name in the config's terms raises ConfigError naming it."""
    with pytest.raises(ConfigError, match=r"relevance\.terms\.usa"):
        Scorer(extra_terms={"usa": ["Kristi Noem"]})


def test_non_string_term_is_a_config_error() -> None:
    """A term that is not a non-empty string raises ConfigError naming the list."""
    with pytest.raises(ConfigError, match=r"relevance\.terms\.us"):
        Scorer(extra_terms={"us": [""]})


def test_term_lists_are_named() -> None:
    """TERM_LISTS names the lists the config may extend."""
    assert {"india", "us", "bilateral", "topics", "negative"} <= set(TERM_LISTS)
