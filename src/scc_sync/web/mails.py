"""The two mails a sign-up sends: a confirmation link for a new (or lapsed) address, or, for an address
that is already subscribed, a note with its settings link. Both look alike to whoever filled in the form.

The name typed into the form is deliberately left out of both: otherwise the sign-up form would let anyone
put their own text into a mail to any address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from jinja2 import Environment

from scc_sync.models import Subscriber
from scc_sync.newsletter.links import CONFIRM_VALIDITY, confirm_url, preferences_url, unsubscribe_url
from scc_sync.newsletter.messages import build_plain_message, message_id, sender_domain
from scc_sync.newsletter.render import RenderedMail
from scc_sync.newsletter.tokens import TokenSigner
from scc_sync.web import page_text

_UNTIL = {"de": "d. MMMM y, HH:mm 'Uhr'", "en": "d MMMM y, h:mm a"}


@dataclass(frozen=True)
class SignUpMails:
    """Builds them (see `pipeline.subscriptions.SignUpMails`) with the pages' templates and words."""

    env: Environment
    signer: TokenSigner
    base_url: str
    sender: str
    site_name: str
    zone: ZoneInfo
    imprint_url: str | None = None  # the legal notice and privacy policy, in every mail's footer
    privacy_url: str | None = None

    def build(self, kind: str, subscriber: Subscriber, *, ref: str, now: datetime) -> EmailMessage:
        if kind == "confirm":
            return confirmation_mail(self, subscriber, ref=ref, now=now)
        if kind == "signup-known":
            return known_subscriber_mail(self, subscriber, ref=ref, now=now)
        raise ValueError(f"no sign-up mail of kind {kind!r}")


def confirmation_mail(
    settings: SignUpMails, subscriber: Subscriber, *, ref: str, now: datetime
) -> EmailMessage:
    assert subscriber.id is not None
    t = page_text.strings(subscriber.locale)
    expires = now + CONFIRM_VALIDITY
    until = format_datetime(
        expires.astimezone(settings.zone), _UNTIL[subscriber.locale], locale=subscriber.locale
    )
    return _message(
        settings,
        subscriber,
        ref=ref,
        now=now,
        kind="confirm",
        subject=t["confirm_mail_subject"].format(list=settings.site_name),
        body=t["confirm_mail_body"].format(list=settings.site_name, frequency=t[subscriber.frequency]),
        action_label=t["confirm_mail_action"],
        action_url=confirm_url(
            settings.signer, settings.base_url, subscriber.id, expires=expires, lang=subscriber.locale
        ),
        notes=[t["confirm_mail_expiry"].format(until=until), t["mail_ignore"]],
    )


def known_subscriber_mail(
    settings: SignUpMails, subscriber: Subscriber, *, ref: str, now: datetime
) -> EmailMessage:
    assert subscriber.id is not None
    t = page_text.strings(subscriber.locale)
    leave = unsubscribe_url(settings.signer, settings.base_url, subscriber.id, lang=subscriber.locale)
    return _message(
        settings,
        subscriber,
        ref=ref,
        now=now,
        kind="signup-known",
        subject=t["known_mail_subject"].format(list=settings.site_name),
        body=t["known_mail_body"].format(list=settings.site_name),
        action_label=t["to_preferences"],
        action_url=preferences_url(settings.signer, settings.base_url, subscriber.id, lang=subscriber.locale),
        notes=[t["known_mail_unsubscribe"].format(url=leave), t["mail_ignore"]],
    )


def _message(
    settings: SignUpMails,
    subscriber: Subscriber,
    *,
    ref: str,
    now: datetime,
    kind: str,
    subject: str,
    body: str,
    action_label: str,
    action_url: str,
    notes: list[str],
) -> EmailMessage:
    t = page_text.strings(subscriber.locale)
    context = {
        "t": t,
        "lang": subscriber.locale,
        "subject": subject,
        "greeting": t["mail_greeting"],
        "body": body,
        "action_label": action_label,
        "action_url": action_url,
        "notes": notes,
        "site_name": settings.site_name,
        "imprint_url": settings.imprint_url,
        "privacy_url": settings.privacy_url,
    }
    mail = RenderedMail(
        subject=subject,
        text=settings.env.get_template("web/mail.txt").render(context),
        html=settings.env.get_template("web/mail.html").render(context),
    )
    return build_plain_message(
        mail,
        sender=settings.sender,
        to=subscriber.email,
        message_id=message_id(kind, ref, subscriber.email, sender_domain(settings.sender)),
        date=now,
    )
