"""Speed paths of the extraction (issue #14) find exactly what the plain code finds: each one is compared
with the pattern or function it stands for on every sentence of the fixture pages and on generated text
that mixes the words the pattern looks for with the separators and marks around them."""

import random
import re
from functools import cache
from pathlib import Path

import pytest

from scc_sync.demo_site import SEED_PAGE
from scc_sync.extract import numbers

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "extract"
PAGES = [SEED_PAGE, *sorted(FIXTURES.glob("*/*.html"))]
SEPARATORS = ["", " ", " ", " ", "  ", "\n", "\u00a0", ",", ", ", ".", ". ", "(", ")", "-", ": ", "„", "“"]


@cache
def sentences() -> tuple[str, ...]:
    """Every sentence and caption of the fixture pages."""
    from scc_sync.extract import _sentences as split
    from scc_sync.extract.article import extract_article, parse

    out: list[str] = []
    for page in PAGES:
        article = extract_article(parse(page.read_bytes()), None)
        out += [s.text for s in split(article)] + article.captions
    return tuple(out)


def generated(vocabulary: str, n: int = 4000, seed: int = 14) -> list[str]:
    """Texts of 1 to 12 words of `vocabulary` (separated by "|") joined by random separators."""
    words = vocabulary.split("|")
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        parts = [rnd.choice(words) + rnd.choice(SEPARATORS) for _ in range(rnd.randint(1, 12))]
        out.append("".join(parts))
    return out


def spans(matches: object) -> list[tuple[tuple[int, int], dict[str, str | None]]]:
    return [(m.span(), m.groupdict()) for m in matches]  # type: ignore[attr-defined]


COUNT_WORDS = (
    "rund|über|mehr als|weit|deutlich|insgesamt|in excess of|up to|bis zu|ca.|no fewer than|approx.|"
    "1.500|150|10 600|2,000|.5|,3|a1|2019|12|3|1,5 Mio.|k|+|Gäste|Teilnehmende|Besucher|Aussteller|"
    "attendees|people|in attendance|clerks|attended|gathered|kamen|hochkarätige|registered|from|Texas"
)


@pytest.mark.parametrize(
    "rx", [numbers._DIGIT_COUNT_RX, *numbers._NUMBER_FIRST], ids=["counts", "attendance", "subject"]
)
def test_counts_found_from_the_numbers_are_the_patterns_matches(rx: re.Pattern[str]) -> None:
    for text in [*sentences(), *generated(COUNT_WORDS)]:
        assert spans(numbers.from_numbers(rx, text)) == spans(rx.finditer(text)), text


def test_no_qualifier_is_longer_than_the_window_before_a_number() -> None:
    assert re._parser.parse(numbers._QUAL).getwidth()[1] <= numbers.QUALIFIER_CHARS  # type: ignore[attr-defined]


def test_the_number_word_prefilter_agrees_with_the_word_reader() -> None:
    words = "zwanzig|dreißig|zweitausend|fünfhundert|einsechs|neunacht|daten|city|twenty|two thousand|elf"
    for text in [*sentences(), *generated(words)]:
        low = text.lower()
        for word in re.findall(r"[^\W\d_]+", low):
            whole = numbers._ALL_NUMBER_TOKENS.fullmatch(word) is not None
            assert whole == (numbers.parse_word_number(word) is not None), word


NAME_WORDS = (
    "Drei-Länder-Treffen|Abc-def|Kongress-Woche|-Tag|Dr.|Prof.|Dr.-Ing.|Dipl.-Ing.|PD|Anna|Max|Muster|Beispiel|von|der|van|de|Landrätin|Oberbürgermeister|"
    "VKU-Hauptgeschäftsführer|Bundes-CIO|Präsident|Mayor|President|Parlamentarische|Staatssekretärin|"
    "Bayerischer|Umweltminister|Die|Der|des|Deutschen|Städtetages|Stadt|Kiel|sagte|und|sowie|and|Jane|Roe|"
    "Beispiel-Muster|(SPD)|Müller|Gäste|kamen|McCain|O'Neill|der Stadt|Leiterin|Vorstand|Herr|Frau|Ms."
)


def test_every_rewritten_pattern_matches_as_its_plain_form() -> None:
    from scc_sync.extract import article, dates, events, evidence, formats, gate, names, people, sessions

    assert {article, dates, events, evidence, formats, names, people, sessions}  # every pattern made
    assert len(gate.REWRITTEN) >= 4
    texts = [*sentences(), *generated(NAME_WORDS)]
    for plain, flags, fast in gate.REWRITTEN:
        rx = re.compile(plain, flags)
        for text in texts:
            assert spans(fast.finditer(text)) == spans(rx.finditer(text)), (plain, text)


def test_the_people_patterns_are_tried_wherever_they_can_match() -> None:
    from scc_sync.extract import people

    for text in [*sentences(), *generated(NAME_WORDS)]:
        words = {m.start(): m.group() for m in people._CAPITAL_WORD.finditer(text)}
        for m in people._ROLE_BEFORE.finditer(text):
            assert words.get(m.start()) == m.group("role"), text
        if people._ROLE_AFTER.search(text):
            assert people._NAME_THEN_COMMA.search(text), text


def test_lower_case_stands_for_every_character_but_the_fold_apart_ones() -> None:
    """For every character: IGNORECASE matches it with one of LETTERS exactly when `str.lower()` gives that
    letter, `str.lower()` gives one character, and the classes \\w, \\s, \\d see it as its lower case."""
    import sys

    from scc_sync.extract.gate import FOLD_APART, LETTERS

    any_letter = re.compile(f"[{LETTERS}]", re.IGNORECASE)
    word, space, digit = re.compile(r"\w"), re.compile(r"\s"), re.compile(r"\d")
    for cp in range(sys.maxunicode + 1):
        c = chr(cp)
        if c in FOLD_APART or 0xD800 <= cp <= 0xDFFF:
            continue
        low = c.lower()
        if low == c:  # no case: IGNORECASE may still match it with a letter ("ſ" with "s")
            assert any_letter.fullmatch(c) is None or c in LETTERS, hex(cp)
            continue
        assert len(low) == 1, hex(cp)
        if any_letter.fullmatch(c) or low in LETTERS:
            assert [x for x in LETTERS if re.fullmatch(x, c, re.IGNORECASE)] == [low], hex(cp)
        for rx in (word, space, digit):
            assert (rx.fullmatch(c) is None) == (rx.fullmatch(low) is None), hex(cp)


FOLD_WORDS = (
    "Veranstaltung|KONGRESS|Kongresses|fand|statt|Präsenz|PRÄSENZ|vor Ort|Vor Ort|online|Online-Konferenz|"
    "hybrid|"
    "Stadthalle|im|in der|Dienstag|am Montag|Mittwochs|letzte Woche|cookie-banner|NAV|main-nav|sidebar|"
    "Verwaltung|Jung|Kommunen|Schulzentrum|Gymnasium|Yıldız|ſtatt|İnfo|İM|took place|Took Place|attended|"
    "Straße|STRASSE|Teilnehmende|Gäste|kamen|heute|eröffnet|ÖFFNET|Workshop|Fachbereich|Institut"
)


def test_every_folded_pattern_finds_what_its_pattern_finds() -> None:
    from scc_sync.extract import article, dates, events, evidence, formats, gate, people, sessions

    assert {article, dates, events, evidence, formats, people, sessions}  # every pattern made
    assert len(gate.FOLDED) > 30
    texts = [*sentences(), *generated(FOLD_WORDS, n=800), *FOLD_WORDS.split("|")]
    for folded in gate.FOLDED:
        for text in texts:
            assert spans(folded.finditer(text)) == spans(folded.rx.finditer(text)), (folded.pattern, text)
            assert spans([folded.search(text)] if folded.search(text) else []) == spans(
                [m] if (m := folded.rx.search(text)) else []
            ), (folded.pattern, text)
            word = text.split()[-1] if text.split() else text
            assert (folded.fullmatch(word) is None) == (folded.rx.fullmatch(word) is None), (
                folded.pattern,
                word,
            )


def test_the_word_before_a_full_stop_is_the_patterns() -> None:
    from scc_sync.extract.text import _word_before_stop

    words = "Dr.|z.B.|Prof.|St.|12.|a.|U.S.|Mio.|Nr.|Gäste.|_x.|Ende.|!|?|...|. |„Zitat.“|e.V.|3.5.|x"
    for text in [*sentences(), *generated(words)]:
        for begin in range(0, len(text), 7):
            for stop in range(begin, len(text)):
                if text[stop] in ".!?":
                    m = re.search(r"([\w.]+)\.$", text[begin : stop + 1])
                    assert _word_before_stop(text, begin, stop) == (m.group(1) if m else None), text


def test_organizations_are_tried_wherever_they_can_start() -> None:
    from scc_sync.extract import people

    extra = {"Stadt": "Stadt Musterhausen", "DStGB": "Deutscher Städte- und Gemeindebund", "e": "Europäische"}
    words = "VKU|DST|DStGB|Deutschen Städtetages|Deutscher Städtetag|Verband kommunaler Unternehmen|EU|e"
    texts = [" ".join(sentences()), *sentences(), *generated(words, n=500)]
    for gazetteer in (people.GAZETTEER, {**people.GAZETTEER, **extra}, {"": "Leer", "X": "Y"}):
        for text in texts:
            entries = tuple(gazetteer.items())
            rx = people._gazetteer_rx(entries)
            assert spans(people._gazetteer_matches(rx, entries, text)) == spans(rx.finditer(text)), text


def test_names_read_from_lazily_split_words_are_those_of_all_words() -> None:
    from scc_sync.extract import names, people

    for text in [*sentences(), *generated(NAME_WORDS)]:
        for m in names._CANDIDATE.finditer(text):
            lazy = names._name_at(text, names._Words(text, m.start()), 0, people._surname_rejected)
            eager = names._Words(text, m.start())
            eager.has(10**6)  # every word up front, as the list it was
            assert lazy == names._name_at(text, eager, 0, people._surname_rejected), text


def test_titles_are_cut_only_where_one_may_end_the_words() -> None:
    from scc_sync.extract import context_roles

    words = "Prof.|Dr.|Dr.-Ing.|Dipl.-Ing.|h. c.|h.c.|PD|Frau|Herr|Mr.|Mrs.|Ms.|der|Landrätin|Ende.|\n"
    for text in [*sentences(), *generated(words)]:
        for end in range(0, len(text), 5):
            left = text[:end]
            assert context_roles._without_titles(left) == context_roles._ACADEMIC_TAIL.sub("", left), left


EVENT_WORDS = (
    "Smart|Country|Convention|Kommunaler|Digitalgipfel|Stadtwerkekongress|Tag|der|offenen|Tür|of|the|and|&|"
    "Zukunftskongress|Staat|Verwaltung|2024|2023|re:publica|Fach-Tagung|Kongress-Woche|Day|Demo|Messe|Essen|"
    "Hauptversammlung|des|Deutschen|Städtetages|Konferenz|Zukunft|Stadt|Nacht|Wissenschaften"
)


def test_event_names_start_no_earlier_than_their_words_before_the_first_head() -> None:
    from scc_sync.extract import events

    for text in [*sentences(), *generated(EVENT_WORDS)]:
        end = events._NAME_END.search(text)
        for rx, words in ((events._EVENT_NAME, 4), (events._OF_BODY, 0), (events._HEAD_FIRST, 0)):
            found = spans(rx.finditer(text))
            if end is None:
                assert not found, text
            else:
                assert spans(rx.finditer(text, events.words_back(text, end.start(), words))) == found, text


def test_short_mentions_are_looked_for_wherever_one_may_be_kept() -> None:
    from scc_sync.extract import mentions

    for text in [*sentences(), *generated(NAME_WORDS)]:
        for m in mentions._SHORT.finditer(text):
            if not m.group("role") or mentions.is_role_word(m.group("role")):
                assert mentions._may_mention(text), text


def test_event_name_patterns_find_what_the_plain_pattern_finds() -> None:
    from scc_sync.extract import gate
    from scc_sync.extract.events import name_rx

    names = ["Smart Country Convention", "Kommunaler Digitalgipfel", "re:publica", "Tag der offenen Tür"]
    names += ["Kongress Zukunft.Stadt", "Forum (Nord)", "Stadtwerkekongress", "KOMMUNALE", "Info Day"]
    odd = ["Københavner Messe", "İnfo Day"]  # letters the twin cannot stand for: the plain pattern
    words = EVENT_WORDS + "|Kommunalen|Digitalgipfels|Københavner|İNFO|ınfo|Info"
    texts = [*sentences(), *generated(words, n=500)]
    for name in names + odd:
        rx = name_rx(name)
        assert isinstance(rx, gate.Folded) == (name not in odd), name
        plain = rx.rx if isinstance(rx, gate.Folded) else rx
        for text in texts:
            assert spans(rx.finditer(text)) == spans(plain.finditer(text)), (name, text)
            found, want = rx.search(text), plain.search(text)
            assert spans([found] if found else []) == spans([want] if want else []), (name, text)


def test_people_are_vouched_for_only_where_a_plausible_name_stands() -> None:
    from scc_sync.extract import people

    words = NAME_WORDS + "|Beispiel-Verwaltung|Beispiel-Verwaltungë|Muster-Mann|Zoë|Anna-Lena|von der|vom"
    for text in [*sentences(), *generated(words), "Landrätin Anna Beispiel-Verwaltungë sagte"]:
        if people._vouched_people(text, people.GAZETTEER):
            assert people._may_vouch(text), text
