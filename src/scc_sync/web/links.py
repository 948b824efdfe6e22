"""Signed links to the subscriber pages, as they appear in mails: `{base_url}/<page>/<token>`.

The token's subject is the subscriber id; the purpose ("confirm", "unsubscribe", "preferences") is bound
into its MAC, so one kind of link cannot be used as another.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from scc_sync.newsletter.tokens import TokenSigner

CONFIRM_VALIDITY = timedelta(days=7)


def confirm_url(signer: TokenSigner, base_url: str, subscriber_id: int, *, expires: datetime) -> str:
    return f"{base_url.rstrip('/')}/confirm/{signer.sign('confirm', subscriber_id, expires=expires)}"


def unsubscribe_url(signer: TokenSigner, base_url: str, subscriber_id: int) -> str:
    """Never expires: a link in a mail from years ago must still unsubscribe (RFC 8058 asks the same)."""
    return f"{base_url.rstrip('/')}/unsubscribe/{signer.sign('unsubscribe', subscriber_id)}"


def preferences_url(signer: TokenSigner, base_url: str, subscriber_id: int) -> str:
    return f"{base_url.rstrip('/')}/preferences/{signer.sign('preferences', subscriber_id)}"
