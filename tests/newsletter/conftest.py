from datetime import date

import pytest

from scc_sync.models import Count, Event, EventFacts, Person, Summary


@pytest.fixture
def scc2020_recap() -> Summary:
    """The facts of the seed article (VKU recap of the Smart Country Convention 2020)."""
    return Summary(
        url="https://www.vku.de/themen/digitalisierung/smart-country-convention-digital-erfolgreich/",
        title="Smart Country Convention digital erfolgreich",
        language="de",
        event=EventFacts(
            name="Smart Country Convention 2020",
            start=date(2020, 10, 27),
            end=date(2020, 10, 28),
            format="online",
            counts={"participants": Count(10600), "speakers": Count(150, "more_than")},
        ),
        people=[
            Person("Markus Richter", title="Dr.", role="Bundes-CIO"),
            Person("Ingbert Liebing", role="Hauptgeschäftsführer", organization="VKU"),
        ],
        next_event=EventFacts(
            name="Smart Country Convention 2021",
            start=date(2021, 10, 26),
            end=date(2021, 10, 28),
            format="in-person",
        ),
    )


@pytest.fixture
def scc2021() -> Event:
    return Event(
        name="Smart Country Convention",
        start=date(2021, 10, 26),
        end=date(2021, 10, 28),
        location="Berlin, hub27",
        url="https://www.smartcountry.berlin/",
    )
