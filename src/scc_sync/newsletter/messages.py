"""Turn rendered mails into RFC 5322 messages with the headers list mail needs.

Everything that reaches a header is cleaned of CR/LF first (a subscriber name or an item title from the
web must never be able to add a header). Non-ASCII subjects and display names are encoded per RFC 2047
by the `email` policy; `List-Unsubscribe` is an ASCII URL that is never folded or encoded, because
mail providers only honour one-click unsubscribe (RFC 8058) when they can read that header verbatim.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import datetime
from email import policy as email_policy
from email.header import Header
from email.headerregistry import Address, BaseHeader, HeaderRegistry, UniqueAddressHeader, UnstructuredHeader
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime, formataddr, parseaddr
from typing import TYPE_CHECKING, Any

from email_validator import EmailNotValidError, validate_email

from scc_sync.models import Subscriber
from scc_sync.newsletter.render import RenderedMail

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x85\u2028\u2029]+")
MAX_SUBJECT_CHARS = 200
# "=_" never occurs in quoted-printable text, so this boundary cannot collide with a body: the generator
# need not search the bodies for a safe one, and one constant Content-Type header serves every message.
ALTERNATIVE_BOUNDARY = "=_scc_alternative"


if (
    TYPE_CHECKING
):  # the registry mixes each header class with BaseHeader at run time; typeshed keeps them apart

    class _Unstructured(UnstructuredHeader, BaseHeader): ...

    class _UniqueAddress(UniqueAddressHeader, BaseHeader): ...  # type: ignore[misc]  # (its init and max_count)
else:
    _Unstructured, _UniqueAddress = UnstructuredHeader, UniqueAddressHeader


class _UnfoldedHeader(_Unstructured):
    """A header written exactly as given, on one line, whatever policy serializes it."""

    def fold(self, *, policy: email_policy.Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


class _SubjectHeader(_Unstructured):
    """Non-ASCII subjects are encoded whole, in the legacy `Header` way.

    The modern folder in CPython < 3.15 drops the space between two encoded words when it folds a line
    there (python/cpython#144156: "Tagen – Größe" arrives as "Tagen –Größe"). Encoding the complete text
    keeps every space inside an encoded word, where decoders must keep it.
    """

    def fold(self, *, policy: email_policy.Policy) -> str:
        value = str(self)
        if value.isascii():
            return super().fold(policy=policy)
        encoded = Header(value, "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


MAX_LINE = 78
MAX_NAME_BYTES = 45  # what fits into one RFC 2047 encoded word of at most 75 characters


def _encoded_name(name: str) -> str:
    """One base64 encoded word for the whole display name, shortened at a word boundary if needed.

    Several adjacent encoded words in a display name are decoded inconsistently: RFC 2047 says the
    space between them vanishes, while CPython's own address parser inserts one. One word avoids both.
    """
    while len(name.encode("utf-8")) > MAX_NAME_BYTES:
        shorter = name.rsplit(" ", 1)[0]
        name = shorter if shorter != name else name[:-1]
    return "=?utf-8?b?" + base64.b64encode(name.encode("utf-8")).decode("ascii") + "?="


class _AddressHeader(_UniqueAddress):
    """From/To whose non-ASCII display names are encoded by `_encoded_name`, not by the folder.

    The modern folder both splits names into several encoded words and, in CPython < 3.15, can
    drop spaces between them when it folds (python/cpython#144156).
    """

    def fold(self, *, policy: email_policy.Policy) -> str:
        if all(address.display_name.isascii() for address in self.addresses):
            return super().fold(policy=policy)
        parts = []
        for address in self.addresses:
            name = address.display_name
            if name and not name.isascii():
                encoded, angle = _encoded_name(name), f"<{address.addr_spec}>"
                fits = len(self.name) + len(encoded) + len(angle) + 3 <= MAX_LINE
                parts.append(f"{encoded} {angle}" if fits else f"{encoded}{policy.linesep} {angle}")
            else:
                parts.append(formataddr((name, address.addr_spec)))
        return f"{self.name}: {f',{policy.linesep} '.join(parts)}{policy.linesep}"


class _MemoFoldHeader(BaseHeader):
    """Shared header objects fold once per serializing policy, not once per message."""

    def fold(self, *, policy: email_policy.Policy) -> str:
        key = (policy.linesep, policy.max_line_length, getattr(policy, "utf8", False))
        memo = self.__dict__.setdefault("_folded", {})
        if key not in memo:
            memo[key] = super().fold(policy=policy)
        return memo[key]


class _CachingRegistry(HeaderRegistry):
    """The standard registry, minus its per-header cost.

    `HeaderRegistry` builds a new class for every header it parses, and most headers of a mailing
    (From, List-Id, Content-Type, ...) are the same for every recipient. Header objects are immutable,
    so both the classes and the parsed headers can be shared between messages.
    """

    MAX_CACHED = 4096

    def __init__(self) -> None:
        super().__init__(base_class=_MemoFoldHeader)
        self._classes: dict[str, type] = {}
        self._headers: dict[tuple[str, str], Any] = {}

    def map_to_type(self, name: str, cls: type) -> None:
        super().map_to_type(name, cls)
        self._classes.clear()
        self._headers.clear()

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(key)
        return cls

    def __call__(self, name: str, value: Any) -> Any:
        if not isinstance(value, str):
            return super().__call__(name, value)
        key = (name, value)
        header = self._headers.get(key)
        if header is None:
            if len(self._headers) >= self.MAX_CACHED:
                self._headers.clear()
            header = self._headers[key] = super().__call__(name, value)
        return header


_registry = _CachingRegistry()
_registry.map_to_type("from", _AddressHeader)
_registry.map_to_type("to", _AddressHeader)
_registry.map_to_type("list-unsubscribe", _UnfoldedHeader)
_registry.map_to_type("message-id", _UnfoldedHeader)  # built by `message_id()`: short and plain ASCII
_registry.map_to_type("subject", _SubjectHeader)
MAIL_POLICY = email_policy.SMTP.clone(header_factory=_registry)


def clean_header(value: str) -> str:
    """Collapse line breaks (and runs of whitespace around them) into one space."""
    return " ".join(_LINE_BREAKS.sub(" ", value).split())


def sender_domain(sender: str, fallback: str = "localhost") -> str:
    """The domain of a `From` address (`Name <digest@news.example.org>`), for Message-IDs."""
    return parseaddr(sender)[1].rpartition("@")[2] or fallback


def message_id(kind: str, ref: str, recipient: str, domain: str) -> str:
    """The same (kind, ref, recipient) always yields the same Message-ID: resends are recognisable."""
    digest = hashlib.sha256("\0".join((kind, ref, recipient.lower())).encode("utf-8")).hexdigest()[:32]
    safe_kind = re.sub(r"[^A-Za-z0-9-]", "-", kind) or "mail"
    return f"<{safe_kind}.{digest}@{clean_header(domain)}>"


def _address(email: str, name: str | None) -> Address:
    email = clean_header(email)
    try:
        return Address(display_name=clean_header(name or ""), addr_spec=_ascii_address(email))
    except (ValueError, IndexError) as exc:
        raise ValueError(f"invalid recipient address {email!r}: {exc}") from exc


def _ascii_address(email: str) -> str:
    """The address as headers and SMTP need it: an internationalized domain in its IDNA form."""
    if email.isascii():
        return email
    try:
        valid = validate_email(email, check_deliverability=False, globally_deliverable=False)
    except EmailNotValidError as exc:
        raise ValueError(str(exc)) from None
    if valid.ascii_email is None:
        raise ValueError("non-ASCII characters before the @ need SMTPUTF8, which scc-sync does not send")
    return valid.ascii_email


_LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?/")


def _list_unsubscribe(url: str) -> str:
    """An https URL; plain http only for a loopback host (local development and the demo)."""
    url = clean_header(url)
    secure = url.startswith("https://") or _LOOPBACK.match(url)
    if not secure or not url.isascii() or " " in url or ">" in url:
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
    msg["MIME-Version"] = "1.0"
    if mail.html:
        msg["Content-Type"] = f'multipart/alternative; boundary="{ALTERNATIVE_BOUNDARY}"'
        msg.attach(_text_part(mail.text, "plain"))  # type: ignore[arg-type]  # typeshed: any part will do
        msg.attach(_text_part(mail.html, "html"))  # type: ignore[arg-type]  # (not only an EmailMessage)
    else:
        msg["Content-Type"] = 'text/plain; charset="utf-8"'
        msg["Content-Transfer-Encoding"] = "quoted-printable"
        msg.set_payload(_quoted_printable(mail.text))
    return msg


def _quoted_printable(text: str) -> str:
    """Quoted-printable keeps the body 7-bit (no 8BITMIME needed) and readable in raw form.

    `binascii.b2a_qp` does in C what `set_content(cte="quoted-printable")` does in Python, ~20x faster.
    """
    data = text.replace("\r\n", "\n").replace("\r", "\n").encode("utf-8")
    return binascii.b2a_qp(data, istext=True).decode("ascii")


def _text_part(text: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=MAIL_POLICY)
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(_quoted_printable(text))
    return part


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
