"""Score the extraction on a labelled corpus folder: fields, people F1 (precision / recall), roles.

Two layouts are read:
- a folder of pages with one `expected.json` mapping file name → labels (the real-world corpus layout), and
- a folder of `NAME.html` pages each beside its `NAME.expected.json` (the project's fixture layout).

The metrics follow the real-world corpus's scorer, computed in this process on `extract_summary`'s
output (the same JSON `scc-sync parse --format json` prints), so a whole corpus scores in seconds:
- fields: share of labelled scalar facts that match (language, published, title, event null or not,
  event start/end/format, each labelled count value and qualifier, next edition null or not and its
  dates, a warning where one is expected); an unlabelled count and a weekday warning where none is
  expected each add one error;
- people F1 over names (case, spacing and academic titles ignored);
- roles: share of matched people whose role matches leniently (one contains the other, or half the words
  of the shorter one are shared).

Run: python bench/score_corpus.py CORPUS_DIR [--verbose]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from scc_sync.extract import extract_summary  # noqa: E402

WEEKDAY = re.compile(
    r"weekday|wochentag|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
ACADEMIC = {
    "dr",
    "dr.",
    "prof",
    "prof.",
    "dr.-ing.",
    "dr.-ing",
    "dipl.-ing.",
    "dipl.-ing",
    "dipl.",
    "ing.",
    "h.c.",
    "e.h.",
    "med.",
    "phil.",
    "jur.",
    "iur.",
    "rer.",
    "nat.",
    "pol.",
    "oec.",
    "habil.",
    "mba",
    "ll.m.",
    "herr",
    "frau",
    "mr.",
    "mrs.",
    "ms.",
    "mr",
    "mrs",
    "ms",
}
FILLERS = {
    "der",
    "die",
    "das",
    "des",
    "dem",
    "den",
    "von",
    "vom",
    "für",
    "fuer",
    "und",
    "im",
    "in",
    "am",
    "an",
    "zu",
    "zur",
    "zum",
    "of",
    "the",
    "and",
    "for",
    "at",
    "a",
    "de",
}


def norm(value: Any) -> str | None:
    if value is None:
        return None
    text = re.sub("[\u00ad\u200b\u200c\u200d\ufeff]", "", unicodedata.normalize("NFC", str(value)))
    return re.sub(r"\s+", " ", text).strip().casefold()


def norm_date(value: Any) -> str | None:
    return None if value is None else str(value)[:10] or None


def norm_name(value: Any) -> str | None:
    words = [w.strip(",;") for w in (norm(value) or "").split(" ")]
    return " ".join(w for w in words if w and w not in ACADEMIC) or None


def role_matches(got: Any, want: Any) -> bool:
    g, w = norm(got), norm(want)
    if not g or not w:
        return False
    if g in w or w in g:
        return True
    gw, ww = (set(re.findall(r"\w+", x)) - FILLERS for x in (g, w))
    return bool(gw and ww) and len(gw & ww) / min(len(gw), len(ww)) >= 0.5


def counts_of(event: Any) -> dict[str, tuple[Any, Any]]:
    counts = event.get("counts") if isinstance(event, dict) else None
    return {k.casefold(): (c.get("value"), c.get("qualifier")) for k, c in (counts or {}).items() if c}


def is_null_event(event: Any) -> bool:
    if not isinstance(event, dict):
        return True
    return all(event.get(k) in (None, "") for k in ("start", "end", "format")) and not counts_of(event)


@dataclass
class Score:
    fields_ok: int = 0
    fields: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    roles_ok: int = 0
    roles: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name in ("fields_ok", "fields", "tp", "fp", "fn", "roles_ok", "roles"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _check(score: Score, name: str, got: Any, want: Any) -> None:
    score.fields += 1
    if got == want:
        score.fields_ok += 1
    else:
        score.notes.append(f"{name}: got {got!r} want {want!r}")


def score_fields(score: Score, exp: dict[str, Any], got: dict[str, Any]) -> None:
    if "language" in exp:
        _check(score, "language", got.get("language"), exp["language"])
    if "published" in exp:
        _check(score, "published", norm_date(got.get("published")), norm_date(exp["published"]))
    if "title" in exp:
        _check(score, "title", norm(got.get("title")), norm(exp["title"]))
    if "event" in exp:
        want, have = exp["event"], got.get("event") or {}
        _check(score, "event.null", is_null_event(have), want is None)
        want_counts = {k.casefold(): v for k, v in ((want or {}).get("counts") or {}).items()}
        for key in ("start", "end") if want else ():
            if key in want:
                _check(score, f"event.{key}", norm_date(have.get(key)), norm_date(want[key]))
        if want and "format" in want:
            _check(score, "event.format", have.get("format"), want["format"])
        have_counts = counts_of(have)
        for key, c in want_counts.items():
            value, qualifier = have_counts.get(key, (None, None))
            if "value" in c:
                _check(score, f"count.{key}.value", value, c["value"])
            if "qualifier" in c:
                _check(score, f"count.{key}.qualifier", qualifier, c["qualifier"])
        for key in sorted(set(have_counts) - set(want_counts)):
            _check(score, f"count.{key} (unexpected)", have_counts[key][0], None)
    if "next_event" in exp:
        want, have = exp["next_event"], got.get("next_event") or {}
        _check(score, "next_event.null", not (have.get("start") or have.get("end")), want is None)
        for key in ("start", "end") if want else ():
            if key in want:
                _check(score, f"next_event.{key}", norm_date(have.get(key)), norm_date(want[key]))
    warnings = [w for w in got.get("warnings") or [] if w]
    if exp.get("expect_warning"):
        _check(score, "warnings.nonempty", bool(warnings), True)
    elif any(WEEKDAY.search(w.casefold()) for w in warnings):
        _check(score, "warnings (spurious weekday)", warnings[0], None)


def score_people(score: Score, exp: dict[str, Any], got: dict[str, Any]) -> None:
    want = {n: p for p in exp.get("people") or [] if (n := norm_name(p.get("name")))}
    have: dict[str, Any] = {}
    for p in got.get("people") or []:
        if (n := norm_name(p.get("name"))) and (n not in have or (not have[n] and p.get("role"))):
            have[n] = p.get("role")
    matched = set(want) & set(have)
    score.tp, score.fp, score.fn = len(matched), len(set(have) - matched), len(set(want) - matched)
    score.notes += [f"person missed: {n}" for n in sorted(set(want) - matched)]
    score.notes += [f"person extra: {n}" for n in sorted(set(have) - matched)]
    for n in sorted(matched):
        if want[n].get("role") is None:
            continue
        score.roles += 1
        if role_matches(have[n], want[n]["role"]):
            score.roles_ok += 1
        else:
            score.notes.append(f"role of {n}: got {have[n]!r} want {want[n]['role']!r}")


def labelled_pages(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    index = folder / "expected.json"
    if index.exists():
        labels = json.loads(index.read_text(encoding="utf-8"))
        return [(folder / name, labels[name]) for name in sorted(labels)]
    return [
        (page, json.loads(page.with_name(page.stem + ".expected.json").read_text(encoding="utf-8")))
        for page in sorted(folder.glob("*.html"))
        if page.with_name(page.stem + ".expected.json").exists()
    ]


def score_corpus(folder: Path, verbose: bool = False) -> Score:
    total = Score()
    for page, exp in labelled_pages(folder):
        got = extract_summary(page.read_bytes(), None).to_dict()
        score = Score()
        score_fields(score, exp, got)
        score_people(score, exp, got)
        total.add(score)
        print(
            f"{page.name:<48} fields {score.fields_ok:>2}/{score.fields:<2} people tp={score.tp} "
            f"fp={score.fp} fn={score.fn} roles {score.roles_ok}/{score.roles}"
        )
        if verbose:
            print("".join(f"    {note}\n" for note in score.notes), end="")
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("corpus", type=Path, help="a folder of labelled pages")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    total = score_corpus(args.corpus, args.verbose)
    print(
        f"fields={total.fields_ok / max(total.fields, 1):.2f} ({total.fields_ok}/{total.fields}) "
        f"people_f1={total.f1:.2f} (P={total.precision:.2f} R={total.recall:.2f}) "
        f"roles={total.roles_ok / max(total.roles, 1):.2f} ({total.roles_ok}/{total.roles})"
    )


if __name__ == "__main__":
    main()
