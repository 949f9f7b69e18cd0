"""The staff console's API under arbitrary bodies and ids: 4xx that write nothing (not even the audit
log), never a 5xx; and without the staff login, 401 everywhere."""

from __future__ import annotations

import requests
from hypothesis import example, given
from hypothesis import strategies as st

from tests.accounts.helpers import bearer
from tests.fuzz.cases import count
from tests.fuzz.conftest import unchanged_if_refused
from tests.fuzz.test_rasa_webhook import JSON

ROUTES = [
    ("GET", "/console/api/queue"),
    ("GET", "/console/api/conversations/{id}"),
    ("POST", "/console/api/conversations/{id}/take"),
    ("POST", "/console/api/conversations/{id}/reply"),
    ("POST", "/console/api/conversations/{id}/checklist"),
    ("POST", "/console/api/conversations/{id}/release"),
    ("POST", "/console/api/assist"),
    ("POST", "/console/api/citizen-file"),
    ("GET", "/console/api/audit"),
    ("POST", "/console/api/privacy/erase"),
]
IDS = st.one_of(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9_.:@-]{0,20}\Z"), st.text(max_size=40))


def _could_be_right(key: str, value: object) -> bool:
    """A value some route takes for this field: text, nothing (optional fields), or answers (text → text)."""
    if value is None or isinstance(value, str):
        return True
    return (
        key == "answers"
        and isinstance(value, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())
    )


# Bodies that are not what any route takes (no route may accept them, so nothing may change):
# an unknown field, or a field no route takes in that type. ({"scenario": null} is a right body
# for /assist: nothing typed yet.)
WRONG_BODIES = st.one_of(
    JSON.filter(lambda b: not isinstance(b, dict)),
    st.dictionaries(
        st.sampled_from(["text", "citizen_id", "scenario", "answers", "reason", "x"]), JSON, max_size=4
    ).filter(lambda b: "x" in b or not all(_could_be_right(k, v) for k, v in b.items())),
)


def _url(stack, path: str, conversation: str) -> str:
    return stack.service("web").url + path.replace("{id}", requests.utils.quote(conversation, safe=""))


@given(route=st.sampled_from(ROUTES), conversation=IDS, body=WRONG_BODIES)
# Found by this test in CI: pydantic took an empty list for an empty dict of answers.
@example(route=("POST", "/console/api/assist"), conversation="0", body={"answers": []})
def test_wrong_bodies_and_odd_ids_are_refused_and_write_nothing(stack, stores, route, conversation, body):
    method, path = route
    headers = bearer(stack.settings, "fuzzer")
    before = stores.snapshot()
    response = requests.request(
        method, _url(stack, path, conversation), json=body, headers=headers, timeout=60
    )
    count(f"console {method} {path}", response.status_code)
    unchanged_if_refused(
        stores, before, response.status_code, f"{method} {path} {conversation!r} {body!r}"[:200]
    )
    if method == "POST":
        assert 400 <= response.status_code < 500, (method, path, body, response.status_code)


@given(route=st.sampled_from(ROUTES), conversation=IDS, body=JSON)
def test_without_the_staff_login_everything_is_401(stack, stores, route, conversation, body):
    method, path = route
    before = stores.snapshot()
    response = requests.request(method, _url(stack, path, conversation), json=body, timeout=30)
    count(f"console {method} {path} (no login)", response.status_code)
    if response.status_code != 404:  # an id that is not one path segment matches no route at all
        assert response.status_code == 401, response.status_code
    unchanged_if_refused(stores, before, response.status_code, f"{method} {path}")
