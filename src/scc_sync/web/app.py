"""The subscriber pages as one WSGI application: sign-up, confirmation, unsubscribe, preferences, health.

`create_app()` is what `scc-sync web` serves alone and what `scc-sync run` mounts next to its metrics.
Every response passes through `SubscriberPages.__call__`, which enforces the body size limit, turns
errors into helpful pages, and adds the security headers.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from werkzeug import Request, Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect

from scc_sync.config import Config
from scc_sync.effects import Effects
from scc_sync.newsletter.links import CONFIRM_VALIDITY, preferences_url, unsubscribe_url
from scc_sync.newsletter.tokens import InvalidToken
from scc_sync.pipeline.subscriptions import SignUp, link_subscriber, sign_up, unsubscribe
from scc_sync.store import Store
from scc_sync.store import subscribers as subs
from scc_sync.web import page_text
from scc_sync.web.forms import FREQUENCIES, PreferencesForm, SignupForm, read_preferences, read_signup
from scc_sync.web.mails import SignUpMails
from scc_sync.web.security import (
    Csrf,
    RateLimit,
    TokenBuckets,
    add_security_headers,
    retry_minutes,
    set_csrf_cookie,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = logging.getLogger(__name__)

_TOKEN = "string(maxlength=300)"
ROUTES = Map(
    [
        Rule("/", endpoint="signup_form", methods=["GET"]),
        Rule("/subscribe", endpoint="signup", methods=["GET", "POST"]),
        Rule(f"/confirm/<{_TOKEN}:token>", endpoint="confirm", methods=["GET", "POST"]),
        Rule(f"/unsubscribe/<{_TOKEN}:token>", endpoint="unsubscribe", methods=["GET", "POST"]),
        Rule(f"/preferences/<{_TOKEN}:token>", endpoint="preferences", methods=["GET", "POST"]),
        Rule("/healthz", endpoint="healthz", methods=["GET"]),
        Rule("/static/style.css", endpoint="stylesheet", methods=["GET"]),
    ],
    strict_slashes=False,
)
TOKEN_PAGES = ("confirm", "unsubscribe", "preferences")  # the endpoints a signed link from a mail opens


@dataclass(frozen=True)
class WebLimits:
    max_body_bytes: int = 16 * 1024  # the forms are a few hundred bytes; anything larger is not ours
    signup_per_ip: RateLimit = field(default_factory=lambda: RateLimit(burst=10, per_seconds=60))
    # confirmation mails to one address: a form must not become a way to flood someone's mailbox
    signup_per_address: RateLimit = field(default_factory=lambda: RateLimit(burst=3, per_seconds=3600))


def create_app(
    config: Config,
    store: Store,
    effects: Effects,
    *,
    mail_queued: Callable[[], None],
    limits: WebLimits = WebLimits(),
    site_name: str = "SCC-Digest",
) -> WSGIApplication:
    """The subscriber pages as a WSGI callable.

    A sign-up's mail is only promised in the delivery ledger; `mail_queued()` then tells the sender
    (`web.sender.SignUpSender.wake`), so no page waits for a mail server.
    `effects.clock` is the only clock (tokens, consent times and the rate limits' buckets);
    `effects.templates_dir` is the user's template folder, whose `web/` files override the package's. With
    `[web] trusted_proxies = N` the app believes the last N `X-Forwarded-For/-Proto/-Host/-Prefix` entries
    (werkzeug's ProxyFix).
    """
    pages = SubscriberPages(
        config, store, effects, mail_queued=mail_queued, limits=limits, site_name=site_name
    )
    hops = config.web.trusted_proxies
    if hops:
        return ProxyFix(pages, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    return pages


@dataclass
class PageContext:
    """What every page of one request needs: its language and, if it shows a form, the CSRF nonce."""

    request: Request
    lang: page_text.Lang
    t: dict[str, str]
    csrf_nonce: str
    csrf_new: bool
    csrf_used: bool = False
    headers: dict[str, str] = field(default_factory=dict)


class SubscriberPages:
    def __init__(
        self,
        config: Config,
        store: Store,
        effects: Effects,
        *,
        mail_queued: Callable[[], None],
        limits: WebLimits,
        site_name: str,
    ) -> None:
        self.config = config
        self.store = store
        self.mail_queued = mail_queued
        self.now = now = effects.clock
        self.limits = limits
        self.site_name = site_name
        self.base_url = config.web.base_url
        self.signer = effects.signer(config.web)
        self.csrf = Csrf(self.signer, now)
        clock = lambda: now().timestamp()  # noqa: E731
        self.per_ip = TokenBuckets(limits.signup_per_ip, clock)
        self.per_address = TokenBuckets(limits.signup_per_address, clock)
        templates_dir = effects.templates_dir
        loaders: list[Any] = [FileSystemLoader(templates_dir)] if templates_dir else []
        self.env = Environment(
            loader=(loader := ChoiceLoader([*loaders, PackageLoader("scc_sync", "templates")])),
            autoescape=select_autoescape(["html", "htm"], default_for_string=True, default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        web = config.web
        self.mails = SignUpMails(
            self.env,
            self.signer,
            self.base_url,
            config.delivery.sender,
            site_name,
            config.zone,
            imprint_url=web.imprint_url,
            privacy_url=web.privacy_url,
        )
        self.stylesheet = loader.get_source(self.env, "web/style.css")[0]

    # -- WSGI -----------------------------------------------------------------------------------------

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = self.limits.max_body_bytes
        request.max_form_memory_size = self.limits.max_body_bytes
        request.max_form_parts = 50
        try:
            response = self.dispatch(request)
        except HTTPException as exc:
            response = self.error_page(request, exc)
        except Exception:
            log.exception("web: %s %s failed", request.method, request.path)
            response = self.error_page(request, None)
        return add_security_headers(response)(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        length = request.content_length
        if length is not None and length > self.limits.max_body_bytes:
            raise RequestEntityTooLarge()
        endpoint, args = ROUTES.bind_to_environ(request.environ).match()
        if endpoint == "healthz":
            return self.healthz()
        if endpoint == "stylesheet":
            return self.stylesheet_response()
        ctx = self.context(request, self.chosen_language(endpoint, args.get("token")))
        response: Response = getattr(self, f"page_{endpoint}")(ctx, **args)
        if ctx.csrf_used and ctx.csrf_new:
            set_csrf_cookie(response, request, ctx.csrf_nonce)
        response.headers.update(ctx.headers)
        return response

    def context(self, request: Request, chosen_language: str | None = None) -> PageContext:
        lang = page_text.page_language(request, chosen_language)
        nonce, new = self.csrf.nonce(request)
        return PageContext(request, lang, page_text.strings(lang), nonce, new)

    def chosen_language(self, endpoint: str, token: str | None) -> str | None:
        """The mail language of the subscriber a link names: a page opened from a mail speaks it too."""
        if endpoint not in TOKEN_PAGES or token is None:
            return None
        try:
            subscriber_id = link_subscriber(self.signer, token, endpoint, now=self.now())
        except InvalidToken:
            return None  # the page itself turns it down and logs why
        with self.store.read() as conn:
            subscriber = subs.get_subscriber(conn, subscriber_id)
        return subscriber.locale if subscriber else None

    # -- rendering ------------------------------------------------------------------------------------

    def render(
        self, ctx: PageContext, template: str, title: str, status: int = 200, **values: Any
    ) -> Response:
        request = ctx.request
        root = request.script_root
        context = dict(
            t=ctx.t,
            lang=ctx.lang,
            title=title,
            site_name=self.site_name,
            imprint_url=self.config.web.imprint_url,
            privacy_url=self.config.web.privacy_url,
            css_url=f"{root}/static/style.css",
            home_url=f"{root}/?lang={ctx.lang}",
            languages=[
                (code, page_text.strings(code)["lang_name"], f"{root}{request.path}?lang={code}")
                for code in page_text.LANGS
            ],
            action=f"{root}{request.path}",
        )
        page = self.env.get_template(f"web/{template}").render(context | values)
        return Response(page, status=status, mimetype="text/html")

    def message(
        self,
        ctx: PageContext,
        title_key: str,
        paragraphs: list[str],
        *,
        status: int = 200,
        links: list[tuple[str, str]] | None = None,
    ) -> Response:
        return self.render(
            ctx, "message.html", ctx.t[title_key], status, paragraphs=paragraphs, links=links or []
        )

    def csrf_field(self, ctx: PageContext, path: str | None = None) -> str:
        """A signed field for a form that posts to `path` (default: the page's own path)."""
        ctx.csrf_used = True
        return self.csrf.field(ctx.csrf_nonce, path or ctx.request.path)

    def signup_link(self, ctx: PageContext) -> tuple[str, str]:
        return ctx.t["to_signup"], f"{ctx.request.script_root}/?lang={ctx.lang}"

    def error_page(self, request: Request, exc: HTTPException | None) -> Response:
        code = exc.code if exc is not None and exc.code else 500
        keys = {404: "not_found", 405: "method", 413: "too_large"}.get(code)
        if keys is None:
            keys, code = ("bad_link", 400) if code == 400 else ("server_error", 500)
        ctx = self.context(request)
        response = self.message(
            ctx, f"{keys}_title", [ctx.t[f"{keys}_body"]], status=code, links=[self.signup_link(ctx)]
        )
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    # -- pages ----------------------------------------------------------------------------------------

    def page_signup_form(self, ctx: PageContext) -> Response:
        return self.signup_page(ctx, SignupForm(locale=ctx.lang))

    def signup_page(self, ctx: PageContext, form: SignupForm, status: int = 200) -> Response:
        return self.render(
            ctx,
            "signup.html",
            ctx.t["signup_title"],
            status,
            form=form,
            csrf=self.csrf_field(ctx, "/subscribe"),
            action=f"{ctx.request.script_root}/subscribe",
            frequencies=FREQUENCIES,
            locales=[(code, page_text.strings(code)["lang_name"]) for code in page_text.LANGS],
        )

    def page_signup(self, ctx: PageContext) -> Response:
        request = ctx.request
        if request.method == "GET":
            return redirect(f"{request.script_root}/?lang={ctx.lang}", 303)
        ip = request.remote_addr or "unknown"
        wait = self.per_ip.take(ip)
        if wait:
            ctx.headers["Retry-After"] = str(math.ceil(wait))
            body = ctx.t["too_many_body"].format(minutes=retry_minutes(wait))
            return self.message(ctx, "too_many_title", [body], status=429)
        if not self.csrf.valid(request):
            return self.csrf_failed(ctx)
        form = read_signup(request.form, ctx.lang)
        if form.errors:
            return self.signup_page(ctx, form, status=400)
        sent_page = self.message(
            ctx,
            "sent_title",
            [
                ctx.t["sent_body"].format(email=form.email, days=CONFIRM_VALIDITY.days),
                ctx.t["sent_next"],
            ],
        )
        if self.per_address.take(form.email.lower()):
            # Same answer as always: the limit protects the mailbox's owner, it must not inform the sender.
            log.warning("web: sign-up for a recently requested address from %s; no mail sent", ip)
            return sent_page
        wish = SignUp(
            form.email,
            form.name or None,
            form.locale,
            form.frequency,
            form.reminders,
            consent_source=f"web:{ip} sign-up at {self.base_url}/",
        )
        done = sign_up(self.store, self.mails, wish, now=self.now)
        self.mail_queued()
        log.info(
            "web: sign-up subscriber=%s created=%s mail=%s", done.subscriber.id, done.created, done.mail_kind
        )
        return sent_page

    def page_confirm(self, ctx: PageContext, token: str) -> Response:
        subscriber_id = self.verify(ctx, token, "confirm")
        if subscriber_id is None:
            return self.bad_link(ctx, ctx.t["bad_link_confirm"].format(days=CONFIRM_VALIDITY.days))
        if ctx.request.method == "GET":  # only show a button: link scanners in mail systems follow GETs
            return self.render(ctx, "confirm.html", ctx.t["confirm_title"], csrf=self.csrf_field(ctx))
        if not self.csrf.valid(ctx.request):
            return self.csrf_failed(ctx)
        source = f"web:{ctx.request.remote_addr or 'unknown'} confirmation link"
        try:
            with self.store.write() as conn:
                subscriber = subs.confirm_subscriber(
                    conn, subscriber_id, now=self.now(), consent_source=source
                )
        except subs.SubscriberError:  # removed meanwhile, or unsubscribed since the link was sent
            return self.bad_link(ctx, ctx.t["bad_link_confirm"].format(days=CONFIRM_VALIDITY.days))
        log.info("web: subscriber %s confirmed", subscriber_id)
        return self.message(
            ctx,
            "confirmed_title",
            [ctx.t["confirmed_body"].format(frequency=ctx.t[subscriber.frequency]), ctx.t["confirmed_next"]],
            links=[
                (ctx.t["to_preferences"], self.local(preferences_url(self.signer, "", subscriber_id), ctx))
            ],
        )

    def page_unsubscribe(self, ctx: PageContext, token: str) -> Response:
        subscriber_id = self.verify(ctx, token, "unsubscribe")
        if subscriber_id is None:
            return self.bad_link(ctx, ctx.t["bad_link_mail"])
        if ctx.request.method == "GET":  # never changes anything: prefetchers and scanners send GETs
            prefs = self.local(preferences_url(self.signer, "", subscriber_id), ctx)
            return self.render(ctx, "unsubscribe.html", ctx.t["unsubscribe_title"], preferences_url=prefs)
        # The form's POST and the RFC 8058 one-click POST (no cookies, no CSRF field by design): the
        # signed token is the permission. Idempotent, and 200 whether or not the subscriber still exists.
        try:
            unsubscribe(self.store, subscriber_id, now=self.now())
        except subs.SubscriberError:
            log.info("web: unsubscribe for subscriber %s, who is no longer stored", subscriber_id)
        log.info("web: subscriber %s unsubscribed", subscriber_id)
        return self.message(
            ctx,
            "unsubscribed_title",
            [ctx.t["unsubscribed_body"], ctx.t["unsubscribed_next"]],
            links=[self.signup_link(ctx)],
        )

    def page_preferences(self, ctx: PageContext, token: str) -> Response:
        subscriber_id = self.verify(ctx, token, "preferences")
        if subscriber_id is None:
            return self.bad_link(ctx, ctx.t["bad_link_mail"])
        request = ctx.request
        if request.method == "POST" and not self.csrf.valid(request):
            return self.csrf_failed(ctx)
        with self.store.write() as conn:
            subscriber = subs.get_subscriber(conn, subscriber_id)
            if subscriber is None:
                return self.bad_link(ctx, ctx.t["bad_link_mail"])
            if subscriber.status != "confirmed":
                return self.message(
                    ctx, "preferences_title", [ctx.t["preferences_inactive"]], links=[self.signup_link(ctx)]
                )
            form = PreferencesForm(subscriber.frequency, subscriber.locale, subscriber.reminders)
            saved = False
            if request.method == "POST":
                form = read_preferences(request.form)
                if not form.errors:
                    subs.update_preferences(
                        conn,
                        subscriber_id,
                        now=self.now(),
                        frequency=form.frequency,
                        locale=form.locale,
                        reminders=form.reminders,
                    )
                    saved = True
                    log.info("web: subscriber %s changed preferences", subscriber_id)
        return self.render(
            ctx,
            "preferences.html",
            ctx.t["preferences_title"],
            400 if form.errors else 200,
            form=form,
            saved=saved,
            email=subscriber.email,
            csrf=self.csrf_field(ctx),
            frequencies=FREQUENCIES,
            locales=[(code, page_text.strings(code)["lang_name"]) for code in page_text.LANGS],
            unsubscribe_url=self.local(unsubscribe_url(self.signer, "", subscriber_id), ctx),
        )

    # -- helpers ----------------------------------------------------------------------------------------

    def verify(self, ctx: PageContext, token: str, purpose: str) -> int | None:
        try:
            return link_subscriber(self.signer, token, purpose, now=self.now())
        except InvalidToken as exc:
            log.info("web: rejected %s link: %s", purpose, exc)
            return None

    def local(self, url: str, ctx: PageContext) -> str:
        """A link built with an empty base URL, made relative to wherever the app is mounted."""
        return f"{ctx.request.script_root}{url}?lang={ctx.lang}"

    def bad_link(self, ctx: PageContext, hint: str) -> Response:
        return self.message(
            ctx, "bad_link_title", [ctx.t["bad_link_body"], hint], status=400, links=[self.signup_link(ctx)]
        )

    def csrf_failed(self, ctx: PageContext) -> Response:
        log.info("web: form post to %s without a valid CSRF token", ctx.request.path)
        reload = f"{ctx.request.script_root}{ctx.request.path}?lang={ctx.lang}"
        return self.message(
            ctx, "csrf_title", [ctx.t["csrf_body"]], status=403, links=[(ctx.t["reload"], reload)]
        )

    def healthz(self) -> Response:
        """Whether this process can serve: it answers, and so does its database. The one `/healthz`, under
        `scc-sync web` and `run` alike; whether the service syncs is `scc-sync healthcheck`'s question."""
        try:
            self.store.ping()
        except Exception as exc:  # any database failure means "not healthy"; the log says which
            log.error("web: health check failed: %s", exc)
            return Response(
                '{"status": "error", "database": "unavailable"}\n', 503, mimetype="application/json"
            )
        return Response('{"status": "ok"}\n', mimetype="application/json")

    def stylesheet_response(self) -> Response:
        response = Response(self.stylesheet, mimetype="text/css")
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response


__all__ = ["SubscriberPages", "WebLimits", "create_app"]
