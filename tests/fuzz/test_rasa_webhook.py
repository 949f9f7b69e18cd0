"""Rasa's REST webhook (bot/channels/rest.py) under arbitrary bodies: a 400 that reaches nothing, or an answer."""

from __future__ import annotations

import requests
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.cases import count
from tests.fuzz.conftest import unchanged_if_refused

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
SENDER = st.one_of(st.from_regex(r"\Afuzz-[a-z0-9]{1,20}\Z"), JSON, st.text(max_size=300))
MESSAGE = st.one_of(st.text(max_size=200), JSON, st.just(""), st.just("   "), st.just("x" * 6000))
BODY = st.one_of(
    JSON,
    st.fixed_dictionaries({"sender": SENDER, "message": MESSAGE}, optional={"metadata": JSON}),
)


@given(body=BODY)
def test_any_json_body_is_answered_or_refused_with_400(stack, stores, body):
    url = stack.service("rasa").url + "/webhooks/rest/webhook"
    before = stores.snapshot()
    response = requests.post(url, json=body, timeout=60)
    count("rasa POST /webhooks/rest/webhook (JSON)", response.status_code)
    assert response.status_code in (200, 400), response.text[:200]
    unchanged_if_refused(stores, before, response.status_code, f"body {body!r}"[:200])
    if response.status_code == 200:
        assert isinstance(response.json(), list)


@given(
    raw=st.binary(max_size=2000),
    content_type=st.sampled_from(["application/json", "text/plain", "application/xml"]),
)
def test_bytes_that_are_not_json_are_refused_with_400(stack, stores, raw, content_type):
    url = stack.service("rasa").url + "/webhooks/rest/webhook"
    before = stores.snapshot()
    response = requests.post(url, data=raw, headers={"Content-Type": content_type}, timeout=60)
    count("rasa POST /webhooks/rest/webhook (bytes)", response.status_code)
    assert response.status_code in (200, 400), response.text[:200]
    unchanged_if_refused(stores, before, response.status_code, f"raw {raw[:60]!r}")
