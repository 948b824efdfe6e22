"""What every mail of a mailing needs besides its content: the renderer, the link signer and the sender."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from scc_sync.models import Subscriber
from scc_sync.newsletter.links import preferences_url, unsubscribe_url
from scc_sync.newsletter.messages import sender_domain
from scc_sync.newsletter.render import MailLinks, Renderer
from scc_sync.newsletter.tokens import TokenSigner


@dataclass
class MailKit:
    renderer: Renderer
    signer: TokenSigner
    sender: str  # the From address
    list_id: str  # `[delivery] list_id`: the List-Id header, and the Message-IDs' domain if From has none
    base_url: str  # where the subscriber pages are, for the links in every mail

    @cached_property
    def domain(self) -> str:
        """The domain of the Message-IDs."""
        return sender_domain(self.sender, fallback=self.list_id)

    def links(self, subscriber: Subscriber) -> MailLinks:
        ident = subscriber.id if subscriber.id is not None else subscriber.email
        return MailLinks(
            unsubscribe_url=unsubscribe_url(self.signer, self.base_url, ident, lang=subscriber.locale),
            preferences_url=preferences_url(self.signer, self.base_url, ident, lang=subscriber.locale),
        )
