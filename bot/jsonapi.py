"""What our HTTP services (the registry, the web server) share, so bad input reads the same everywhere.

Every refusal is a 4xx with the body ``{"error": {"code", "message"}}`` in plain
words; a malformed or oversized body never reaches a handler; and the services are
served the same way (uvicorn without its websockets module, which wants a newer
``websockets`` than Rasa pins).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from pydantic.errors import DictError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class JsonObject(BaseModel):
    """A request body that must be a JSON object with only the declared fields.

    pydantic 1 takes anything ``dict()`` accepts for a model, so a body of ``[]`` (or a
    list of pairs) would pass as ``{}``: refused here like any other wrong type.
    """

    class Config:
        extra = "forbid"

    @classmethod
    def validate(cls, value: Any) -> Any:
        if not isinstance(value, dict | cls):
            raise DictError()
        return super().validate(value)


class FastJSONResponse(JSONResponse):
    """A JSON response encoded by orjson: the same JSON as Starlette's (UTF-8, no spaces), several
    times faster, which is a visible share of a registry request (docs/benchmarks.md).

    Keys that are not strings are written as strings, as ``json.dumps`` writes them.
    """

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


class BodyLimit:
    """Refuse bodies over the limit with 413 before any handler sees them.

    The body is read up front (it is small by construction) and replayed, so
    a chunked upload without Content-Length is bounded too.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await _send_error(send, 413, "body_too_large", f"请求体超过 {self.limit} 字节上限")
            return
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                await self.app(scope, _replay([message]), send)
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await _send_error(send, 413, "body_too_large", f"请求体超过 {self.limit} 字节上限")
                return
        body = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
        await self.app(scope, _replay([body]), send)


def _replay(messages: list[Message]) -> Receive:
    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    return receive


async def _send_error(send: Send, status: int, code: str, message: str) -> None:
    response = FastJSONResponse(error_body(code, message), status_code=status)
    await response({"type": "http"}, _replay([]), send)


def describe(errors: Sequence[Mapping[str, Any]]) -> str:
    """Validation errors in one line a developer can act on, Chinese first."""
    parts = []
    for e in errors[:5]:
        loc = [str(x) for x in e.get("loc", ()) if x != "body"]
        if e.get("type") in ("value_error.jsondecode", "json_invalid"):
            parts.append(f"JSON 格式错误（第 {loc[0] if loc else '?'} 个字符附近）")
        elif not loc and e.get("type") == "type_error.dict":
            parts.append("请求体必须是 JSON 对象（Content-Type: application/json）")
        else:
            parts.append(f"{'.'.join(loc) or '请求体'}: {e.get('msg')}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI, max_body_bytes: int) -> None:
    """Our error body for our own refusals, validation failures and unknown routes; the body limit."""

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return FastJSONResponse(error_body(exc.code, exc.message), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        malformed = any(e.get("type") in ("value_error.jsondecode", "json_invalid") for e in errors)
        code = "malformed_json" if malformed else "invalid_request"
        return FastJSONResponse(error_body(code, describe(errors)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return FastJSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code)

    app.add_middleware(BodyLimit, limit=max_body_bytes)


# How long the server keeps an idle connection open (uvicorn's default, said here because the
# clients' own idle limit must stay below it: bot/registry/async_client.py, IDLE_CLOSE_S).
KEEP_ALIVE_S = 5


def serve_app(app: FastAPI, host: str, port: int) -> None:
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_keep_alive=KEEP_ALIVE_S,
        ws="none",  # no websockets here; uvicorn's ws module wants a newer websockets than Rasa pins
    )
