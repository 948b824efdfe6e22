"""Bot walls and forwarding pages, told from status, headers and body."""

from __future__ import annotations

import pytest

from scc_sync.fetch.sniff import bot_protection, consent_wall, meta_refresh, not_html


@pytest.mark.parametrize(
    ("tag", "url"),
    [
        (b'<meta http-equiv="refresh" content="0; URL=/neu/">', "/neu/"),
        (b'<META CONTENT="0;url=\'neu.html\'" HTTP-EQUIV="Refresh">', "neu.html"),  # attributes either way
        (b"<meta http-equiv=refresh content=0;url=/neu>", "/neu"),  # no quotes at all
        (b'<meta http-equiv="refresh" content="2.5; url=/a?x=1&amp;y=2">', "/a?x=1&y=2"),
        (b'<meta http-equiv="refresh" content="0; url=/stra\xdfe">', "/straße"),  # a cp1252 page
        (b'<meta http-equiv="refresh" content="0; /ohne-url-gleich">', "/ohne-url-gleich"),
        (b'<meta http-equiv="refresh" content="30">', None),  # reloads itself
        (b'<meta http-equiv="refresh" content="600; url=/">', None),  # a news page that reloads late
        (b'<meta http-equiv="refresh">', None),
        (b'<meta name="refresh" content="0; url=/x">', None),  # not http-equiv
        (b'<noscript><meta http-equiv="refresh" content="0; url=/nojs"></noscript>', None),
    ],
)
def test_meta_refresh(tag: bytes, url: str | None) -> None:
    assert meta_refresh(b"<html><head><title>x</title>" + tag + b"</head><body></body></html>") == url


def test_meta_refresh_after_a_noscript_block_counts() -> None:
    body = b'<noscript><img src="/p.gif"></noscript><meta http-equiv="refresh" content="0; url=/neu">'
    assert meta_refresh(body) == "/neu"


@pytest.mark.parametrize(
    ("status", "headers", "body", "verdict"),
    [
        (403, {"cf-mitigated": "challenge", "server": "cloudflare"}, b"", "Cloudflare"),
        (503, {"server": "cloudflare"}, b"<title>Just a moment...</title>", "Cloudflare"),
        (403, {"server": "cloudflare"}, b"<title>Attention Required! | Cloudflare</title>", "Cloudflare"),
        (403, {}, b"Request unsuccessful. Incapsula incident ID: 123", "Imperva"),
        (403, {"server": "Sucuri/Cloudproxy"}, b"Sucuri WebSite Firewall - Access Denied", "Sucuri"),
        (403, {"server": "ddos-guard"}, b"<title>DDoS-Guard</title>", "DDoS-Guard"),
        (403, {}, b'<script src="https://ct.captcha-delivery.com/c.js"></script>', "bot protection"),
        (202, {"x-amzn-waf-action": "challenge"}, b"", "AWS WAF"),
        (403, {"server": "cloudflare"}, b"<title>403 Forbidden</title>", None),  # the site's own 403
        (503, {"server": "cloudflare", "retry-after": "60"}, b"Wartungsarbeiten", None),
        (404, {}, b"captcha", None),  # only refusals can be walls
        (200, {}, b"Bitte das Captcha im Kontaktformular ausfuellen", None),
    ],
)
def test_bot_protection(status: int, headers: dict[str, str], body: bytes, verdict: str | None) -> None:
    assert bot_protection(status, headers, body) == verdict


# -- consent walls and login pages -----------------------------------------------------------------------

BODY = (
    "Die Smart Country Convention hat in diesem Jahr mehr als zehntausend Gäste nach Berlin gebracht. "
    "In drei Hallen stellten Kommunen, Länder und Unternehmen vor, wie Verwaltung digital wird. "
    "Auf der Hauptbühne sprachen die Ministerin und mehrere Oberbürgermeister über Datenplattformen, "
    "offene Schnittstellen und die Frage, wer die Infrastruktur der Städte künftig betreibt. "
) * 4  # about 200 words: a real article
USERCENTRICS = '<script id="usercentrics-cmp" src="https://app.usercentrics.eu/browser-ui/latest/loader.js">'
COOKIEBOT = '<script id="Cookiebot" src="https://consent.cookiebot.com/uc.js" data-cbid="x"></script>'


def page(head: str = "", body: str = "") -> str:
    return f"<!doctype html><html lang='de'><head>{head}</head><body>{body}</body></html>"


@pytest.mark.parametrize(
    ("html", "verdict"),
    [
        (  # the interstitial a Usercentrics site sends to clients without its consent cookie
            page(
                "<title>Datenschutzeinstellungen</title>" + USERCENTRICS + "</script>",
                "<div id='usercentrics-root'></div><noscript>Bitte JavaScript aktivieren.</noscript>",
            ),
            "a cookie consent page (Usercentrics)",
        ),
        (  # nothing but Cookiebot's dialog: the article would come after consent
            page(
                "<title>Stadtwerke Musterstadt</title>" + COOKIEBOT,
                "<div id='CybotCookiebotDialog'><h2>Diese Webseite verwendet Cookies</h2><p>Wir verwenden "
                "Cookies, um Inhalte zu personalisieren.</p><button>Alle zulassen</button></div>",
            ),
            "a cookie consent page (Cookiebot)",
        ),
        (  # a consent page without a known manager: its own text asks for consent
            page(
                "<title>Kommune21</title>",
                "<div class='modal'><h2>Wir respektieren Ihre Privatsphäre</h2><p>Mit Klick auf "
                "„Alle akzeptieren“ stimmen Sie der Verwendung von Cookies zu.</p>"
                "<button>Alle akzeptieren</button><button>Einstellungen</button></div>",
            ),
            "a cookie consent page",
        ),
        (
            page(
                "<title>Before you continue</title>",
                "<h1>Before you continue</h1><p>We use cookies and data to deliver our services.</p>"
                "<button>Accept all</button><button>Reject all</button>",
            ),
            "a cookie consent page",
        ),
        (  # OneTrust's preference centre, by a class the page gives it
            page(
                "<title>Zustimmung erforderlich</title><script src='https://cdn.cookielaw.org/otSDKStub.js'>"
                "</script>",
                "<div id='onetrust-consent-sdk'><p>Wir und unsere Partner verarbeiten Daten.</p></div>",
            ),
            "a cookie consent page (OneTrust)",
        ),
        (  # consentmanager.net's box with the article's place still empty
            page(
                "<title>Verbandstagung 2024</title><script src='https://cdn.consentmanager.net/delivery/cmp.js'>"
                "</script>",
                "<div id='cmpbox'><p>Wir benötigen Ihre Zustimmung.</p></div><div id='app'></div>",
            ),
            "a cookie consent page (consentmanager)",
        ),
        (
            page(
                "<title>Anmelden | Behörden Spiegel</title>",
                "<h1>Anmelden</h1><form action='/login' method='post'><input name='user'>"
                "<input type='password' name='pass'><button>Einloggen</button></form>"
                "<p>Noch kein Konto? Jetzt registrieren.</p>",
            ),
            "a login page",
        ),
    ],
    ids=["usercentrics", "cookiebot", "no-manager", "continue", "onetrust", "consentmanager", "login"],
)
def test_consent_walls_and_login_pages_are_told_from_articles(html: str, verdict: str) -> None:
    assert consent_wall(html) == verdict


@pytest.mark.parametrize(
    "html",
    [
        # an article with a Borlabs banner in the page and a cookie settings link in the footer
        page(
            "<title>SCC 2024: Rekord in Berlin</title><script src='/wp-content/plugins/borlabs-cookie/x.js'>"
            "</script>",
            "<div id='BorlabsCookieBox'><p>Wir nutzen Cookies. Alle akzeptieren?</p><button>Akzeptieren"
            f"</button></div><header><nav>Start | Presse</nav></header><article><h1>SCC 2024</h1><p>{BODY}"
            "</p></article><footer><a href='#'>Cookie-Einstellungen</a> <a href='/ds'>Datenschutz</a>"
            "</footer>",
        ),
        # the same with Usercentrics, and the banner's text not in a marked container
        page(
            "<title>Kommunalkongress 2023</title>" + USERCENTRICS + "</script>",
            f"<main><h1>Kommunalkongress</h1><p>{BODY}</p></main><div class='modal'>Wir verwenden Cookies. "
            "Alle akzeptieren</div>",
        ),
        # a short news item on a site with a consent manager: little text, but none of it asks for consent
        page(
            "<title>Bürgerportal geht online</title>" + COOKIEBOT,
            "<article><h1>Bürgerportal geht online</h1><p>Ab Montag können Bürgerinnen und Bürger in "
            "Musterstadt Anträge für Anwohnerparken, Hundesteuer und Sperrmüll online stellen. Die Stadt "
            "rechnet mit deutlich kürzeren Wartezeiten im Bürgeramt.</p></article>"
            "<footer><a href='#'>Cookie-Einstellungen ändern</a></footer>",
        ),
        # a short article, and a cookie notice in a container that does not say what it is
        page(
            "<title>Neue Ladesäulen am Rathaus</title>",
            "<article><h1>Neue Ladesäulen am Rathaus</h1><p>Am Rathausplatz sind seit heute vier neue "
            "Ladesäulen für Elektroautos in Betrieb. Die Stadtwerke haben sie in nur drei Wochen errichtet; "
            "geladen wird mit Ökostrom aus der Region. Bezahlt wird per App, Ladekarte oder Karte direkt an "
            "der Säule. Weitere Standorte an Bahnhof und Stadthalle folgen im Frühjahr.</p></article>"
            "<div class='notice'>Diese Website verwendet Cookies. <button>Akzeptieren</button></div>",
        ),
        # an article with a login box for subscribers in its header
        page(
            "<title>Digitalgipfel: Die Ergebnisse</title>",
            "<header><form><input name='u'><input type='password' name='p'><button>Login</button></form>"
            f"</header><article><h1>Digitalgipfel</h1><p>{BODY}</p></article>",
        ),
        # the whole page inside a wrapper whose class mentions the banner
        page(
            "<title>Smart City Expo</title>",
            f"<div class='page cookie-banner-open'><main><h1>Expo</h1><p>{BODY}</p></main></div>",
        ),
        "",  # nothing at all is no consent page either
    ],
    ids=["borlabs", "usercentrics-modal", "short-news", "short-news-banner", "login-box", "wrapper", "empty"],
)
def test_articles_with_a_cookie_banner_or_login_box_are_articles(html: str) -> None:
    assert consent_wall(html) is None


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"%PDF-1.4\n", "a PDF document"),
        (b"\x89PNG\r\n\x1a\n", "a PNG image"),
        (b"PK\x03\x04rest", "a ZIP archive or Office document"),
        (b"<html>\x00</html>", "a binary file"),
        (b"<!doctype html><html><body>Text</body></html>", None),
    ],
)
def test_not_html_names_files_that_are_no_web_page(body: bytes, kind: str | None) -> None:
    assert not_html(body) == kind
