"""CSRF, rate limits, body size, security headers, proxies: each refusal changes nothing and says why."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from scc_sync.config import ConfigError, parse_config
from scc_sync.web import RateLimit, WebLimits
from scc_sync.web.security import CSRF_COOKIE, TokenBuckets
from tests.web.conftest import link_in, path_of

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/healthz", 200),
        ("GET", "/static/style.css", 200),
        ("GET", "/no-such-page", 404),
        ("PUT", "/subscribe", 405),
        ("GET", "/unsubscribe/forged.token.here", 400),
        ("POST", "/subscribe", 403),
    ],
)
def test_every_response_carries_the_security_headers(site, method, path, status):
    response = site.client.open(path, method=method)
    assert response.status_code == status
    assert response.headers["Content-Security-Policy"] == CSP
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == ("public, max-age=3600" if "static" in path else "no-store")


def test_error_pages_are_helpful_html(site):
    missing = site.client.get("/nope")
    assert "Seite nicht gefunden" in missing.text and 'href="/?lang=de"' in missing.text
    wrong = site.client.delete("/subscribe")
    assert wrong.status_code == 405 and set(wrong.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_pages_have_no_inline_script_or_style(site):
    page = site.client.get("/").text
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    css = site.client.get("/static/style.css")
    assert css.mimetype == "text/css" and "max-width" in css.text


def test_signup_without_the_csrf_cookie_is_refused(site):
    csrf = site.form_field("/")
    site.client.delete_cookie(CSRF_COOKIE)
    response = site.client.post("/subscribe", data={"csrf": csrf, "email": "ada@example.org"})
    assert response.status_code == 403
    assert "Das Formular ist abgelaufen" in response.text and "Cookies" in response.text
    assert site.subscriber("ada@example.org") is None and site.mails() == []


def test_csrf_field_from_another_form_or_an_old_one_is_refused(site):
    site.signup()
    confirm = path_of(link_in(site.mails()[0], "confirm"))
    signup_field = site.form_field("/")
    response = site.client.post(confirm, data={"csrf": signup_field})  # a field signed for /subscribe
    assert response.status_code == 403
    assert site.subscriber("ada@example.org")["status"] == "pending"

    old_field = site.form_field(confirm)
    site.clock.advance(hours=12, seconds=1)
    assert site.client.post(confirm, data={"csrf": old_field}).status_code == 403
    assert site.subscriber("ada@example.org")["status"] == "pending"
    assert site.client.post(confirm, data={"csrf": site.form_field(confirm)}).status_code == 200


def test_csrf_field_of_another_browser_is_refused(site):
    other = Client(site.client.application)
    foreign = site.form_field("/")
    other.get("/")  # the other browser has its own cookie
    response = other.post("/subscribe", data={"csrf": foreign, "email": "ada@example.org"})
    assert response.status_code == 403


def test_csrf_cookie_is_httponly_samesite_and_secure_only_on_https(site):
    plain = site.client.get("/").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = Client(site.client.application).get("/", base_url="https://news.example.org")
    assert "Secure" in secure.headers["Set-Cookie"]


def test_signups_per_client_ip_are_rate_limited(make_site):
    site = make_site(
        limits=WebLimits(
            signup_per_ip=RateLimit(burst=2, per_seconds=60),
            signup_per_address=RateLimit(burst=100, per_seconds=1),
        )
    )
    assert site.signup("a@example.org", ip="192.0.2.1").status_code == 200
    assert site.signup("b@example.org", ip="192.0.2.1").status_code == 200
    limited = site.signup("c@example.org", ip="192.0.2.1")
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "60"
    assert "Bitte warten Sie 1 Min. und versuchen" in limited.text
    assert site.subscriber("c@example.org") is None
    assert site.signup("c@example.org", ip="192.0.2.2").status_code == 200  # another client is not affected
    site.clock.advance(seconds=60)
    assert site.signup("d@example.org", ip="192.0.2.1").status_code == 200


def test_mails_per_address_are_rate_limited_without_telling_the_sender(make_site):
    site = make_site(
        limits=WebLimits(
            signup_per_ip=RateLimit(burst=100, per_seconds=1),
            signup_per_address=RateLimit(burst=2, per_seconds=3600),
        )
    )
    pages = [site.signup("Ada@example.org", ip=f"192.0.2.{n}").text for n in range(4)]
    assert len(set(pages)) == 1  # the same page every time
    assert len(site.mails()) == 2
    site.clock.advance(hours=1)
    site.signup("ada@example.org")
    assert len(site.mails()) == 3


def test_token_buckets_refill_and_stay_bounded():
    now = [0.0]
    buckets = TokenBuckets(RateLimit(burst=2, per_seconds=10), lambda: now[0])
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 10.0]
    now[0] = 5.0
    assert buckets.take("k") == 5.0  # half a token regained
    now[0] = 15.0
    assert buckets.take("k") == 0.0
    buckets.MAX_KEYS = 4
    for n in range(10):
        buckets.take(f"flood-{n}")
    assert len(buckets._buckets) <= 4
    with pytest.raises(ValueError, match="burst >= 1"):
        TokenBuckets(RateLimit(burst=0, per_seconds=1), lambda: 0.0)


def test_bodies_over_16_kib_get_413_and_change_nothing(site):
    data = {"csrf": site.form_field("/"), "email": "ada@example.org", "name": "x" * 17_000}
    response = site.client.post("/subscribe", data=data)
    assert response.status_code == 413
    assert "Die Anfrage ist zu groß" in response.text
    assert site.subscriber("ada@example.org") is None


def test_trusted_proxy_headers_are_used_only_when_configured(make_site):
    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}
    for hops, expected_ip in ((0, "10.0.0.2"), (1, "203.0.113.9")):
        site = make_site(trusted_proxies=hops)
        csrf = site.client.get("/", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.2"})
        field = csrf.text.split('name="csrf" value="')[1].split('"')[0]
        assert ("Secure" in csrf.headers["Set-Cookie"]) is bool(hops)
        site.client.post(
            "/subscribe",
            data={"csrf": field, "email": f"p{hops}@example.org", "frequency": "weekly", "locale": "de"},
            headers=headers,
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        )
        assert site.subscriber(f"p{hops}@example.org")["consent_source"].startswith(f"web:{expected_ip} ")


def test_trusted_proxies_config_key(monkeypatch):
    assert parse_config({}).web.trusted_proxies == 0
    assert parse_config({"web": {"trusted_proxies": 2}}).web.trusted_proxies == 2
    with pytest.raises(ConfigError, match=r"web\.trusted_proxies: .*greater than or equal to 0"):
        parse_config({"web": {"trusted_proxies": -1}})
