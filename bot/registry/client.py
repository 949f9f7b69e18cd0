"""The one client of the registry service, for the actions, the console and the CLI.

Synchronous ``requests`` with one pooled session, short timeouts and a single
retry on connection failure; async callers use :meth:`RegistryClient.call`,
which runs the request on a worker thread so an event loop never blocks.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from bot.settings import Settings, get_settings

T = TypeVar("T")


class RegistryUnavailable(RuntimeError):
    """The registry did not answer in time (or at all); callers apologise and offer the hotline."""


class RegistryRejected(ValueError):
    """The registry refused the request (4xx); ``status`` and ``code`` say why."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class RegistryClient:
    def __init__(self, base_url: str, token: str | None = None, timeout: float = 3.0) -> None:
        self._fixed: tuple[str, str | None, float] | None = (base_url.rstrip("/"), token, timeout)
        self._local = threading.local()

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> RegistryClient:
        """A client for these settings; without any, for the settings in force at each request
        (get_settings()), so a module can hold one without reading settings at import."""
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

    @property
    def _session(self) -> requests.Session:
        # One keep-alive session per worker thread: requests.Session is not thread-safe.
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            retry = Retry(total=1, connect=1, read=0, status=0, backoff_factor=0.1, allowed_methods=None)
            session.mount("http://", HTTPAdapter(max_retries=retry, pool_maxsize=4))
            session.mount("https://", HTTPAdapter(max_retries=retry, pool_maxsize=4))
            self._local.session = session
        return session

    def _request(self, method: str, path: str, auth: bool = False, **kwargs: Any) -> Any:
        base_url, token, timeout = self._address()
        headers = {"Authorization": f"Bearer {token}"} if auth and token else {}
        try:
            response = self._session.request(
                method, base_url + path, headers=headers, timeout=timeout, **kwargs
            )
        except requests.RequestException as exc:
            raise RegistryUnavailable(f"registry unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise RegistryUnavailable(f"registry error {response.status_code}")
        if response.status_code >= 400:
            try:
                error = response.json()["error"]
            except (ValueError, KeyError, TypeError):
                error = {"code": "http_error", "message": response.text[:200]}
            raise RegistryRejected(response.status_code, error.get("code", ""), error.get("message", ""))
        return response.json()

    # -- the registry's API ---------------------------------------------------

    def health(self) -> dict[str, Any]:
        return self._request("GET", "/health")

    def _get_or_none(self, path: str, auth: bool = False) -> dict[str, Any] | None:
        """GET one record; None when the registry has no such id."""
        try:
            return self._request("GET", path, auth=auth)
        except RegistryRejected as exc:
            if exc.status == 404:
                return None
            raise

    def scenario(self, scenario_id: str) -> dict[str, Any] | None:
        return self._get_or_none(f"/scenarios/{quote(scenario_id, safe='')}")

    def search_scenarios(self, q: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        return self._request("GET", "/scenarios", params={"q": q, "limit": limit})["scenarios"]

    def matter(self, matter_id: str) -> dict[str, Any] | None:
        """A matter by id or service_id: its guide (``materials_known`` true) or a catalogue-only
        entry (``kind`` "catalogue", ``materials_known`` false); None when unknown."""
        return self._get_or_none(f"/matters/{quote(matter_id, safe='')}")

    def search_matters(self, q: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        """Matters by name: detailed ones (kind "matter") and catalogue-only ones (kind "catalogue")."""
        return self._request("GET", "/matters", params={"q": q[:64] if q else q, "limit": limit})["matters"]

    def material(self, material_id: str) -> dict[str, Any] | None:
        return self._get_or_none(f"/materials/{quote(material_id, safe='')}")

    def search_materials(self, q: str, limit: int = 10) -> list[dict[str, Any]]:
        return self._request("GET", "/materials", params={"q": q[:64], "limit": limit})["materials"]

    def checklist(
        self,
        scenario_id: str,
        answers: dict[str, str] | None = None,
        citizen_id: str | None = None,
        version: int | None = None,
    ) -> dict[str, Any]:
        """The checklist now, or (``version``) as an earlier registry version gave it.

        ``scenario_id`` is a scenario's or a matter's id; a catalogue-only entry is refused
        (:class:`RegistryRejected`, code ``no_material_list``)."""
        body: dict[str, Any] = {"scenario": scenario_id, "answers": answers or {}}
        if citizen_id:
            body["citizen_id"] = citizen_id
        if version is not None:
            body["version"] = version
        return self._request("POST", "/checklist", auth=bool(citizen_id), json=body)

    def citizen_file(self, citizen_id: str) -> list[dict[str, Any]]:
        return self._request("GET", f"/citizens/{quote(citizen_id, safe='')}/materials", auth=True)[
            "materials"
        ]

    def delete_citizen_file(self, citizen_id: str) -> int:
        return self._request("DELETE", f"/citizens/{quote(citizen_id, safe='')}/materials", auth=True)[
            "deleted"
        ]

    def stats(self) -> dict[str, Any]:
        return self._request("GET", "/stats")

    # -- versions, notices, feedback (bot/registry/versions_api.py, notices.py, bot/feedback/api.py) --

    def versions(self, limit: int = 200) -> dict[str, Any]:
        return self._request("GET", "/versions", params={"limit": limit})

    def version_diff(self, a: int, b: int, scenario: str | None = None) -> dict[str, Any]:
        return self._request("GET", f"/versions/{int(a)}/diff/{int(b)}", params={"scenario": scenario})

    def issue_notice(self, scenario_id: str, answers: dict[str, str] | None = None) -> dict[str, Any]:
        """The stable code of the notice for these answers at the current version."""
        return self._request(
            "POST", "/notices", auth=True, json={"scenario": scenario_id, "answers": answers or {}}
        )

    def notice(self, code: str) -> dict[str, Any] | None:
        return self._get_or_none(f"/notices/{quote(code, safe='')}", auth=True)

    def put_feedback(self, **fields: Any) -> dict[str, Any]:
        """Record (or update) the rating of one answer: see bot/feedback/api.py for the fields."""
        return self._request(
            "PUT", "/feedback", auth=True, json={k: v for k, v in fields.items() if v is not None}
        )

    def feedback(self, days: float | None = None, limit: int = 200) -> list[dict[str, Any]]:
        return self._request("GET", "/feedback", auth=True, params={"days": days, "limit": limit})["feedback"]

    def feedback_summary(self, days: float | None = None) -> dict[str, Any]:
        return self._request("GET", "/feedback/summary", auth=True, params={"days": days})

    async def call(self, method: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run one of the methods above off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(None, partial(method, *args, **kwargs))
