"""Canonical URLs: what article ids hash and duplicates are judged by (pure).

One page is linked under many URLs: with tracking parameters, through an AMP cache, as its
AMP or mobile variant. ``UrlCanonicaliser`` maps them all to one URL, the one the corpus id
hashes. The rules err on the side of keeping two URLs apart: wrongly merging two articles
loses one of them for good, while a variant left unmerged costs one page fetch and is then
caught by the page's own canonical link or by the duplicate check on the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import quote, unquote_plus, urlsplit, urlunsplit

import tld

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "cmpid",
        "cmp",
        "icid",
        "ncid",
        "ito",
        "itm_source",
        "itm_medium",
        "itm_campaign",
        "ocid",
        "ftag",
        "taid",
        "smid",
        "partner",
        "sr_share",
        "_ga",
        "_gl",
        "ved",
        "usg",
        "ei",
        "s_cid",
        "from",
        "spm",
        "share",
        "shared",
        "rss",
        "rssfeed",
        "feed",
        "xtor",
        "guccounter",
        "guce_referrer",
        "guce_referrer_sig",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "__")
AMP_PARAMETERS = frozenset({"amp", "_amp", "amp_js_v", "amp_gsa", "amp_r", "ampshare", "usqp", "aoh"})
"""Query parameters that only select an AMP rendering or carry the AMP viewer's state."""
AMP_VALUED_PARAMETERS = frozenset({"outputtype", "output", "format", "view"})
"""Parameters dropped only when their value is ``amp`` (``?outputType=amp``, ``?format=amp``)."""
MOBILE_HOST_PREFIXES = ("m.", "amp.", "mobile.")
DEFAULT_PORTS = {"http": 80, "https": 443}
PATH_SAFE = "/%:@!$&'()*+,;=-._~"

_PERCENT = re.compile(r"%[0-9a-fA-F]{2}")
_AMP_SUFFIX = re.compile(r"\.amp(?=\.html?$)|\.amp$", re.IGNORECASE)
_AMP_CACHE_PATH = re.compile(r"^/[cvi]/(?:s/)?(?P<rest>[^/].*)$")
_GOOGLE_AMP_PATH = re.compile(r"^/amp/(?P<secure>s/)?(?P<rest>[^/].*)$")


class UrlCanonicaliser:
    """Turns the many URLs of one page into one. Built once from the config, called per URL."""

    def __init__(self, extra_parameters: Iterable[str] = ()) -> None:
        self.parameters = TRACKING_PARAMETERS | {p.strip().lower() for p in extra_parameters}

    def of_page(self, declared: str | None, final_url: str) -> str:
        """The canonical URL of a fetched page: the one it declares when on the same site, else where
        the fetch ended."""
        if declared and same_site(declared, final_url):
            return self(declared)
        return self(final_url)

    def __call__(self, url: str) -> str:
        parts = urlsplit(_unwrap_amp_cache(url.strip()))
        scheme = parts.scheme.lower()
        host = _main_host(_host(parts.hostname or ""))
        try:
            port = parts.port
        except ValueError:
            port = None
        netloc = f"[{host}]" if ":" in host else host
        if port is not None and port != DEFAULT_PORTS.get(scheme):
            netloc = f"{netloc}:{port}"
        return urlunsplit((scheme, netloc, _main_path(parts.path), self._query(parts.query), ""))

    def _query(self, query: str) -> str:
        """The query without tracking and AMP parameters; the kept pairs stay exactly as written."""
        kept = []
        for pair in query.split("&"):
            if not pair:
                continue
            name, _, value = pair.partition("=")
            name = unquote_plus(name).strip().lower()
            if name in self.parameters or name.startswith(TRACKING_PREFIXES) or name in AMP_PARAMETERS:
                continue
            if name in AMP_VALUED_PARAMETERS and unquote_plus(value).strip().lower() == "amp":
                continue
            kept.append(pair)
        return "&".join(kept)


def _host(hostname: str) -> str:
    host = hostname.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


def _main_host(host: str) -> str:
    """``m.``, ``amp.`` and ``mobile.`` hosts map to the ``www.`` host of the same site."""
    for prefix in MOBILE_HOST_PREFIXES:
        rest = host.removeprefix(prefix)
        if rest != host and rest.count(".") >= 1 and not _is_suffix_only(rest):
            return "www." + rest
    return host


def _is_suffix_only(host: str) -> bool:
    """``co.in``, ``com.au``: two labels that are a registry suffix, not a site."""
    labels = host.split(".")
    second_level = ("co", "com", "net", "org", "gov", "ac", "edu")
    return len(labels) == 2 and len(labels[1]) == 2 and labels[0] in second_level


def _main_path(path: str) -> str:
    """The path of the main page: AMP markers removed, percent-escapes upper-cased, non-ASCII escaped."""
    path = quote(path, safe=PATH_SAFE) if not path.isascii() or " " in path else path
    path = _PERCENT.sub(lambda m: m.group(0).upper(), path) or "/"
    segments = path.split("/")
    # NDTV-style ".../slug-123/amp/1": the page number belongs to the AMP marker
    if len(segments) >= 3 and segments[-2].lower() == "amp" and segments[-1].isdigit():
        segments = segments[:-2]
    kept = []
    for segment in segments:
        lowered = segment.lower()
        if lowered == "amp":
            continue
        if lowered.startswith("amp_") and len(segment) > 4:  # /amp_articleshow/123.cms
            segment = segment[4:]
        kept.append(segment)
    if len(kept) == 1:  # the path was "/amp" or "/amp/"
        kept.append("")
    path = "/".join(kept)
    return _AMP_SUFFIX.sub("", path)


def _unwrap_amp_cache(url: str) -> str:
    """The publisher's URL behind an AMP cache or Google AMP viewer URL; any other URL as it is."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host.endswith(".cdn.ampproject.org"):
        match = _AMP_CACHE_PATH.match(parts.path)
        if match:
            secure = parts.path.startswith(("/c/s/", "/v/s/", "/i/s/"))
            return _rebuild("https" if secure else "http", match.group("rest"), parts.query)
    if host in ("www.google.com", "google.com"):
        match = _GOOGLE_AMP_PATH.match(parts.path)
        if match:
            return _rebuild("https" if match.group("secure") else "http", match.group("rest"), parts.query)
    return url


def _rebuild(scheme: str, rest: str, query: str) -> str:
    return f"{scheme}://{rest}" + (f"?{query}" if query else "")


def same_site(first: str, second: str) -> bool:
    """True when two URLs' hosts share a registrable domain (public-suffix list; www. ignored).

    An IP address is only the same site as itself.
    """
    a = (urlsplit(first).hostname or "").lower().removeprefix("www.")
    b = (urlsplit(second).hostname or "").lower().removeprefix("www.")
    if not a or not b:
        return False
    if a == b:
        return True
    if _is_address(a) or _is_address(b):
        return False
    domains = [tld.get_fld(host, fix_protocol=True, fail_silently=True) for host in (a, b)]
    return domains[0] is not None and domains[0] == domains[1]


def _is_address(host: str) -> bool:
    return ":" in host or host.replace(".", "").isdigit()
