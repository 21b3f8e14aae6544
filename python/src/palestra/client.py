"""A client for `palestra serve`: HTTP requests and one WebSocket episode session.

The wire protocol is OpenEnv's (runtime/src/serve/README.md): HTTP keeps no episode, so an episode
of several steps is played on a `/ws` session; the vector extension (`/vector/*`) is HTTP.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any, cast

from websockets.sync.client import ClientConnection, connect

from .errors import InvalidActionError, PalestraError, ServerError

JsonObject = dict[str, Any]

# The server refuses messages over 4,194,304 characters; its observations are capped below that.
_MAX_MESSAGE = 16 * 1024 * 1024


class Client:
    """HTTP calls to one server at `url` (``http://host:port``).

    Example:
        >>> Client("http://127.0.0.1:8000").get("/health")  # doctest: +SKIP
        {'status': 'healthy'}
    """

    def __init__(self, url: str, timeout: float = 60.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def get(self, path: str) -> Any:
        """GET `path` and return its JSON answer."""
        return self._request("GET", path, None)

    def post(self, path: str, body: JsonObject) -> Any:
        """POST `body` as JSON to `path` and return its JSON answer."""
        return self._request("POST", path, body)

    def _request(self, method: str, path: str, body: JsonObject | None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + path,
            data=data,
            method=method,
            headers={"content-type": "application/json", "accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as e:
            text = e.read().decode("utf-8", "replace")
            try:
                answer = json.loads(text)
            except ValueError:
                answer = text
            code = answer.get("code") if isinstance(answer, dict) else None
            detail = answer.get("detail", answer) if isinstance(answer, dict) else answer
            error = InvalidActionError if e.code == 422 and path.endswith("step") else ServerError
            raise error(
                str(code or f"HTTP_{e.code}"),
                f"{method} {path} answered {e.code}: {_short(detail)}",
                {"status": e.code, "answer": answer},
            ) from None
        except urllib.error.URLError as e:
            raise PalestraError(
                "SERVER_UNREACHABLE", f"no answer from {self.url}: {e.reason}", {"url": self.url}
            ) from e

    def session(self) -> Session:
        """Open a WebSocket session (one environment, one episode at a time)."""
        return Session(self.url)


class Session:
    """One `/ws` session: `reset`, `step`, `state`, `close`; exactly one reply per message."""

    def __init__(self, url: str, open_timeout: float = 60.0) -> None:
        ws_url = "ws" + url.removeprefix("http") + "/ws"
        options: dict[str, Any] = {"open_timeout": open_timeout, "max_size": _MAX_MESSAGE, "compression": None}
        try:
            try:  # recent websockets warn unless a connection kept open on purpose says `legacy=True`
                self._ws: ClientConnection = connect(ws_url, legacy=True, **options)
            except TypeError:
                self._ws = connect(ws_url, **options)
        except OSError as e:
            raise PalestraError("SERVER_UNREACHABLE", f"could not open {ws_url}: {e}", {"url": ws_url}) from e
        self._closed = False

    def reset(self, **data: Any) -> JsonObject:
        """Start an episode; returns `{observation, reward, done}`."""
        return self._call({"type": "reset", "data": data}, "observation")

    def step(self, action: JsonObject) -> JsonObject:
        """Play one action; returns `{observation, reward, done}`."""
        return self._call({"type": "step", "data": action}, "observation")

    def state(self) -> JsonObject:
        """The session's state: `{episode_id, step_count, status, …}`."""
        return self._call({"type": "state"}, "state")

    def _call(self, message: JsonObject, expected: str) -> JsonObject:
        if self._closed:
            raise PalestraError("SESSION_CLOSED", "this session was closed")
        self._ws.send(json.dumps(message))
        reply = json.loads(self._ws.recv())
        data = cast(JsonObject, reply.get("data") or {})
        if reply.get("type") == "error":
            code = str(data.get("code", "ERROR"))
            error = InvalidActionError if code == "VALIDATION_ERROR" and message["type"] == "step" else ServerError
            raise error(code, str(data.get("message", "")), data)
        if reply.get("type") != expected:
            raise ServerError("UNEXPECTED_REPLY", f"expected a {expected} reply, got {_short(reply)}", reply)
        return data

    def close(self) -> None:
        """Say `close` (the server releases the environment) and close the socket."""
        if self._closed:
            return
        self._closed = True
        try:
            self._ws.send(json.dumps({"type": "close"}))
        except Exception:  # the socket may already be gone; closing is all that is left
            pass
        self._ws.close()


def _short(value: Any, limit: int = 500) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "…"
