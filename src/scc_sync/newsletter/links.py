"""Signed links to the subscriber pages, as they appear in mails: `{base_url}/<page>/<token>?lang=<lang>`.

The token's subject is the subscriber id; the purpose ("confirm", "unsubscribe", "preferences") is bound
into its MAC, so one kind of link cannot be used as another. `lang`, the subscriber's mail language, opens
the page in the language of the mail it came from.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scc_sync.newsletter.tokens import TokenSigner

CONFIRM_VALIDITY = timedelta(days=7)


def confirm_url(
    signer: TokenSigner,
    base_url: str,
    subscriber_id: int | str,
    *,
    expires: datetime,
    lang: str | None = None,
) -> str:
    return _page_url(base_url, "confirm", signer.sign("confirm", subscriber_id, expires=expires), lang)


def unsubscribe_url(
    signer: TokenSigner, base_url: str, subscriber_id: int | str, *, lang: str | None = None
) -> str:
    """Never expires: a link in a mail from years ago must still unsubscribe (RFC 8058 asks the same)."""
    return _page_url(base_url, "unsubscribe", signer.sign("unsubscribe", subscriber_id), lang)


def preferences_url(
    signer: TokenSigner, base_url: str, subscriber_id: int | str, *, lang: str | None = None
) -> str:
    return _page_url(base_url, "preferences", signer.sign("preferences", subscriber_id), lang)


def link_token(link: str) -> str:
    """The token of a link to a subscriber page, or `link` itself when it is a bare token."""
    return link.strip().split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]


def _page_url(base_url: str, page: str, token: str, lang: str | None) -> str:
    url = f"{base_url.rstrip('/')}/{page}/{token}"
    return f"{url}?lang={lang}" if lang else url
