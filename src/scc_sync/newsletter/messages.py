"""Turn rendered mails into RFC 5322 messages with the headers list mail needs.

Everything that reaches a header is cleaned of CR/LF first (a subscriber name or an item title from the
web must never be able to add a header). Non-ASCII subjects and display names are encoded per RFC 2047
by the `email` policy; `List-Unsubscribe` is an ASCII URL that is never folded or encoded, because
mail providers only honour one-click unsubscribe (RFC 8058) when they can read that header verbatim.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime

from scc_sync.models import Subscriber
from scc_sync.newsletter.render import RenderedMail

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
MAX_SUBJECT_CHARS = 200


class _UnfoldedHeader(UnstructuredHeader):
    """A header written exactly as given, on one line, whatever policy serializes it."""

    def fold(self, *, policy: email_policy.Policy) -> str:  # type: ignore[override]
        return f"{self.name}: {self}{policy.linesep}"


_registry = HeaderRegistry()
_registry.map_to_type("list-unsubscribe", _UnfoldedHeader)
MAIL_POLICY = email_policy.SMTP.clone(header_factory=_registry)


def clean_header(value: str) -> str:
    """Collapse line breaks (and runs of whitespace around them) into one space."""
    return " ".join(_LINE_BREAKS.sub(" ", value).split())


def message_id(kind: str, ref: str, recipient: str, domain: str) -> str:
    """The same (kind, ref, recipient) always yields the same Message-ID: resends are recognisable."""
    digest = hashlib.sha256("\0".join((kind, ref, recipient.lower())).encode("utf-8")).hexdigest()[:32]
    safe_kind = re.sub(r"[^A-Za-z0-9-]", "-", kind) or "mail"
    return f"<{safe_kind}.{digest}@{clean_header(domain)}>"


def _address(email: str, name: str | None) -> Address:
    email = clean_header(email)
    try:
        return Address(display_name=clean_header(name or ""), addr_spec=email)
    except (ValueError, IndexError) as exc:
        raise ValueError(f"invalid recipient address {email!r}: {exc}") from exc


def _list_unsubscribe(url: str) -> str:
    url = clean_header(url)
    if not url.startswith("https://") or not url.isascii() or " " in url or ">" in url:
        raise ValueError(f"List-Unsubscribe needs a plain ASCII https:// URL, got {url!r}")
    return f"<{url}>"


def _list_id(list_id: str) -> str:
    list_id = clean_header(list_id)
    return list_id if list_id.endswith(">") else f"<{list_id}>"


def _base(
    mail: RenderedMail, *, sender: str, to: Address | str, message_id: str, date: datetime
) -> EmailMessage:
    if date.tzinfo is None:
        raise ValueError("message Date must be timezone-aware")
    msg = EmailMessage(policy=MAIL_POLICY)
    msg["From"] = clean_header(sender)
    msg["To"] = to
    msg["Subject"] = clean_header(mail.subject)[:MAX_SUBJECT_CHARS]
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = clean_header(message_id)
    # Quoted-printable keeps the body 7-bit (no 8BITMIME needed) and readable in raw form.
    msg.set_content(mail.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    if mail.html:
        msg.add_alternative(mail.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return msg


def _add_list_headers(msg: EmailMessage, *, list_id: str, unsubscribe_url: str) -> None:
    msg["List-Id"] = _list_id(list_id)
    msg["List-Unsubscribe"] = _list_unsubscribe(unsubscribe_url)
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"


def build_digest_message(
    mail: RenderedMail,
    *,
    sender: str,
    recipient: Subscriber,
    message_id: str,
    list_id: str,
    unsubscribe_url: str,
    date: datetime,
) -> EmailMessage:
    """`multipart/alternative` (plain text first, then HTML) with list headers."""
    msg = _base(
        mail, sender=sender, to=_address(recipient.email, recipient.name), message_id=message_id, date=date
    )
    _add_list_headers(msg, list_id=list_id, unsubscribe_url=unsubscribe_url)
    return msg


def build_reminder_message(
    mail: RenderedMail,
    ics: bytes,
    *,
    sender: str,
    recipient: Subscriber,
    message_id: str,
    list_id: str,
    unsubscribe_url: str,
    date: datetime,
    ics_filename: str = "event.ics",
) -> EmailMessage:
    """`multipart/mixed`: the text/HTML alternative plus a `text/calendar; method=PUBLISH` part.

    The calendar travels base64-encoded so its CRLF line endings survive every relay.
    """
    msg = build_digest_message(
        mail,
        sender=sender,
        recipient=recipient,
        message_id=message_id,
        list_id=list_id,
        unsubscribe_url=unsubscribe_url,
        date=date,
    )
    msg.add_attachment(
        ics,
        maintype="text",
        subtype="calendar",
        cte="base64",
        filename=clean_header(ics_filename),
        params={"method": "PUBLISH", "charset": "utf-8"},
    )
    return msg


def build_plain_message(
    mail: RenderedMail, *, sender: str, to: str, message_id: str, date: datetime
) -> EmailMessage:
    """Operator alerts and confirmation mails: no list headers (they are not list traffic)."""
    return _base(mail, sender=sender, to=clean_header(to), message_id=message_id, date=date)
