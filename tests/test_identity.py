"""The signed citizen token: only a genuine, unexpired token of ours names a citizen."""

from __future__ import annotations

import time

import jwt
import pytest

from bot.identity import ISSUER, citizen_from_metadata, sign_citizen_token, verify_citizen_token

SECRET = "a-32-byte-or-longer-secret-for-the-tests"


def test_round_trip():
    token = sign_citizen_token("demo-citizen-001", SECRET)
    assert verify_citizen_token(token, SECRET) == "demo-citizen-001"
    assert citizen_from_metadata({"citizen_token": token}, SECRET) == "demo-citizen-001"


@pytest.mark.parametrize(
    "token",
    [
        sign_citizen_token("demo-citizen-001", "another-secret"),
        sign_citizen_token("demo-citizen-001", SECRET, now=time.time() - 7200),
        jwt.encode(
            {"sub": "demo-citizen-001", "iss": ISSUER, "iat": int(time.time())}, SECRET, algorithm="HS256"
        ),
        jwt.encode({"sub": "x", "iss": "someone-else", "iat": 1, "exp": 2**33}, SECRET, algorithm="HS256"),
        jwt.encode({"sub": "../../etc", "iss": ISSUER, "iat": 1, "exp": 2**33}, SECRET, algorithm="HS256"),
        jwt.encode(
            {"sub": "demo-citizen-001", "iss": ISSUER, "iat": 1, "exp": 2**33}, None, algorithm="none"
        ),
        "demo-citizen-001",
        "",
        None,
        12345,
        "x" * 5000,
    ],
)
def test_anything_else_is_not_signed_in(token):
    assert verify_citizen_token(token, SECRET) is None


def test_metadata_without_a_token_is_anonymous():
    assert citizen_from_metadata({}, SECRET) is None
    assert citizen_from_metadata({"citizen_id": "demo-citizen-001"}, SECRET) is None
    assert citizen_from_metadata("nonsense", SECRET) is None
