#!/usr/bin/env python3
"""Drives `palestra serve frozen-lake` with OpenEnv's own client classes, unchanged.

Everything on the wire is done by openenv 0.10.0 (requirements.lock): `AutoEnv.from_env(...,
base_url=..., skip_install=True)` (checks /health, returns a GenericEnvClient), `GenericEnvClient`
(async, and its `.sync()` wrapper) for reset/step/state over /ws, `MCPToolClient` for
list_tools/call_tool over /ws and, in its production mode, over HTTP /mcp sessions. OpenEnv's client reads no /metadata or /schema, so those and the HTTP
/reset and /step answers are fetched with `requests` and validated with the pydantic models
OpenEnv's server declares as their response models (EnvironmentMetadata, SchemaResponse,
HealthResponse, ResetResponse, StepResponse, State): a field OpenEnv's server would never send
fails validation here.

Usage: check_openenv.py URL '{"episodes": [SEED, ...], "max_sessions": N}'
Prints one JSON object (the TypeScript test asserts on it); exits 1 with the traceback in the
summary if a check raised.
"""

import asyncio
import json
import sys
import traceback
import warnings

import requests
from openenv.auto import AutoEnv
from openenv.core import GenericEnvClient, MCPToolClient
from openenv.core.env_server.mcp_types import CallToolAction
from openenv.core.env_server.types import (
    EnvironmentMetadata,
    HealthResponse,
    ResetResponse,
    SchemaResponse,
    State,
    StepResponse,
)

warnings.simplefilter("error", DeprecationWarning)

# Gymnasium FrozenLake 4x4 (slippery): the optimal policy's direction per tile; holes and the goal
# end the episode, so they never need one.
POLICY = {0: "left", 1: "up", 2: "up", 3: "up", 4: "left", 6: "left", 8: "up", 9: "down", 10: "left", 13: "right", 14: "down"}


def move(direction):
    """Palestra's action shape (README: one tool call), as an OpenEnv action dict."""
    return {"tool": "move", "arguments": {"direction": direction}}


def step_record(result):
    obs = result.observation
    return {
        "position": obs["json"]["position"],
        "reward": result.reward,
        "done": result.done,
        "step": obs["step"],
        "terminated": obs["terminated"],
        "truncated": obs["truncated"],
        "reward_type": type(result.reward).__name__,
    }


async def play(client, seed):
    """One episode on an async EnvClient: reset with the seed, follow the policy until done."""
    first = await client.reset(seed=seed)
    record = {
        "seed": seed,
        "reset": {
            "reward": first.reward,
            "done": first.done,
            "seed": first.observation["seed"],
            "position": first.observation["json"]["position"],
            "has_metadata": "metadata" in first.observation,
        },
        "steps": [],
    }
    result = first
    while not result.done:
        # Yield between steps so that concurrent episodes really interleave on the wire.
        await asyncio.sleep(0)
        result = await client.step(move(POLICY[result.observation["json"]["position"]]))
        record["steps"].append(step_record(result))
    state = await client.state()
    record["state"] = {k: state.get(k) for k in ("episode_id", "step_count", "status", "seed", "return_micros")}
    record["state_is_openenv_state"] = State.model_validate(state).step_count == state["step_count"]
    record["return"] = sum(s["reward"] for s in record["steps"])
    return record


def error_of(fn):
    try:
        fn()
    except Exception as e:  # OpenEnv's client raises RuntimeError("Server error: ... (code: X)")
        return f"{type(e).__name__}: {e}"
    return None


def http_checks(url):
    out = {}
    get = lambda path: requests.get(f"{url}{path}", timeout=30)
    out["health"] = HealthResponse.model_validate(get("/health").json()).status.value
    out["metadata"] = EnvironmentMetadata.model_validate(get("/metadata").json()).model_dump()
    schema = SchemaResponse.model_validate(get("/schema").json())
    out["schema_action_titles"] = [alt.get("title") for alt in schema.action.get("oneOf", [])]
    out["http_state"] = State.model_validate(get("/state").json()).model_dump()
    r = requests.post(f"{url}/reset", json={"seed": 3}, timeout=30)
    reset = ResetResponse.model_validate(r.json())
    out["http_reset"] = {"status": r.status_code, "done": reset.done, "reward": reset.reward, "seed": reset.observation["seed"]}
    r = requests.post(f"{url}/step", json={"action": move("down"), "timeout_s": 5.0, "request_id": "r1"}, timeout=30)
    step = StepResponse.model_validate(r.json())
    out["http_step"] = {"status": r.status_code, "step": step.observation["step"], "reward": step.reward}
    r = requests.post(f"{url}/step", json={"action": move("sideways")}, timeout=30)
    out["http_invalid_action"] = {"status": r.status_code, "detail_is_list": isinstance(r.json().get("detail"), list)}
    return out


async def concurrent_sessions(url, seeds):
    """Several sessions at once, one GenericEnvClient (one WebSocket, one environment) each."""
    clients = [GenericEnvClient(base_url=url) for _ in seeds]
    try:
        await asyncio.gather(*(c.connect() for c in clients))
        return await asyncio.gather(*(play(c, s) for c, s in zip(clients, seeds)))
    finally:
        await asyncio.gather(*(c.close() for c in clients))


async def capacity(url, max_sessions):
    """max_sessions sessions are served; one more is refused with CAPACITY_REACHED at connect.

    The refusal comes before any message, as in OpenEnv's server (an error right after accept, then
    the close), so it is read with the client's own receive path rather than after a send, which
    may already meet the closed socket (OpenEnv's server behaves the same way).
    """
    # The sessions of the checks before give their slots back shortly after their sockets close.
    for _ in range(200):
        if requests.get(f"{url}/sessions", timeout=30).json().get("active", 0) == 0:
            break
        await asyncio.sleep(0.05)
    held = [GenericEnvClient(base_url=url) for _ in range(max_sessions)]
    extra = GenericEnvClient(base_url=url)
    try:
        for c in held:
            await c.reset(seed=0)
        await extra.connect()
        # EnvClient's own receive path (what every reset/step/state reads replies with).
        message = await extra._receive()
        first = {"type": message.get("type"), **{k: message.get("data", {}).get(k) for k in ("code", "active_sessions", "max_sessions")}}
        return {"held": len(held), "first_message": first}
    finally:
        for c in [*held, extra]:
            await c.close()


async def mcp_tool_client(url, seed):
    """OpenEnv's MCPToolClient, simulation transport (its default): list_tools and call_tool over /ws."""
    async with MCPToolClient(base_url=url) as env:
        reset = await env.reset(seed=seed)
        tools = await env.list_tools()
        text = await env.call_tool("move", direction=POLICY[0])
        step = await env.step(CallToolAction(tool_name="move", arguments={"direction": "up"}))
        try:
            await env.call_tool("move", direction="sideways")
            bad = None
        except Exception as e:
            bad = f"{type(e).__name__}: {e}"
        try:
            await env.call_tool("fly", height=3)
            unknown = None
        except Exception as e:
            unknown = f"{type(e).__name__}: {e}"
        state = await env.state()
        return {
            "reset_done": reset.done,
            "tools": [{"name": t.name, "required": t.input_schema.get("required")} for t in tools],
            "call_tool_result_is_text": isinstance(text, str) and "You are at row" in text,
            "step_observation": type(step.observation).__name__,
            "step_tool_name": getattr(step.observation, "tool_name", None),
            "step_error": getattr(step.observation, "error", None) and step.observation.error.model_dump(mode="json"),
            "bad_args": bad,
            "unknown_tool": unknown,
            "state": {"step_count": state.step_count, "episode_id_set": state.episode_id is not None},
        }


async def mcp_production(url):
    """MCPToolClient's production transport: JSON-RPC on HTTP /mcp in a persistent server session
    (openenv/session/create, tools/list and tools/call with its session_id, openenv/session/close)."""
    env = MCPToolClient(base_url=url)
    env.use_production_mode = True
    try:
        tools = await env.list_tools(use_cache=False)
        first = await env.call_tool("move", direction="left")
        second = await env.call_tool("move", direction="left")
        session_id = env._production_session_id
        try:
            await env.call_tool("fly", height=3)
            unknown = None
        except Exception as e:
            unknown = f"{type(e).__name__}: {e}"
        open_sessions = requests.get(f"{url}/sessions", timeout=30).json()["active"]
    finally:
        await env.close()
    return {
        "tools": [t.name for t in tools],
        "results_are_text": [isinstance(r, str) and "You are at row" in r for r in (first, second)],
        "session_id_set": bool(session_id),
        "unknown_tool": unknown,
        "open_sessions_during": open_sessions,
        "closed_session_id": env._production_session_id,
    }


def main(url, config):
    out = {"errors": {}}

    def section(name, fn):
        """Each check on its own: one failure is reported without hiding the others."""
        try:
            out[name] = fn()
        except Exception:
            out["errors"][name] = traceback.format_exc()

    seeds = config["episodes"]
    section("http", lambda: http_checks(url))
    section("sync", lambda: sync_checks(url, seeds[0]))
    section("concurrent_episodes", lambda: asyncio.run(concurrent_sessions(url, seeds[1:])))
    section("capacity", lambda: asyncio.run(capacity(url, config["max_sessions"])))
    section("mcp_tool_client", lambda: asyncio.run(mcp_tool_client(url, seeds[0])))
    section("mcp_production", lambda: asyncio.run(mcp_production(url)))
    out["ok"] = not out["errors"]
    print(json.dumps(out))
    return 0 if out["ok"] else 1


def sync_checks(url, seed):
    """AutoEnv checks /health itself, then hands back OpenEnv's generic client; used through `.sync()`."""
    auto = AutoEnv.from_env("frozen-lake", base_url=url, skip_install=True)
    out = {"auto_env_client": type(auto).__name__, "errors": {}}
    with auto.sync() as env:
        out["errors"]["step_before_reset"] = error_of(lambda: env.step(move("down")))
        out["episode"] = asyncio.run(play_sync_adapter(env, seed))
        out["errors"]["step_after_end"] = error_of(lambda: env.step(move("down")))
        env.reset(seed=seed)
        out["errors"]["invalid_arguments"] = error_of(lambda: env.step(move("sideways")))
        out["errors"]["unknown_tool"] = error_of(lambda: env.step({"tool": "fly", "arguments": {}}))
        out["errors"]["not_an_action"] = error_of(lambda: env.step({"code": "print(1)"}))
        out["state_after_errors"] = env.state()["step_count"]
    return out


async def play_sync_adapter(sync_env, seed):
    """Runs `play` on a SyncEnvClient: its methods are blocking, so wrap them as coroutines."""

    class Adapter:
        async def reset(self, **kw):
            return sync_env.reset(**kw)

        async def step(self, action):
            return sync_env.step(action)

        async def state(self):
            return sync_env.state()

    return await play(Adapter(), seed)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], json.loads(sys.argv[2])))
