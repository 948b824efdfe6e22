"""The two forms' fields: read from the request, checked, and returned as plain data plus error keys."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from scc_sync.email_address import InvalidEmail, normalize_email
from scc_sync.web.page_text import LANGS

FREQUENCIES = ("weekly", "daily")
MAX_NAME = 100


@dataclass
class SignupForm:
    email: str = ""
    name: str = ""
    frequency: str = "weekly"
    locale: str = "de"
    reminders: bool = True
    errors: dict[str, str] = field(default_factory=dict)  # field -> key of the message in page_text.STRINGS


@dataclass
class PreferencesForm:
    frequency: str
    locale: str
    reminders: bool
    errors: dict[str, str] = field(default_factory=dict)


def valid_email(text: str) -> bool:
    """Whether the store will take this address: the form asks the very rule the store applies."""
    try:
        normalize_email(text)
    except InvalidEmail:
        return False
    return True


def clean_name(text: str) -> str:
    """Printable text on one line: control characters (a newline into a mail header) become spaces."""
    chars = (" " if unicodedata.category(c).startswith("C") else c for c in text)
    return " ".join("".join(chars).split())


def read_signup(data: MultiDict[str, str], default_locale: str) -> SignupForm:
    form = SignupForm(
        email=data.get("email", "").strip(),
        name=clean_name(data.get("name", "")),
        frequency=data.get("frequency", "weekly"),
        locale=data.get("locale", default_locale),
        reminders=data.get("reminders") == "on",
    )
    if not valid_email(form.email):
        form.errors["email"] = "error_email"
    if len(form.name) > MAX_NAME:
        form.errors["name"] = "error_name"
    _check_choices(form.frequency, form.locale, form.errors)
    return form


def read_preferences(data: MultiDict[str, str]) -> PreferencesForm:
    form = PreferencesForm(
        frequency=data.get("frequency", ""),
        locale=data.get("locale", ""),
        reminders=data.get("reminders") == "on",
    )
    _check_choices(form.frequency, form.locale, form.errors)
    return form


def _check_choices(frequency: str, locale: str, errors: dict[str, str]) -> None:
    if frequency not in FREQUENCIES:
        errors["frequency"] = "error_choice"
    if locale not in LANGS:
        errors["locale"] = "error_choice"
