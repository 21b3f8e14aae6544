"""Real `palestra serve` processes, started by the package's own launcher and shared by the tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from palestra import ServerProcess


class Servers:
    """One server per environment name, started on first use and stopped at the end of the session."""

    def __init__(self) -> None:
        self._servers: dict[str, ServerProcess] = {}

    def url(self, env: str) -> str:
        if env not in self._servers:
            self._servers[env] = ServerProcess(env, max_sessions=16)
        return self._servers[env].url

    def close(self) -> None:
        for server in self._servers.values():
            server.close()


@pytest.fixture(scope="session")
def servers() -> Iterator[Servers]:
    shared = Servers()
    yield shared
    shared.close()
