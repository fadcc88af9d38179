"""Google News links: offline decoding of old ids, the two-request protocol against a local fake, failures."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable

import pytest
from werkzeug import Request, Response

from monitor.config import HttpConfig
from monitor.errors import FetchError, FetchErrorKind
from monitor.fetcher import Fetcher
from monitor.gnews import BATCHEXECUTE_PATH, GoogleNewsResolver, decode_offline, google_news_id
from tests.conftest import Site

LOCAL = HttpConfig(allow_private_addresses=True, host_delay=0, retries=0, timeout=5, connect_timeout=2)
NEW_STYLE_ID = "CBMiswFBVV95cUxNd2x1X2V4YW1wbGVfbmV3X3N0eWxlX2lkX2Zvcl90ZXN0cw"


def old_style_id(url: str) -> str:
    """An id as Google minted them before 2024: base64 of a protobuf that embeds the URL."""
    data = url.encode()
    raw = b"\x08\x13\x22" + bytes([len(data)]) + data + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def fake_google(
    site: Site,
    articles: dict[str, str],
    *,
    signature_page: bool = True,
    answer: Callable[[list[list[object]]], str] | None = None,
) -> None:
    """Serve the signature pages and the batchexecute endpoint for ``articles`` (id → publisher URL)."""
    for article in articles:
        markup = (
            f'<c-wiz><div jscontroller="aLI87" data-n-a-sg="sig-{article}" data-n-a-ts="1712345678">'
            f"</div></c-wiz>"
            if signature_page
            else "<p>consent</p>"
        )
        site.serve(f"/rss/articles/{article}", f"<html><body>{markup}</body></html>")

    def batchexecute(request: Request) -> Response:
        envelopes = json.loads(request.form["f.req"])[0]
        rows: list[list[object]] = []
        for _rpc, inner, _, request_id in envelopes:
            _, _, article, timestamp, signature = json.loads(inner)
            if signature != f"sig-{article}" or timestamp != 1712345678:
                return Response("bad signature", status=400)
            payload = json.dumps(["garturlres", articles[article], 1])
            rows.append(["wrb.fr", "Fbv4je", payload, None, None, None, request_id])
        text = answer(rows) if answer else ")]}'\n\n" + json.dumps([*rows, ["di", 42]])
        return Response(text, content_type="application/json; charset=utf-8")

    site.route(BATCHEXECUTE_PATH, batchexecute)


def resolve(site: Site, link: str, config: HttpConfig = LOCAL) -> str:
    async def go() -> str:
        async with Fetcher(config) as fetcher:
            return await GoogleNewsResolver(fetcher, site.base).resolve(link)

    return asyncio.run(go())


def test_old_style_ids_decode_offline(site: Site) -> None:
    """An old-style id yields its embedded URL without a single request."""
    url = "https://www.thehindu.com/news/national/india-us-talks/article69123456.ece"
    link = f"{site.base}/rss/articles/{old_style_id(url)}?oc=5"
    assert resolve(site, link) == url
    assert site.requests == []


def test_decode_offline_refuses_new_style_and_garbage() -> None:
    """New-style ids, non-protobuf data and non-URL payloads decode to None."""
    assert decode_offline(NEW_STYLE_ID) is None
    assert decode_offline("not*base64") is None
    assert decode_offline(base64.urlsafe_b64encode(b"\x08\x13\x22\x05hello").decode()) is None
    assert decode_offline(base64.urlsafe_b64encode(b"plain text").decode()) is None


def test_new_style_ids_take_the_signature_page_and_batchexecute(site: Site) -> None:
    """A new-style id takes a GET of its signature page, then one POST naming id, time and signature."""
    publisher = "https://www.hindustantimes.com/world-news/india-us-101751234567890.html"
    fake_google(site, {NEW_STYLE_ID: publisher})
    link = f"{site.base}/rss/articles/{NEW_STYLE_ID}?oc=5&hl=en-IN&gl=IN&ceid=IN:en"
    assert resolve(site, link) == publisher
    (page,) = site.hits(f"/rss/articles/{NEW_STYLE_ID}")
    assert page.args["hl"] == "en-IN" and page.args["ceid"] == "IN:en"
    (post,) = site.hits(BATCHEXECUTE_PATH)
    assert post.method == "POST"
    assert post.headers["Content-Type"].startswith("application/x-www-form-urlencoded")


def test_a_page_without_signature_is_a_resolution_failure(site: Site) -> None:
    """When Google's page no longer carries the signature, the error says the link was not resolved."""
    fake_google(site, {NEW_STYLE_ID: "https://example.com/a"}, signature_page=False)
    with pytest.raises(FetchError) as caught:
        resolve(site, f"{site.base}/rss/articles/{NEW_STYLE_ID}")
    assert caught.value.kind is FetchErrorKind.LINK_UNRESOLVED
    assert site.hits(BATCHEXECUTE_PATH) == []


@pytest.mark.parametrize(
    "answer",
    [
        lambda rows: "<html>unexpected</html>",
        lambda rows: ")]}'\n\n" + json.dumps([["wrb.fr", "Fbv4je", json.dumps(["garturlres", "ftp:x"])]]),
        lambda rows: ")]}'\n\n" + json.dumps([["wrb.fr", "Fbv4je", None, None, None, None, "generic"]]),
    ],
    ids=["not-json", "not-a-url", "no-answer"],
)
def test_an_unreadable_answer_is_a_resolution_failure(
    site: Site, answer: Callable[[list[list[object]]], str]
) -> None:
    """A changed or empty batchexecute answer raises link-unresolved rather than returning a wrong URL."""
    fake_google(site, {NEW_STYLE_ID: "https://example.com/a"}, answer=answer)
    with pytest.raises(FetchError) as caught:
        resolve(site, f"{site.base}/rss/articles/{NEW_STYLE_ID}")
    assert caught.value.kind is FetchErrorKind.LINK_UNRESOLVED


def test_an_http_error_from_google_is_a_fetch_error(site: Site) -> None:
    """A 429 from the decoding endpoint surfaces as a fetch error with its status."""
    fake_google(site, {NEW_STYLE_ID: "https://example.com/a"})
    site.serve(BATCHEXECUTE_PATH, "slow down", status=429)
    with pytest.raises(FetchError) as caught:
        resolve(site, f"{site.base}/rss/articles/{NEW_STYLE_ID}")
    assert caught.value.status == 429


def test_the_address_guard_applies_to_resolution(site: Site) -> None:
    """The resolver's requests go through the guarded fetcher: a private address is refused."""
    fake_google(site, {NEW_STYLE_ID: "https://example.com/a"})
    guarded = HttpConfig(allow_private_addresses=False, host_delay=0, retries=0, timeout=5)
    with pytest.raises(FetchError) as caught:
        resolve(site, f"{site.base}/rss/articles/{NEW_STYLE_ID}", guarded)
    assert caught.value.kind is FetchErrorKind.BLOCKED_ADDRESS
    assert site.requests == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.google.com/rss/articles/CBMiswFBVV95cUxN?oc=5", "CBMiswFBVV95cUxN"),
        ("https://news.google.com/articles/CBMiswFBVV95cUxN", "CBMiswFBVV95cUxN"),
        ("https://news.google.com/read/CBMiswFBVV95cUxN?hl=en-IN", "CBMiswFBVV95cUxN"),
        ("https://news.google.com/topics/CAAqJggKIiBDQkFTRWdv", None),
        ("https://news.google.com/rss/search?q=india+us", None),
        ("https://www.thehindu.com/rss/articles/CBMiswFBVV95cUxN", None),
    ],
)
def test_google_news_links_are_recognised(url: str, expected: str | None) -> None:
    """Only article links on news.google.com carry an id; topic, search and other hosts do not."""
    assert google_news_id(url) == expected


def test_the_resolver_handles_its_own_base_and_google(site: Site) -> None:
    """The resolver claims links on news.google.com and on its configured base, nothing else."""
    resolver = GoogleNewsResolver(Fetcher(LOCAL), site.base)
    assert resolver.handles(f"https://news.google.com/rss/articles/{NEW_STYLE_ID}")
    assert resolver.handles(f"{site.base}/rss/articles/{NEW_STYLE_ID}")
    assert not resolver.handles(f"{site.base}/news/story.html")
    asyncio.run(resolver.fetcher.__aexit__(None, None, None))
