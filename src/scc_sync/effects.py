"""The outside world, built from config in one place: the clock, the HTTP client, the mail transport, the
mail kit (templates and signing keys) and the secrets in the environment.

`run`, `web`, `demo` and every command take these from an `Effects`, so that `run` and `web` render the same
pages and mails, and so that a test or the demo hands in its own clock or environment instead of patching.
"""

from __future__ import annotations

import difflib
import os
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path

from scc_sync.clock import Clock, utc_now
from scc_sync.config import Config, ConfigError, HttpConfig, SmtpConfig, WebConfig
from scc_sync.fetch.http import HttpClient, client_for
from scc_sync.newsletter.kit import MailKit
from scc_sync.newsletter.render import Renderer
from scc_sync.newsletter.tokens import MIN_KEY_BYTES, TokenSigner
from scc_sync.newsletter.transports import Limiter, MaildirTransport, SmtpTransport, Transport

# The user's templates: a `templates/` folder in the working directory overrides the package's copies.
USER_TEMPLATES = Path("templates")


def user_templates(folder: Path = USER_TEMPLATES) -> Path | None:
    """The user's templates folder, if there is one."""
    return folder if folder.is_dir() else None


@dataclass(frozen=True)
class Effects:
    """`clock` tells the time; `templates_dir` holds the user's templates (None: the package's only);
    `environ` holds the secrets that `[web] secret_env` and `[delivery.smtp] password_env` name."""

    clock: Clock = utc_now
    templates_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)

    @classmethod
    def here(cls, clock: Clock = utc_now) -> Effects:
        """What a command sees where it runs: the real environment and `./templates` if there is one."""
        return cls(clock, user_templates())

    def http_client(self, http: HttpConfig) -> HttpClient:
        """The client `[http]` describes: one per run, shared by every fetch; the caller closes it."""
        return client_for(http)

    def transport(self, config: Config, *, limiter: Limiter | None = None) -> Transport:
        """SMTP or Maildir, as `[delivery] transport` says; the caller closes it. `limiter`: a pace shared
        with other processes instead of this transport's own `[delivery] max_per_second`."""
        delivery = config.delivery
        if delivery.transport == "maildir":
            return MaildirTransport(Path(delivery.maildir))
        smtp = delivery.smtp
        password = self.smtp_password(smtp)
        return SmtpTransport(
            smtp.host,
            smtp.port,
            security=smtp.security,
            username=smtp.username if password is not None else None,
            password=password if smtp.username is not None else None,
            timeout=smtp.timeout,
            max_per_second=delivery.max_per_second,
            ssl_context=tls_context(smtp),
            limiter=limiter,
        )

    def mail_kit(self, config: Config) -> MailKit:
        """Renderer (its templates checked: a syntax error stops a run before anything is queued), link
        signer and sender of the digests and reminders."""
        delivery = config.delivery
        renderer = Renderer(
            self.templates_dir,
            timezone=config.timezone,
            list_name=parseaddr(delivery.sender)[0] or delivery.list_id,
            full_items=config.digest.full_items,
            imprint_url=config.web.imprint_url,
            privacy_url=config.web.privacy_url,
        )
        renderer.check_templates()
        return MailKit(
            renderer, self.signer(config.web), delivery.sender, delivery.list_id, config.web.base_url
        )

    def signer(self, web: WebConfig) -> TokenSigner:
        return TokenSigner(self.secret_keys(web))

    def secret_keys(self, web: WebConfig) -> list[bytes]:
        """Signing keys, newest first: the variable may hold several, comma-separated, for key rotation."""
        raw = self.environ.get(web.secret_env, "")
        keys = [k.strip().encode() for k in raw.split(",") if k.strip()]
        if not keys:
            raise ConfigError(
                f"web.secret_env: environment variable {web.secret_env} is not set"
                f"{self._similar_variable(web.secret_env)}; "
                "set it to a long random string (it signs unsubscribe and confirmation links)"
            )
        short = [n for n, key in enumerate(keys, start=1) if len(key) < MIN_KEY_BYTES]
        if short:
            raise ConfigError(
                f"web.secret_env: key {short[0]} in {web.secret_env} is shorter than {MIN_KEY_BYTES} "
                "characters; use a long random string: python -c 'import secrets; "
                "print(secrets.token_urlsafe(32))'"
            )
        return keys

    def smtp_password(self, smtp: SmtpConfig) -> str | None:
        if not smtp.password_env:
            return None
        value = self.environ.get(smtp.password_env)
        if not value:
            state = "is empty" if value == "" else "is not set"
            raise ConfigError(
                f"delivery.smtp.password_env: environment variable {smtp.password_env} {state}"
                f"{self._similar_variable(smtp.password_env)}"
            )
        return value

    def check_secrets(self, config: Config) -> None:
        """Every digest and reminder needs these: better to refuse a config than to fail each job for days."""
        self.secret_keys(config.web)
        if config.delivery.transport == "smtp":
            self.smtp_password(config.delivery.smtp)

    def _similar_variable(self, name: str) -> str:
        """A hint for a misspelt variable name: a set variable whose name is close to it."""
        names = [k for k, v in self.environ.items() if v]
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.8)
        return f" (but {close[0]} is: a typo in the config or in the variable's name?)" if close else ""


def tls_context(smtp: SmtpConfig) -> ssl.SSLContext:
    """Verifies the server's certificate and host name, against `ca_file` too when it is set."""
    context = ssl.create_default_context()
    if smtp.ca_file:
        try:
            context.load_verify_locations(cafile=smtp.ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ConfigError(
                f"delivery.smtp.ca_file: {smtp.ca_file}: not a PEM certificate ({exc})"
            ) from exc
    return context
