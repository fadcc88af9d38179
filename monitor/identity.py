"""Canonical URLs: what article ids hash and duplicates are judged by (pure)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMETERS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "mc_cid", "mc_eid", "igshid",
        "ref", "ref_src", "ref_url", "referrer", "cmpid", "cmp", "icid", "ncid", "ito", "itm_source",
        "itm_medium", "itm_campaign", "ocid", "ftag", "taid", "smid", "partner", "sr_share",
        "_ga", "_gl", "ved", "usg", "ei", "s_cid", "cid", "from", "spm", "share", "shared",
        "rss", "rssfeed", "feed", "xtor", "at_medium", "at_campaign", "guccounter", "guce_referrer",
        "guce_referrer_sig", "outputtype",
    }
)
TRACKING_PREFIXES = ("utm_", "at_", "pk_", "mtm_", "hsa_", "oly_", "vero_", "__")
DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT_LOWER = re.compile(r"%[0-9a-f]{2}")


class UrlCanonicaliser:
    """Turns the many URLs of one page into one. Built once from the config, called per URL."""

    def __init__(self, extra_parameters: Iterable[str] = ()) -> None:
        self.parameters = TRACKING_PARAMETERS | {p.lower() for p in extra_parameters}

    def _is_tracking(self, name: str) -> bool:
        lowered = name.lower()
        return lowered in self.parameters or lowered.startswith(TRACKING_PREFIXES)

    def __call__(self, url: str) -> str:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower().rstrip(".")
        port = parts.port if parts.port not in (None, DEFAULT_PORTS.get(scheme)) else None
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc = f"{netloc}:{port}"
        query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not self._is_tracking(k)]
        path = _PERCENT_LOWER.sub(lambda m: m.group(0).upper(), parts.path) or "/"
        return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def same_site(first: str, second: str) -> bool:
    """True when two URLs' hosts share a registrable domain, approximately (www. and subdomains ignored)."""
    a = (urlsplit(first).hostname or "").lower().removeprefix("www.")
    b = (urlsplit(second).hostname or "").lower().removeprefix("www.")
    if not a or not b:
        return False
    return a == b or a.endswith("." + b) or b.endswith("." + a) or _parent(a) == _parent(b)


def _parent(host: str) -> str:
    labels = host.split(".")
    # example.co.in → co.in would be too broad: keep three labels under a two-letter country code
    if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])
