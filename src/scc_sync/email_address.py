"""The one rule for an email address we send to, wherever it comes in: the sign-up form, the store (and
with it `subscribers add` and a CSV import), and `[[subscribers]] email` in the config.

A leaf of plain functions on strings, importing nothing of ours, so that every floor may use it.
"""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email


class InvalidEmail(ValueError):
    """Not an address we can send to; the message names the address and says why."""


def normalize_email(address: str) -> str:
    """A syntactically valid address (no DNS lookups) in its normal form, or InvalidEmail saying why not.

    One mailbox `local@domain`: no display name, no quoted local part, a domain with a dot that is not a
    special-use name (`.test`, `localhost`). Non-ASCII before the @ would need SMTPUTF8 on every relay,
    which scc-sync does not send; such an address is refused here, where the person adding it can still
    act. A non-ASCII domain is fine: mail goes to its ASCII (IDNA) form.
    """
    address = address.strip()
    try:
        valid = validate_email(
            address, check_deliverability=False, globally_deliverable=False, allow_smtputf8=False
        )
    except EmailNotValidError as exc:
        raise InvalidEmail(f"{address!r}: not a valid email address ({exc})") from None
    if "." not in valid.ascii_domain:
        raise InvalidEmail(f"{address!r}: not a valid email address (the domain has no dot)")
    return valid.normalized
