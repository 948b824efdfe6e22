"""Unsubscribe (page, button, RFC 8058 one-click), preferences, tokens, language, health."""

from __future__ import annotations

import pytest
from werkzeug.test import Client

from scc_sync.effects import Effects
from scc_sync.newsletter.links import preferences_url, unsubscribe_url
from scc_sync.store import Store
from scc_sync.store.subscribers import confirm_subscriber, request_subscription, unsubscribe
from scc_sync.web import create_app
from tests.web.conftest import BASE_URL, START, make_config, path_of


@pytest.fixture
def member(site) -> int:
    with site.store.write() as conn:
        subscriber, _ = request_subscription(
            conn, "member@example.org", now=START, origin="cli", frequency="weekly", locale="de"
        )
        confirm_subscriber(conn, subscriber.id, now=START, consent_source="cli")
    return subscriber.id


def unsub_path(site, subscriber_id: int) -> str:
    return path_of(unsubscribe_url(site.signer, BASE_URL, subscriber_id))


def prefs_path(site, subscriber_id: int) -> str:
    return path_of(preferences_url(site.signer, BASE_URL, subscriber_id))


def test_unsubscribe_page_shows_a_button_and_changes_nothing(site, member):
    for _ in range(2):  # link scanners and prefetchers may open it several times
        page = site.client.get(unsub_path(site, member))
        assert page.status_code == 200
        assert '<button type="submit">Abmelden</button>' in page.text
        assert f'<form method="post" action="{unsub_path(site, member)}">' in page.text
    assert site.subscriber("member@example.org")["status"] == "confirmed"
    assert prefs_path(site, member) in page.text  # "rather fewer mails?" alternative


def test_unsubscribe_button_unsubscribes_idempotently(site, member):
    path = unsub_path(site, member)
    first = site.client.post(path, data={"lang": "de"})
    assert first.status_code == 200 and "Sie sind abgemeldet" in first.text
    row = site.subscriber("member@example.org")
    assert row["status"] == "unsubscribed" and row["unsubscribed_at"] == START
    site.clock.advance(days=1)
    assert site.client.post(path).status_code == 200
    assert site.subscriber("member@example.org")["unsubscribed_at"] == START


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_one_click_post_as_mail_providers_send_it(site, member, encoding):
    client = Client(site.client.application, use_cookies=False)  # providers send no cookies, no CSRF field
    body = {"List-Unsubscribe": "One-Click"}
    if encoding == "urlencoded":
        response = client.post(unsub_path(site, member), data=body)
    else:
        response = client.post(unsub_path(site, member), data=body, content_type="multipart/form-data")
    assert response.status_code == 200
    assert site.subscriber("member@example.org")["status"] == "unsubscribed"


def test_unsubscribe_for_a_deleted_subscriber_still_answers_200(site):
    assert site.client.post(unsub_path(site, 9999)).status_code == 200


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # forged MAC
        lambda t: "Mg" + t[t.index(".") :],  # someone else's id with this MAC
        lambda t: t.split(".")[0],  # truncated
    ],
)
def test_tampered_tokens_get_400_and_change_nothing(site, member, mangle):
    token = unsub_path(site, member).rsplit("/", 1)[1]
    for method in ("GET", "POST"):
        response = site.client.open(f"/unsubscribe/{mangle(token)}", method=method)
        assert response.status_code == 400
        assert "Dieser Link ist ungültig oder abgelaufen" in response.text
        assert "Es wurde nichts geändert" in response.text
    assert site.subscriber("member@example.org")["status"] == "confirmed"


def test_a_token_for_one_page_does_not_open_another(site, member):
    preferences_token = prefs_path(site, member).rsplit("/", 1)[1]
    assert site.client.post(f"/unsubscribe/{preferences_token}").status_code == 400
    confirm_token = site.signer.sign("confirm", member)
    assert site.client.get(f"/preferences/{confirm_token}").status_code == 400
    assert site.subscriber("member@example.org")["status"] == "confirmed"


def test_preferences_show_and_save_the_settings(site, member):
    path = prefs_path(site, member)
    page = site.client.get(path)
    assert page.status_code == 200
    assert 'value="weekly" checked' in page.text and 'value="de" selected' in page.text
    assert 'name="reminders" value="on" checked' in page.text

    csrf = site.form_field(path)
    site.clock.advance(hours=1)
    saved = site.client.post(path, data={"csrf": csrf, "frequency": "daily", "locale": "en"})
    assert saved.status_code == 200
    assert "Ihre Einstellungen sind gespeichert" in saved.text
    assert 'value="daily" checked' in saved.text and 'name="reminders" value="on" checked' not in saved.text
    row = site.subscriber("member@example.org")
    assert (row["frequency"], row["locale"], row["reminders"]) == ("daily", "en", False)
    assert row["updated_at"] == site.clock()


def test_preferences_refuse_bad_choices_and_missing_csrf(site, member):
    path = prefs_path(site, member)
    bad = site.client.post(path, data={"csrf": site.form_field(path), "frequency": "hourly", "locale": "de"})
    assert bad.status_code == 400 and "Bitte wählen Sie eine der angebotenen" in bad.text
    forged = Client(site.client.application).post(path, data={"frequency": "daily", "locale": "de"})
    assert forged.status_code == 403
    assert site.subscriber("member@example.org")["frequency"] == "weekly"


def test_preferences_of_an_unsubscribed_address_point_to_the_sign_up(site, member):
    with site.store.write() as conn:
        unsubscribe(conn, member, now=START)
    page = site.client.get(prefs_path(site, member))
    assert page.status_code == 200 and "kein Abonnement aktiv" in page.text
    assert "<form" not in page.text


@pytest.mark.parametrize(
    ("query", "accept", "lang", "title"),
    [
        ("", None, "de", "Newsletter abonnieren"),
        ("", "en-GB,en;q=0.9,de;q=0.5", "en", "Subscribe to the newsletter"),
        ("", "fr-FR,fr;q=0.9", "de", "Newsletter abonnieren"),
        ("?lang=en", "de-DE", "en", "Subscribe to the newsletter"),
        ("?lang=de", "en", "de", "Newsletter abonnieren"),
        ("?lang=xx", "en", "en", "Subscribe to the newsletter"),
    ],
)
def test_language_by_switch_then_accept_language_then_german(site, query, accept, lang, title):
    headers = {"Accept-Language": accept} if accept else {}
    page = site.client.get(f"/{query}", headers=headers).text
    assert f'<html lang="{lang}">' in page and f"<h1>{title}</h1>" in page
    other = "en" if lang == "de" else "de"
    assert f'<a href="/?lang={other}" lang="{other}"' in page  # the switch to the other language
    assert f'<option value="{lang}" selected>' in page  # mails default to the page language


@pytest.fixture
def english_member(site) -> int:
    with site.store.write() as conn:
        subscriber, _ = request_subscription(conn, "reader@example.org", now=START, origin="cli", locale="en")
        confirm_subscriber(conn, subscriber.id, now=START, consent_source="cli")
    return subscriber.id


def test_pages_from_a_mail_speak_the_subscribers_language_not_the_browsers(site, english_member):
    german_browser = {"Accept-Language": "de-DE,de;q=0.9"}
    for path, title in [
        (unsub_path(site, english_member), "Unsubscribe from the newsletter"),
        (prefs_path(site, english_member), "Settings"),
    ]:
        page = site.client.get(path, headers=german_browser).text
        assert '<html lang="en">' in page and f"<h1>{title}</h1>" in page
    # the switch on the page (and a link's ?lang=) still wins
    switched = site.client.get(f"{prefs_path(site, english_member)}?lang=de", headers=german_browser).text
    assert '<html lang="de">' in switched and "<h1>Einstellungen</h1>" in switched
    # a mail provider's one-click POST carries no language at all
    done = Client(site.client.application, use_cookies=False).post(
        unsub_path(site, english_member), data={"List-Unsubscribe": "One-Click"}, headers=german_browser
    )
    assert "You are unsubscribed" in done.text


def test_mail_links_carry_the_subscribers_language(site, english_member):
    url = unsubscribe_url(site.signer, BASE_URL, english_member, lang="en")
    assert url.endswith("?lang=en")
    page = site.client.get(path_of(url), headers={"Accept-Language": "de"}).text
    assert "<h1>Unsubscribe from the newsletter</h1>" in page


def test_the_preferences_page_names_the_address_it_edits(site, member):
    page = site.client.get(prefs_path(site, member)).text
    assert 'an diese Adresse: <strong class="address">member@example.org</strong>' in page


LEGAL = {
    "imprint_url": "https://verband.example/impressum",
    "privacy_url": "https://verband.example/datenschutz",
}


def test_every_page_links_the_imprint_and_the_privacy_policy(make_site):
    site = make_site(**LEGAL)
    with site.store.write() as conn:
        member, _ = request_subscription(conn, "member@example.org", now=START, origin="cli")
        confirm_subscriber(conn, member.id, now=START, consent_source="cli")
    pages = [
        site.client.get("/"),
        site.signup("ada@example.org"),
        site.signup("not an address"),
        site.client.get(unsub_path(site, member.id)),
        site.client.get(prefs_path(site, member.id)),
        site.client.get(f"/confirm/{site.signer.sign('confirm', member.id)}"),
        site.client.get("/unsubscribe/forged"),
        site.client.get("/nowhere"),
        site.client.post(unsub_path(site, member.id)),
    ]
    for response in pages:
        assert '<a href="https://verband.example/impressum">Impressum</a>' in response.text, (
            response.request.path
        )
        assert '<a href="https://verband.example/datenschutz">Datenschutz</a>' in response.text
    english = site.client.get("/?lang=en").text
    assert '<a href="https://verband.example/impressum">Legal notice</a>' in english
    assert '<a href="https://verband.example/datenschutz">Privacy policy</a>' in english


def test_without_the_settings_there_is_no_footer(site):
    assert "<footer>" not in site.client.get("/").text


def test_healthz_checks_the_database(site, monkeypatch):
    response = site.client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}

    unreachable = Store("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")  # nothing listens
    app = create_app(
        make_config(monkeypatch), unreachable, Effects(clock=site.clock), mail_queued=lambda: None
    )
    broken = Client(app).get("/healthz")
    assert broken.status_code == 503 and broken.json == {"status": "error", "database": "unavailable"}
