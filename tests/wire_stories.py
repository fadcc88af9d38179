"""A wire story as outlets republish it, and an independent report of the same meeting."""

from __future__ import annotations

WIRE = (
    "External Affairs Minister S Jaishankar on Thursday held talks with US Secretary of State Marco Rubio in "
    "Washington, with the two sides reviewing the trade negotiations, defence cooperation and the supply of "
    "critical minerals, officials said.",
    "The meeting at the State Department lasted a little over an hour and was followed by a working lunch "
    "attended by senior officials from both delegations, according to people familiar with the matter.",
    "Jaishankar told reporters after the meeting that the conversation had been candid and forward looking, "
    "and that both countries wanted an early conclusion of the first tranche of the bilateral trade "
    "agreement.",
    "The minister said India had conveyed its concerns over the additional tariffs imposed on Indian goods "
    "and had asked Washington to take a balanced view of the shipments of energy and defence equipment.",
    "Rubio said in a statement that the United States valued its comprehensive global strategic partnership "
    "with India and looked forward to hosting the next meeting of the Quad foreign ministers later this "
    "year.",
    "The two leaders also discussed the situation in West Asia, the war in Ukraine and the security of sea "
    "lanes in the Indo-Pacific, where both countries have stepped up naval exercises in recent months.",
    "Officials said the talks touched on a proposed framework for cooperation on critical minerals, under "
    "which American firms would help Indian companies process lithium, cobalt and rare earth elements.",
    "Jaishankar is also scheduled to meet Commerce Secretary Howard Lutnick and National Security Adviser "
    "officials on Friday before travelling to New York for meetings at the United Nations.",
    "The visit comes weeks after a telephone conversation between Prime Minister Narendra Modi and President "
    "Donald Trump in which the two leaders agreed to push for a trade deal by the autumn.",
    "Bilateral trade between India and the United States stood at more than 190 billion dollars last year, "
    "and Washington remains one of the largest sources of foreign direct investment into the Indian economy.",
    "Analysts in New Delhi said the meeting signalled a thaw in ties that had been strained by disagreements "
    "over tariffs, immigration rules for skilled workers and India's purchases of Russian oil.",
    "A joint statement issued at the end of the talks said both sides would convene the next round of the "
    "trade policy forum in New Delhi before the end of the quarter.",
)

INDEPENDENT = (
    "India and the United States agreed to speed up work on a trade pact as External Affairs Minister S "
    "Jaishankar sat down with Secretary of State Marco Rubio in Washington on Thursday.",
    "Our correspondent, who was at the State Department, reports that the Indian side arrived with a clear "
    "list of asks: relief from the extra duties on steel and textiles and a faster route for work visas.",
    "Speaking to the Indian community at an embassy reception later in the evening, Jaishankar said the "
    "relationship had weathered many storms and would weather this one as well.",
    "American officials, speaking on condition of anonymity, described the exchange as businesslike and said "
    "Washington wanted New Delhi to open its market to dairy products and medical devices.",
    "Rubio said in a statement that the United States valued its comprehensive global strategic partnership "
    "with India.",
    "Former diplomats interviewed for this article cautioned that the tariff dispute could not be resolved "
    "in a single visit and that domestic politics in both capitals would shape any compromise.",
    "The minister's schedule in the US capital also includes a roundtable with technology executives and a "
    "lecture at a think tank on India's role in a changing global order.",
    "Industry bodies in Mumbai welcomed the engagement, saying exporters of garments, gems and engineering "
    "goods had seen orders fall sharply since the duties took effect in August.",
    "The opposition Congress party accused the government of failing to protect Indian interests and asked "
    "the prime minister to make a statement in Parliament on the state of relations with Washington.",
    "A senior official in New Delhi said the government expected the negotiators to meet again within weeks "
    "and that a deal remained possible before the end of the year.",
)

HOUSE_STYLE = (
    "Follow our live coverage of India's foreign policy on our website and app, and subscribe to the "
    "morning newsletter for the day's top stories.",
    "(This story has not been edited by our staff and is auto-generated from a syndicated feed.)",
    "Also read: Sensex ends higher as IT stocks rally; rupee steady against the dollar in early trade",
)


def syndicated(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """The wire text as another outlet runs it: its own standfirst and boilerplate around it (about 20%)."""
    return (HOUSE_STYLE[0], *paragraphs, HOUSE_STYLE[1], HOUSE_STYLE[2])


def edited(paragraphs: tuple[str, ...]) -> tuple[str, ...]:
    """The wire text with about a fifth of its sentences reworded by a copy desk."""
    changed = list(paragraphs)
    changed[1] = (
        "The hour-long meeting at Foggy Bottom was followed by a lunch for the two delegations, "
        "people aware of the details said."
    )
    changed[5] = (
        "West Asia, Ukraine and maritime security in the Indo-Pacific were also on the agenda, "
        "with both navies having increased joint drills lately."
    )
    changed[8] = changed[8].replace("telephone conversation", "phone call").replace("autumn", "fall")
    return tuple(changed)


def truncated(paragraphs: tuple[str, ...], share: float = 0.6) -> tuple[str, ...]:
    """The first ``share`` of the text, as feeds that run only the top of a story carry it."""
    total = sum(len(p.split()) for p in paragraphs)
    kept: list[str] = []
    for paragraph in paragraphs:
        if sum(len(p.split()) for p in kept) >= share * total:
            break
        kept.append(paragraph)
    return tuple(kept)
