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


@pytest.mark.parametrize("rx", [numbers._DIGIT_COUNT_RX, *numbers._NUMBER_FIRST])
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
    "Dr.|Prof.|Dr.-Ing.|Dipl.-Ing.|PD|Anna|Max|Muster|Beispiel|von|der|van|de|Landrätin|Oberbürgermeister|"
    "VKU-Hauptgeschäftsführer|Bundes-CIO|Präsident|Mayor|President|Parlamentarische|Staatssekretärin|"
    "Bayerischer|Umweltminister|Die|Der|des|Deutschen|Städtetages|Stadt|Kiel|sagte|und|sowie|and|Jane|Roe|"
    "Beispiel-Muster|(SPD)|Müller|Gäste|kamen|McCain|O'Neill|der Stadt|Leiterin|Vorstand|Herr|Frau|Ms."
)


def test_every_rewritten_pattern_matches_as_its_plain_form() -> None:
    from scc_sync.extract import gate

    assert gate.REWRITTEN
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
