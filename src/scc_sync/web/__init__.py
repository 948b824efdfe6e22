"""Subscriber pages: sign-up with double opt-in, confirmation, unsubscribe (RFC 8058), preferences, health."""

from scc_sync.web.app import SubscriberPages, WebLimits, create_app
from scc_sync.web.security import RateLimit

__all__ = ["RateLimit", "SubscriberPages", "WebLimits", "create_app"]
