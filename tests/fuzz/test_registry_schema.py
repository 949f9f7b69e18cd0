"""The registry's API as its OpenAPI schema describes it (schemathesis), valid and invalid input.

Every operation gets generated cases that fit the schema and cases that break it
(wrong types, missing fields, out-of-range values), with and without the service
token. No case may get a 5xx, and a refused one (4xx) must leave the stores as
they were.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import settings
from schemathesis import GenerationMode

from tests.conftest import REGISTRY_TOKEN
from tests.fuzz.cases import count
from tests.fuzz.conftest import unchanged_if_refused

schema = schemathesis.pytest.from_fixture("registry_schema")


@pytest.fixture(scope="session")
def registry_schema(stack):
    loaded = schemathesis.openapi.from_url(stack.service("registry").url + "/openapi.json")
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE], max_examples=settings().max_examples
    )
    return loaded


@schema.parametrize()
def test_every_registry_operation_refuses_bad_input_with_a_4xx_and_writes_nothing(case, stores):
    for headers in ({"Authorization": f"Bearer {REGISTRY_TOKEN}"}, {}):
        before = stores.snapshot()
        response = case.call(headers=headers, timeout=30)
        count(f"registry {case.method.upper()} {case.path}", response.status_code)
        unchanged_if_refused(stores, before, response.status_code, f"{case.method} {case.formatted_path}")
        if not headers and "/citizens/" in case.path:
            assert response.status_code in (400, 401, 404, 405, 413, 422), response.status_code
