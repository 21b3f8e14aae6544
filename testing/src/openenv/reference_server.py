#!/usr/bin/env python3
"""OpenEnv's own server (openenv's `create_fastapi_app`) hosting a small MCP environment with
an `echo(word)` tool, like Palestra's echo-target: the reference `openenvReference.test.ts` compares
`palestra serve echo-target` with, message by message.

Usage: reference_server.py PORT   (loopback only; ready when GET /health answers)
"""

import sys

import uvicorn
from fastmcp import FastMCP
from openenv.core.env_server.http_server import create_fastapi_app
from openenv.core.env_server.mcp_environment import MCPEnvironment
from openenv.core.env_server.mcp_types import CallToolAction, CallToolObservation
from openenv.core.env_server.types import EnvironmentMetadata, Observation, State


class EchoTarget(MCPEnvironment):
    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self):
        mcp = FastMCP("echo-target")

        @mcp.tool
        def echo(word: str) -> str:
            """Say a word back."""
            return f"You said: {word}"

        super().__init__(mcp)
        self._state = State(episode_id=None, step_count=0)

    def reset(self, seed=None, episode_id=None, **kwargs):
        self._state = State(episode_id=episode_id or f"episode-{seed}", step_count=0)
        return Observation(done=False, reward=None)

    def _step_impl(self, action, timeout_s=None, **kwargs):
        return Observation(done=False, reward=0.0)

    def get_metadata(self):
        return EnvironmentMetadata(name="echo-target", description="Say the target word.", version="1.0.0")

    @property
    def state(self):
        return self._state


if __name__ == "__main__":
    app = create_fastapi_app(EchoTarget, CallToolAction, CallToolObservation, max_concurrent_envs=2)
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
