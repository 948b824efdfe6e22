import filecmp
import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest

from scc_sync.models import Subscriber
from scc_sync.newsletter.render import DigestEntry, MailLinks, Renderer, plain_text, safe_url

BERLIN = ZoneInfo("Europe/Berlin")
WEEK_44 = {
    "period_start": datetime(2021, 11, 1, tzinfo=BERLIN),
    "period_end": datetime(2021, 11, 8, tzinfo=BERLIN),
}
LINKS = MailLinks("https://news.example.org/u/TOKEN", "https://news.example.org/p/TOKEN")
PACKAGE_TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "scc_sync" / "templates"
USER_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer(list_name="SCC-News des VKU")


def entries(recap=None) -> list[DigestEntry]:
    return [
        DigestEntry(
            title="Smart Country Convention digital erfolgreich",
            url="https://www.vku.de/scc-2020",
            source="VKU",
            published=datetime(2020, 11, 2, 9, tzinfo=BERLIN),
            excerpt="<p>Am 27. und 28. Oktober fand in diesem Jahr die Smart Country Convention statt.</p>",
            summary=recap,
        ),
        DigestEntry(
            "Städtetag fordert Tempo", "https://www.staedtetag.de/a", "DST", None, "Mehr Geld für Städte."
        ),
        DigestEntry(
            "Bitkom: Bilanz", "https://www.bitkom.org/b", "Bitkom", None, "", updated=True, revision=3
        ),
    ]


def test_german_digest_subject_text_and_facts_box(renderer, scc2020_recap):
    mail = renderer.digest(
        Subscriber("a@example.org", "Änne"), entries(scc2020_recap), **WEEK_44, links=LINKS
    )
    assert mail.subject == "SCC-Digest: 2 neue Meldungen, 1 Aktualisierung (KW 44)"
    for body in (mail.text, mail.html):
        assert "Hallo Änne," in body
        assert "1. November 2021 bis 7. November 2021" in body
        assert "27.–28. Oktober 2020" in body
        assert "10.600 Teilnehmende, über 150 Redner" in body
        assert "Dr. Markus Richter (Bundes-CIO)" in body
        assert "Smart Country Convention 2021: 26.–28. Oktober 2021 · Präsenz" in body
        assert "Aktualisiert" in body and "Fassung 3" in body
        assert "2. November 2020" in body
    assert "Auf einen Blick: Smart Country Convention 2020" in mail.text
    assert "Abmelden: https://news.example.org/u/TOKEN" in mail.text


def test_english_digest(renderer, scc2020_recap):
    subscriber = Subscriber("a@example.org", "Ann", locale="en")
    mail = renderer.digest(subscriber, entries(scc2020_recap)[:1], **WEEK_44, links=LINKS)
    assert mail.subject == "SCC-Digest: 1 new item (week 44)"
    for body in (mail.text, mail.html):
        assert "Hello Ann," in body
        assert "10,600 participants, more than 150 speakers" in body
        assert "October 27 – 28, 2020" in body
        assert "Smart Country Convention 2021: October 26 – 28, 2021 · in person" in body
        assert "At a glance" in body and "Next edition" in body


def test_daily_digest_names_the_day(renderer):
    day = {
        "period_start": datetime(2021, 11, 2, tzinfo=BERLIN),
        "period_end": datetime(2021, 11, 3, tzinfo=BERLIN),
    }
    mail = renderer.digest(Subscriber("a@example.org"), entries()[:1], **day, links=LINKS)
    assert mail.subject == "SCC-Digest: 1 neue Meldung (02.11.2021)"
    assert "Guten Tag," in mail.text and "am 2. November 2021 neu erschienen" in mail.text


def test_reminder_in_both_languages(renderer, scc2021):
    de = renderer.reminder(Subscriber("a@example.org"), scc2021, days_before=7, links=LINKS)
    assert de.subject == "Erinnerung: Smart Country Convention in 7 Tagen"
    assert "Dienstag, 26. Oktober 2021 – Donnerstag, 28. Oktober 2021" in de.text
    assert "Berlin, hub27" in de.html and 'href="https://www.smartcountry.berlin/"' in de.html
    en = renderer.reminder(Subscriber("a@example.org", locale="en"), scc2021, days_before=7, links=LINKS)
    assert en.subject == "Reminder: Smart Country Convention in 7 days"
    assert "Tuesday, October 26, 2021" in en.text
    tomorrow = renderer.reminder(
        Subscriber("a@example.org", locale="en"), scc2021, days_before=1, links=LINKS
    )
    assert tomorrow.subject == "Reminder: Smart Country Convention tomorrow"


def test_hostile_web_content_is_escaped_or_removed(renderer):
    hostile = DigestEntry(
        title='<script>alert("title")</script> & Co',
        url="javascript:alert(1)",
        source="<b>evil</b>",
        published=None,
        excerpt='Text <img src=x onerror="alert(2)"><script>alert(3)</script><a href="javascript:x">link</a>',
    )
    subscriber = Subscriber("a@example.org", name='<img src=x onerror="alert(4)">')
    mail = renderer.digest(subscriber, [hostile], **WEEK_44, links=LINKS)
    doc = lxml.html.fromstring(mail.html)
    assert doc.xpath("//script") == [] and doc.xpath("//img") == []
    assert not any(a.get("href", "").startswith("javascript") for a in doc.xpath("//a"))
    assert '&lt;script&gt;alert("title")&lt;/script&gt; &amp; Co' in mail.html
    assert "alert(3)" not in mail.html and "alert(3)" not in mail.text
    assert "Hallo &lt;img src=x onerror=" in mail.html and "&lt;b&gt;evil&lt;/b&gt;" in mail.html
    assert "Text link" in mail.text


def test_html_layout_is_at_most_600px_with_preheader_and_visible_unsubscribe(renderer, scc2020_recap):
    mail = renderer.digest(Subscriber("a@example.org"), entries(scc2020_recap), **WEEK_44, links=LINKS)
    doc = lxml.html.fromstring(mail.html)
    tables = doc.xpath("//table")
    assert tables
    for table in tables:
        width = table.get("width")
        assert width == "100%" or int(width) <= 600
        for px in re.findall(r"(?:max-)?width:\s*(\d+)px", table.get("style", "")):
            assert int(px) <= 600
    assert doc.xpath("//table[@width='600']")
    (preheader,) = doc.xpath("//div[contains(@class, 'preheader')]")
    assert "display: none" in preheader.get("style")
    assert preheader.text_content().startswith("Smart Country Convention digital erfolgreich · Städtetag")
    (unsubscribe,) = doc.xpath("//a[@href='https://news.example.org/u/TOKEN']")
    assert unsubscribe.text_content() == "Abmelden"
    assert all("display: none" not in (el.get("style") or "") for el in unsubscribe.iterancestors())
    assert doc.xpath("//a[@href='https://news.example.org/p/TOKEN']")


def test_css_is_inlined_and_media_queries_kept(renderer):
    mail = renderer.digest(Subscriber("a@example.org"), entries()[:1], **WEEK_44, links=LINKS)
    doc = lxml.html.fromstring(mail.html)
    (content,) = doc.xpath("//td[contains(@class, 'content')]")
    assert "padding: 24px 32px" in content.get("style")
    styles = "".join(s.text_content() for s in doc.xpath("//style"))
    assert "@media only screen and (max-width: 620px)" in styles
    assert "padding: 20px 32px" not in styles  # plain rules were moved inline
    assert "Einstellungen ändern" in mail.html and "&auml;" not in mail.html  # umlauts as characters


def test_user_templates_override_package_templates(tmp_path, scc2020_recap):
    (tmp_path / "digest.txt").write_text(
        "Eigener Text für {{ entries | length }} Meldungen\n", encoding="utf-8"
    )
    mail = Renderer(tmp_path).digest(Subscriber("a@example.org"), entries(), **WEEK_44, links=LINKS)
    assert mail.text == "Eigener Text für 3 Meldungen\n"
    assert "Auf einen Blick" not in mail.html and "Smart Country Convention" in mail.html  # package HTML


def test_top_level_templates_are_a_copy_of_the_package_defaults():
    names = sorted(p.name for p in PACKAGE_TEMPLATES.iterdir() if p.is_file())
    assert names == sorted(p.name for p in USER_TEMPLATES.iterdir() if p.is_file() and p.name != ".gitkeep")
    _match, mismatch, errors = filecmp.cmpfiles(PACKAGE_TEMPLATES, USER_TEMPLATES, names, shallow=False)
    assert (mismatch, errors) == ([], [])


def test_empty_digest_and_naive_periods_are_refused(renderer):
    with pytest.raises(ValueError, match="no entries"):
        renderer.digest(Subscriber("a@example.org"), [], **WEEK_44, links=LINKS)
    with pytest.raises(ValueError, match="timezone-aware"):
        renderer.digest(
            Subscriber("a@example.org"),
            entries(),
            period_start=datetime(2021, 11, 1),
            period_end=datetime(2021, 11, 8),
            links=LINKS,
        )


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>Eins</p><p>Zwei &amp; drei</p>", "Eins Zwei & drei"),
        ("<style>p{}</style>Über<br>Ärger", "Über Ärger"),
        ("a &lt;b&gt; c", "a <b> c"),
        ("  viel   \n Platz ", "viel Platz"),
    ],
)
def test_plain_text(fragment, text):
    assert plain_text(fragment) == text


def test_plain_text_shortens_at_a_word_boundary():
    assert plain_text("Wort " * 100, limit=22) == "Wort Wort Wort Wort …"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://www.vku.de/a?b=1", True),
        ("http://example.org", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("data:text/html,x", False),
        ("//example.org/x", False),
        ("https://exa mple.org", False),
    ],
)
def test_safe_url(url, kept):
    assert (safe_url(url) is not None) == kept


def test_shared_render_is_personalized_per_subscriber(renderer):
    mails = [
        renderer.digest(
            Subscriber(f"{name}@example.org", name=name),
            entries(),
            **WEEK_44,
            links=MailLinks(f"https://news.example.org/u/{name}?a=1&b=2"),
        )
        for name in ("Änne", "<b>Bob</b>")
    ]
    assert "Hallo Änne," in mails[0].text and "Hallo <b>Bob</b>," in mails[1].text
    assert "Hallo &lt;b&gt;Bob&lt;/b&gt;," in mails[1].html
    assert 'href="https://news.example.org/u/Änne?a=1&amp;b=2"' in mails[0].html
    assert "Abmelden: https://news.example.org/u/<b>Bob</b>?a=1&b=2" in mails[1].text
    assert "Änne" not in mails[1].html and "Bob" not in mails[0].html
    assert not any("sccslot" in m.text + m.html for m in mails)
    assert "Einstellungen" not in mails[0].html  # no preferences link without a preferences URL


def many_entries(n: int) -> list[DigestEntry]:
    filler = "Die Kommunen treiben die Digitalisierung ihrer Verwaltung voran. " * 4
    return [
        DigestEntry(
            f"Meldung Nummer {i}", f"https://example.org/{i}", "DST", None, f"<p>Auszug{i}. {filler}</p>"
        )
        for i in range(n)
    ]


def test_a_large_digest_lists_the_entries_after_the_first_ones_compactly() -> None:
    mail = Renderer(full_items=3).digest(Subscriber("a@example.org"), many_entries(8), **WEEK_44, links=LINKS)
    for body in (mail.text, mail.html):
        assert all(f"Meldung Nummer {i}" in body for i in range(8))  # nothing is left out
        assert body.count("Weitere Meldungen") == 1
        assert [i for i in range(8) if f"Auszug{i}." in body] == [0, 1, 2]  # excerpts only in full entries
    html = lxml.html.fromstring(mail.html)
    assert [a.get("href") for a in html.xpath("//p[@class='more']/a")] == [
        f"https://example.org/{i}" for i in range(3, 8)
    ]
    assert "- Meldung Nummer 7 (DST)\n  https://example.org/7" in mail.text


def test_a_busy_week_stays_below_the_size_at_which_gmail_clips(renderer) -> None:
    mail = renderer.digest(Subscriber("a@example.org"), many_entries(150), **WEEK_44, links=LINKS)
    assert len(mail.html.encode()) < 100_000  # Gmail clips an HTML part beyond about 102 KB
    assert "Abmelden" in mail.html[-3000:]  # the unsubscribe link is still in the part that is shown
