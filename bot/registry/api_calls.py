"""The registry's API once, for both of its clients: what each method asks and how its answer reads.

The web server and the CLI call the registry synchronously (bot/registry/client.py, ``requests``);
the action server awaits it on its own event loop (bot/registry/async_client.py, ``aiohttp``).
Both must send the same requests and give callers the same results and the same two errors,
so neither holds any of that itself: a method here describes its request as a :class:`Call`
and hands it to the client's ``_send``, and :func:`read_answer` turns the status and body into
the result or the error. A client is then only its transport: how to send bytes and wait.

Every request here may be sent twice with the same effect (the clients retry once when a
connection fails): the GETs and ``/checklist`` read, a notice's code is its content
(bot/registry/notices.py), ``PUT /feedback`` records or updates one rating, a DELETE deletes.
Keep it so for any request added.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlencode

import orjson

from bot.settings import Settings, get_settings

R = TypeVar("R")
Client = TypeVar("Client", bound="RegistryApi[Any]")


class RegistryUnavailable(RuntimeError):
    """The registry did not answer in time (or at all); callers apologise and offer the hotline."""


class RegistryRejected(ValueError):
    """The registry refused the request (4xx); ``status`` and ``code`` say why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


@dataclass(frozen=True)
class Call:
    """One request to the registry, ready for either transport, and which part of the answer to keep."""

    method: str
    path: str  # with its query string, already encoded
    auth: bool = False  # send the service token
    body: bytes | None = None  # JSON
    field: str | None = None  # the member of the answer the caller wants (None: all of it)
    missing_is_none: bool = False  # a 404 means "no such record": None, not an error

    def headers(self, token: str | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {token}"} if self.auth and token else {}
        if self.body is not None:
            headers["Content-Type"] = "application/json"
        return headers


def call(
    method: str,
    path: str,
    *,
    auth: bool = False,
    params: dict[str, Any] | None = None,
    json: Any = None,
    field: str | None = None,
    missing_is_none: bool = False,
) -> Call:
    """A :class:`Call`; parameters that are None are left out, as ``requests`` always did."""
    query = {k: v for k, v in (params or {}).items() if v is not None}
    return Call(
        method,
        path + ("?" + urlencode(query) if query else ""),
        auth,
        orjson.dumps(json) if json is not None else None,
        field,
        missing_is_none,
    )


def read_answer(request: Call, status: int, content: bytes) -> Any:
    """The result of ``request`` from the registry's status and body, or the error callers handle.

    A 5xx is :class:`RegistryUnavailable` (the person gets the apology and the hotline); a 4xx is
    :class:`RegistryRejected` with the registry's own code and message (bot/jsonapi.py's
    ``{"error": {code, message}}``), except a 404 where the caller asked for None instead."""
    if status >= 500:
        raise RegistryUnavailable(f"registry error {status}")
    if status == 404 and request.missing_is_none:
        return None
    if status >= 400:
        try:
            error = orjson.loads(content)["error"]
            code, message = str(error.get("code", "")), str(error.get("message", ""))
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            code, message = "http_error", content[:200].decode("utf-8", "replace")
        raise RegistryRejected(status, code, message)
    try:
        answer = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        raise RegistryUnavailable(f"registry answered {status} without JSON") from exc
    return answer[request.field] if request.field is not None else answer


class RegistryApi(Generic[R]):
    """Every registry method, each a :class:`Call` handed to ``_send``.

    ``R`` is what ``_send`` gives back: the result itself for the synchronous client, an
    awaitable of it for the asynchronous one. Where the registry is: fixed at construction, or
    (:meth:`from_settings` without settings) the settings in force at each request, so a module
    can hold a client without reading settings at import and tests can change them.
    """

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 3.0) -> None:
        self._fixed: tuple[str, str | None, float] | None = (base_url.rstrip("/"), token, timeout)

    @classmethod
    def from_settings(cls: type[Client], settings: Settings | None = None) -> Client:
        """A client for these settings; without any, for the settings in force at each request."""
        if settings is not None:
            return cls(settings.registry.url, settings.secrets.registry_token, settings.registry.timeout)
        client = cls("")
        client._fixed = None
        return client

    def _address(self) -> tuple[str, str | None, float]:
        """(base URL, service token, timeout) of the registry this client calls."""
        if self._fixed is not None:
            return self._fixed
        settings = get_settings()
        return settings.registry.url.rstrip("/"), settings.secrets.registry_token, settings.registry.timeout

    @property
    def base_url(self) -> str:
        return self._address()[0]

    def _send(self, request: Call) -> R:
        raise NotImplementedError

    # -- the registry's API (bot/registry/service.py) -----------------------------------------

    def health(self) -> R:
        return self._send(call("GET", "/health"))

    def scenario(self, scenario_id: str) -> R:
        """A guide of either kind by id; None when the registry has none."""
        return self._send(call("GET", f"/scenarios/{quote(scenario_id, safe='')}", missing_is_none=True))

    def search_scenarios(self, q: str | None = None, limit: int = 50) -> R:
        return self._send(call("GET", "/scenarios", params={"q": q, "limit": limit}, field="scenarios"))

    def matter(self, matter_id: str) -> R:
        """A matter by id or service_id: its guide (``materials_known`` true) or a catalogue-only
        entry (``kind`` "catalogue", ``materials_known`` false); None when unknown."""
        return self._send(call("GET", f"/matters/{quote(matter_id, safe='')}", missing_is_none=True))

    def search_matters(self, q: str | None = None, limit: int = 50) -> R:
        """Matters by name: detailed ones (kind "matter") and catalogue-only ones (kind "catalogue")."""
        params = {"q": q[:64] if q else q, "limit": limit}
        return self._send(call("GET", "/matters", params=params, field="matters"))

    def material(self, material_id: str) -> R:
        return self._send(call("GET", f"/materials/{quote(material_id, safe='')}", missing_is_none=True))

    def search_materials(self, q: str, limit: int = 10) -> R:
        return self._send(call("GET", "/materials", params={"q": q[:64], "limit": limit}, field="materials"))

    def checklist(
        self,
        scenario_id: str,
        answers: dict[str, str] | None = None,
        citizen_id: str | None = None,
        version: int | None = None,
        notice: bool = False,
    ) -> R:
        """The checklist now, or (``version``) as an earlier registry version gave it.

        ``scenario_id`` is a scenario's or a matter's id; a catalogue-only entry is refused
        (:class:`RegistryRejected`, code ``no_material_list``). With ``notice``, the answer also
        holds its one-time notice (``"notice"``: what :meth:`issue_notice` gives, or None when the
        registry could not issue one), so an answer is one request, not two."""
        body: dict[str, Any] = {"scenario": scenario_id, "answers": answers or {}}
        if citizen_id:
            body["citizen_id"] = citizen_id
        if version is not None:
            body["version"] = version
        if notice:
            body["notice"] = True
        return self._send(call("POST", "/checklist", auth=bool(citizen_id) or notice, json=body))

    def citizen_file(self, citizen_id: str) -> R:
        path = f"/citizens/{quote(citizen_id, safe='')}/materials"
        return self._send(call("GET", path, auth=True, field="materials"))

    def delete_citizen_file(self, citizen_id: str) -> R:
        """How many entries of the citizen's file were deleted."""
        path = f"/citizens/{quote(citizen_id, safe='')}/materials"
        return self._send(call("DELETE", path, auth=True, field="deleted"))

    def stats(self) -> R:
        return self._send(call("GET", "/stats"))

    def dashboard(self, push_limit: int = 50) -> R:
        """The reform dashboard's figures (bot/registry/dashboard_api.py)."""
        return self._send(call("GET", "/stats/dashboard", params={"push_limit": push_limit}))

    def stats_trend(self, limit: int = 100) -> R:
        """The once-or-exempt share of each registry version, oldest first."""
        return self._send(call("GET", "/stats/trend", params={"limit": limit}))

    # -- versions, notices, feedback (bot/registry/versions_api.py, notices.py, bot/feedback/api.py) --

    def versions(self, limit: int = 200) -> R:
        return self._send(call("GET", "/versions", params={"limit": limit}))

    def version_diff(self, a: int, b: int, scenario: str | None = None) -> R:
        return self._send(call("GET", f"/versions/{int(a)}/diff/{int(b)}", params={"scenario": scenario}))

    def issue_notice(self, scenario_id: str, answers: dict[str, str] | None = None) -> R:
        """The stable code of the notice for these answers at the current version."""
        body = {"scenario": scenario_id, "answers": answers or {}}
        return self._send(call("POST", "/notices", auth=True, json=body))

    def notice(self, code: str) -> R:
        return self._send(call("GET", f"/notices/{quote(code, safe='')}", auth=True, missing_is_none=True))

    def put_feedback(self, **fields: Any) -> R:
        """Record (or update) the rating of one answer: see bot/feedback/api.py for the fields."""
        body = {k: v for k, v in fields.items() if v is not None}
        return self._send(call("PUT", "/feedback", auth=True, json=body))

    def feedback(self, days: float | None = None, limit: int = 200) -> R:
        params = {"days": days, "limit": limit}
        return self._send(call("GET", "/feedback", auth=True, params=params, field="feedback"))

    def feedback_summary(self, days: float | None = None) -> R:
        return self._send(call("GET", "/feedback/summary", auth=True, params={"days": days}))
