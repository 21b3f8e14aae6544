"""`Connection`: the server an environment talks to, and what it serves (name, spaces)."""

from __future__ import annotations

from typing import Any, cast

from gymnasium import spaces

from .client import Client, JsonObject
from .errors import PalestraError, ServerError
from .server import InvalidActions, ServerProcess
from .spaces import DEFAULT_TEXT_LENGTH, space_from_json, text_action_length, text_space


def is_url(name_or_url: str) -> bool:
    """Whether `make` was given a server's URL rather than an environment name or folder."""
    return name_or_url.startswith(("http://", "https://"))


class Connection:
    """A server to talk to: one started for `env` (stopped on `close`), or the one at `url`."""

    def __init__(
        self,
        env: str | None,
        url: str | None,
        *,
        max_sessions: int,
        invalid_actions: InvalidActions,
    ) -> None:
        if env is not None and is_url(env):
            env, url = None, env
        self.server: ServerProcess | None = None
        if url is None:
            if env is None:
                raise PalestraError("ENV_MISSING", "give an environment name, a folder or a server URL")
            self.server = ServerProcess(env, max_sessions=max_sessions, invalid_actions=invalid_actions)
            url = self.server.url
        self.client = Client(url)
        try:
            self._describe(env, url)
        except BaseException:
            self.close()  # a server started for nothing is stopped now, not at exit
            raise

    def _describe(self, env: str | None, url: str) -> None:
        """The served environment's name and spaces."""
        self.metadata: JsonObject = self.client.get("/metadata")
        self.name = str(self.metadata.get("name", env or url))
        if env is not None and self.server is None and env != self.name:
            raise PalestraError(
                "ENV_MISMATCH", f"{url} serves {self.name!r}, not {env!r}", {"url": url, "served": self.name}
            )
        declared = self._spaces()
        self.observation_space: spaces.Space[Any]
        self.action_space: spaces.Space[Any]
        if declared is not None:
            self.observation_space = space_from_json(declared.get("observation"), "spaces.observation")
            self.action_space = space_from_json(declared.get("action"), "spaces.action")
        else:  # a server from before spaces: an LLM agent's text in both directions
            self.observation_space = text_space(DEFAULT_TEXT_LENGTH)
            self.action_space = text_space(DEFAULT_TEXT_LENGTH)
        if isinstance(self.action_space, spaces.Text):
            # A reply is the agent's text, which the environment may show back: keep samples short
            # enough to be valid actions (`text_action_length`).
            cap = self.observation_space.max_length if isinstance(self.observation_space, spaces.Text) else None
            limit = text_action_length(cap or DEFAULT_TEXT_LENGTH)
            self.action_space = text_space(min(self.action_space.max_length, limit))

    def _spaces(self) -> JsonObject | None:
        """`GET /spaces` (Palestra's extension: /schema is exactly OpenEnv's), or None from an
        older server without it."""
        try:
            return cast(JsonObject, self.client.get("/spaces"))
        except ServerError as e:
            if e.details.get("status") == 404:
                return None
            raise

    def close(self) -> None:
        """Stop the server if this connection started it."""
        if self.server is not None:
            self.server.close()
