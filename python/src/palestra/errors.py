"""Typed errors: one base with a `code`, as Palestra's TypeScript `PalestraError` has."""

from __future__ import annotations

from typing import Any


class PalestraError(Exception):
    """Something Palestra refused or could not do; `code` names what, `details` carries the values."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details: dict[str, Any] = details or {}


class ServerStartError(PalestraError):
    """`palestra serve` could not be started, or ended before it printed its address."""


class ServerError(PalestraError):
    """The server answered a request with an error (`code` is the server's, e.g. EXECUTION_ERROR)."""


class InvalidActionError(ServerError):
    """The server refused an action (`palestra serve --invalid-actions reject`): no step was taken."""
