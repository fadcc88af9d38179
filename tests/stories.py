"""Stories written for the tests: India–US relevant ones and off-topic ones."""

from __future__ import annotations

from tests.sitegen import Story

TRADE_TALKS = Story(
    slug="india-us-trade-talks",
    headline="India and US Conclude Fifth Round of Trade Talks in New Delhi",
    published="2026-11-19T21:40:00-05:00",
    summary=(
        "Negotiators from India and the United States closed a fifth round of talks on a bilateral trade agreement."
    ),
    paragraphs=(
        "Negotiators from India and the United States concluded a fifth round of talks on a proposed bilateral "
        "trade agreement in New Delhi on Wednesday, officials of the commerce ministry said.",
        "The US delegation, led by an assistant trade representative, met Indian officials for three days to "
        "discuss market access for farm goods, tariffs on steel and aluminium, and rules for digital trade.",
        "Commerce Minister Piyush Goyal said the two sides had narrowed their differences and that a first "
        "tranche of the agreement could be signed before the end of the year.",
        "Washington has pressed New Delhi to lower duties on American dairy products and medical devices, while "
        "India has sought relief from the reciprocal tariffs imposed on its exports earlier this year.",
        "Trade between the two countries exceeded 190 billion dollars last year, making the United States "
        "India's largest trading partner.",
    ),
)

DEFENCE_DEAL = Story(
    slug="jet-engine-deal",
    headline="Pentagon and Indian Defence Ministry Sign Jet Engine Co-Production Pact",
    published="2026-11-18T09:15:00+05:30",
    summary="The US Defense Department and India's defence ministry signed an agreement on jet engines.",
    paragraphs=(
        "The US Department of Defense and India's Ministry of Defence signed an agreement on Tuesday for the "
        "co-production of fighter jet engines in India, a milestone in the defence partnership.",
        "Defence Minister Rajnath Singh and US Defense Secretary Pete Hegseth witnessed the signing in New "
        "Delhi, where both sides also reviewed progress on the ten-year framework for defence cooperation.",
        "Under the pact, an American engine maker will transfer manufacturing technology to an Indian state "
        "firm, which will assemble the engines for the country's light combat aircraft.",
        "Officials said the agreement was the most significant transfer of defence technology the United "
        "States had offered any partner outside its formal alliances.",
    ),
)

VISA_POLICY = Story(
    slug="h1b-rule-indian-workers",
    headline="New US H-1B Rule Worries Indian IT Firms, MEA Raises Concern With Washington",
    published="2026-11-17T18:05:00Z",
    summary="India's external affairs ministry raised the new H-1B visa rule with the US administration.",
    paragraphs=(
        "India's Ministry of External Affairs said on Monday that it had raised concerns with the United States "
        "over a new H-1B visa rule that is expected to affect thousands of Indian professionals.",
        "The rule, published by the US Department of Homeland Security, raises the wage floor for visa holders "
        "and tightens the definition of a specialty occupation.",
        "Indian nationals receive more than seventy percent of H-1B visas each year, and the country's "
        "technology companies rely on the programme to staff projects for American clients.",
        "A spokesperson for the ministry said New Delhi expected Washington to take into account the "
        "contribution of skilled Indian workers to the US economy.",
    ),
)

CRICKET = Story(
    slug="cricket-series",
    headline="India Clinch Test Series Against England With Innings Win",
    published="2026-11-16T17:00:00+05:30",
    summary="India beat England by an innings to take the series 2-1.",
    paragraphs=(
        "India completed an innings victory over England on the fourth day to take the five-match Test series.",
        "The spinners shared eight wickets on a turning pitch as the visitors collapsed after lunch.",
        "The captain praised the young batters who scored centuries in the first innings.",
    ),
)

MONSOON = Story(
    slug="monsoon-rainfall",
    headline="Monsoon Rainfall Ends Eight Percent Above Normal, Says IMD",
    published="2026-11-15T12:00:00+05:30",
    summary="The weather office said the season's rainfall was above normal.",
    paragraphs=(
        "The India Meteorological Department said the season's rainfall ended eight percent above normal.",
        "Reservoir levels in the southern states are at their highest in five years.",
    ),
)
