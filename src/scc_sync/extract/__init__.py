"""Article HTML → `scc_sync.models.Summary`: the article layer and, for event pages, the event layer.

Public API (stable): `extract_summary`, `summary_as_text`, `SUMMARY_SCHEMA_PATH`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path

from scc_sync.extract.article import Article, extract_article, parse
from scc_sync.extract.dates import find_dates, release_date, resolve
from scc_sync.extract.gate import new_page
from scc_sync.extract.people import GAZETTEER, collect_people, find_organizations
from scc_sync.extract.text import Sentence, split_sentences
from scc_sync.models import EventFacts, Person, Summary

__all__ = ["SUMMARY_SCHEMA_PATH", "extract_summary", "summary_as_text"]

SUMMARY_SCHEMA_PATH = Path(__file__).resolve().parent.parent / "schema" / "summary.schema.json"


def extract_summary(
    html: str | bytes, url: str | None = None, *, gazetteer: Mapping[str, str] | None = None
) -> Summary:
    """The structured summary of one article page; never raises on bad HTML (it yields less)."""
    # the event layer's patterns take a good part of this package's import time: compiled on first use,
    # not for every start of the command line (`scc-sync --help`)
    from scc_sync.extract.events import analyse_event
    from scc_sync.extract.sessions import find_sessions

    new_page()
    gaz = {**GAZETTEER, **(gazetteer or {})}
    root = parse(html)
    if root is None:
        return Summary(url=url, warnings=["no HTML document in the input"])
    article = extract_article(root, url)
    sents = _sentences(article)
    # a press release without a date line may say in its text when it was issued
    published = article.published or release_date([s.text for s in sents if s.kind in ("lead", "text")])
    analysis = analyse_event(sents, published, article.jsonld)
    body = [s.text for s in sents if s.kind != "heading"]
    people = _people([*body, *article.captions], gaz)
    orgs = _organizations(sents, people, gaz)
    sessions = []
    if analysis.event is not None:
        ref = published or (analysis.span[0] if analysis.span else None)

        def dates_of(s: Sentence) -> list[tuple[date, date]]:
            return [span for m in find_dates(s.text) if (span := resolve(m, ref))]

        sessions = find_sessions(sents, analysis.next_sentences, dates_of, analysis.span)
    return Summary(
        url=url,
        title=article.title,
        kicker=article.kicker,
        published=published,
        language=article.language,
        lead=article.lead,
        sections=article.sections,
        event=analysis.event,
        people=people,
        organizations=orgs,
        sessions=sessions,
        next_event=analysis.next_event,
        links=article.links,
        warnings=analysis.warnings,
    )


def _sentences(article: Article) -> list[Sentence]:
    out: list[Sentence] = []
    block = 0
    for kind, text in (("title", article.title), ("kicker", article.kicker), ("lead", article.lead)):
        if text:
            out.extend(Sentence(s, block, 0, kind) for s in split_sentences(text))
            block += 1
    for n, section in enumerate(article.sections, start=1):
        if section.heading:
            out.append(Sentence(section.heading, block, n, "heading"))
            block += 1
        for para in section.text.split("\n\n"):
            out.extend(Sentence(s, block, n) for s in split_sentences(para))
            block += 1
    return out


def _people(texts: Sequence[str], gazetteer: Mapping[str, str]) -> list[Person]:
    return collect_people(texts, gazetteer)


def _organizations(
    sents: Sequence[Sentence], people: Sequence[Person], gazetteer: Mapping[str, str]
) -> list[str]:
    """Organizations in order of first mention: people's employers and known associations."""
    text = " ".join(s.text for s in sents if s.kind != "title")
    positions: dict[str, int] = {}
    for person in people:
        if person.organization:
            pos = text.find(person.name)
            positions.setdefault(person.organization, pos if pos >= 0 else len(text))
    for pos, org in find_organizations(text, gazetteer):
        positions[org] = min(pos, positions.get(org, pos))
    return sorted(positions, key=lambda o: positions[o])


def _facts_text(label: str, ev: EventFacts) -> list[str]:
    when = (
        " – ".join(d.isoformat() for d in dict.fromkeys(x for x in (ev.start, ev.end) if x)) or "date unknown"
    )
    lines = [
        f"{label}: {ev.name or '(unnamed)'}, {when}"
        + (f", {ev.format}" if ev.format else "")
        + (f", {ev.location}" if ev.location else "")
    ]
    for kind, c in ev.counts.items():
        qual = "" if c.qualifier == "exact" else f" ({c.qualifier.replace('_', ' ')})"
        lines.append(f"  {kind}: {c.value}{qual}")
    return lines


def summary_as_text(summary: Summary) -> str:
    """A readable multi-line rendering for `scc-sync parse --format text`."""
    lines: list[str] = []
    if summary.kicker:
        lines.append(summary.kicker)
    lines.append(summary.title or "(no title)")
    meta = [
        x
        for x in (summary.published.isoformat() if summary.published else None, summary.language, summary.url)
        if x
    ]
    if meta:
        lines.append(" · ".join(meta))
    if summary.lead:
        lines += ["", summary.lead]
    if summary.event:
        lines += ["", *_facts_text("Event", summary.event)]
    if summary.people:
        lines += ["", "People:"]
        for p in summary.people:
            name = f"{p.title} {p.name}" if p.title else p.name
            detail = ", ".join(x for x in (p.role, p.organization) if x)
            lines.append(f"  - {name}" + (f" ({detail})" if detail else ""))
    if summary.organizations:
        lines += ["", "Organizations: " + "; ".join(summary.organizations)]
    if summary.sessions:
        lines += ["", "Sessions:"]
        lines += [f"  - {s.title}" + (f" ({s.date.isoformat()})" if s.date else "") for s in summary.sessions]
    if summary.next_event:
        lines += ["", *_facts_text("Next event", summary.next_event)]
    for section in summary.sections:
        lines += ["", f"## {section.heading}" if section.heading else "", section.text]
    if summary.links:
        lines += ["", "Links:", *[f"  {link}" for link in summary.links]]
    if summary.warnings:
        lines += ["", "Warnings:", *[f"  ! {w}" for w in summary.warnings]]
    return "\n".join(line for line in lines if line is not None).strip() + "\n"
