"""URL canonicalization: one spelling per article, so the same link is not stored twice."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

# Query parameters that only say where a click came from; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "ttclid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "wt_mc",
        "wt_zmc",
        "at_medium",
        "at_campaign",
        "ref_src",
        "_ga",
        "_gl",
        "oly_enc_id",
        "oly_anon_id",
        "vero_id",
        "s_cid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_")  # Google Analytics, Piwik/Matomo campaign parameters
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The URL without tracking parameters and fragment, with lowercase scheme and host and no default port.

    The path and the remaining query are kept byte for byte and in their order: servers may treat
    them case- and order-sensitively, so anything more would risk merging different pages.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    netloc = _netloc(scheme, parts)
    path = parts.path or ("/" if scheme in DEFAULT_PORTS and netloc else "")
    query = "&".join(pair for pair in parts.query.split("&") if pair and not _is_tracking_pair(pair))
    return urlunsplit((scheme, netloc, path, query, ""))


def _is_tracking_pair(pair: str) -> bool:
    return is_tracking_param(pair.split("=", 1)[0])


def _netloc(scheme: str, parts: SplitResult) -> str:
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return parts.netloc
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:  # a non-numeric port: keep what was written rather than guess
        return parts.netloc.lower()
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if port is not None and DEFAULT_PORTS.get(scheme) != port:
        netloc += f":{port}"
    return netloc


def host_of(url: str) -> str:
    """The lowercase host name of a URL ('' when it has none)."""
    return (urlsplit(url).hostname or "").rstrip(".")
