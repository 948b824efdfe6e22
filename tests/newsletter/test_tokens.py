import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scc_sync.newsletter.tokens import InvalidToken, TokenSigner

OLD, NEW = b"o" * 32, b"n" * 32
NOW = datetime(2021, 10, 19, 12, tzinfo=UTC)


def test_round_trip_is_short_and_url_safe():
    signer = TokenSigner([NEW])
    token = signer.sign("unsubscribe", 12345, expires=NOW + timedelta(days=90))
    assert signer.verify(token, "unsubscribe", now=NOW) == "12345"
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", token)
    assert len(token) < 48


@given(subject=st.text(min_size=1, max_size=80))
def test_any_subject_round_trips(subject):
    signer = TokenSigner([NEW])
    assert signer.verify(signer.sign("confirm", subject), "confirm", now=NOW) == subject


@pytest.mark.parametrize("position", [0, -1])
def test_tampered_token_is_rejected(position):
    signer = TokenSigner([NEW])
    token = signer.sign("unsubscribe", "alice@example.org")
    chars = list(token)
    chars[position] = "A" if chars[position] != "A" else "B"
    with pytest.raises(InvalidToken):
        signer.verify("".join(chars), "unsubscribe", now=NOW)


def test_subject_swap_is_rejected():
    signer = TokenSigner([NEW])
    alice = signer.sign("unsubscribe", 1)
    bob = signer.sign("unsubscribe", 2)
    forged = bob.split(".")[0] + "." + ".".join(alice.split(".")[1:])
    with pytest.raises(InvalidToken, match="signature"):
        signer.verify(forged, "unsubscribe", now=NOW)


def test_wrong_purpose_is_rejected():
    signer = TokenSigner([NEW])
    with pytest.raises(InvalidToken):
        signer.verify(signer.sign("unsubscribe", 7), "confirm", now=NOW)


def test_expired_token_is_rejected_and_expiry_is_signed():
    signer = TokenSigner([NEW])
    token = signer.sign("confirm", 7, expires=NOW + timedelta(hours=1))
    assert signer.verify(token, "confirm", now=NOW + timedelta(minutes=59)) == "7"
    with pytest.raises(InvalidToken, match="expired"):
        signer.verify(token, "confirm", now=NOW + timedelta(hours=1))
    subject, _expiry, mac = token.split(".")
    with pytest.raises(InvalidToken, match="signature"):
        signer.verify(f"{subject}.zzzzzzz.{mac}", "confirm", now=NOW + timedelta(hours=2))


def test_rotated_keys_verify_old_tokens_and_sign_with_the_new_key():
    old_token = TokenSigner([OLD]).sign("unsubscribe", 7)
    rotated = TokenSigner([NEW, OLD])
    assert rotated.verify(old_token, "unsubscribe", now=NOW) == "7"
    new_token = rotated.sign("unsubscribe", 7)
    assert TokenSigner([NEW]).verify(new_token, "unsubscribe", now=NOW) == "7"
    with pytest.raises(InvalidToken):
        TokenSigner([NEW]).verify(old_token, "unsubscribe", now=NOW)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b", "a.b.c.d", "!!.x.??", "YQ.zz$.AAAA"])
def test_malformed_tokens_raise_invalid_token(garbage):
    with pytest.raises(InvalidToken):
        TokenSigner([NEW]).verify(garbage, "unsubscribe", now=NOW)


def test_weak_or_missing_keys_are_refused():
    with pytest.raises(ValueError, match="at least one"):
        TokenSigner([])
    with pytest.raises(ValueError, match="key #1"):
        TokenSigner([NEW, b"short"])
