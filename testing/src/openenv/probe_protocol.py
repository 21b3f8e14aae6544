#!/usr/bin/env python3
"""Sends one fixed sequence of OpenEnv protocol messages (HTTP and /ws) to a server and prints the
shape of every answer: status codes, reply types, error codes, key sets, error types. The test runs
it against OpenEnv's own server (reference_server.py) and against `palestra serve echo-target`, and
compares the two. Raw `websockets`/`requests` on purpose: this looks at the wire, not at a client.

Usage: probe_protocol.py URL
"""

import asyncio
import json
import sys

import requests
from websockets.asyncio.client import connect

ECHO = {"type": "call_tool", "tool_name": "echo", "arguments": {"word": "apple"}}


def shape_step(data):
    """The parts of a step/reset answer both servers must agree on."""
    obs = data.get("observation", {})
    out = {"keys": sorted(data), "reward_type": type(data.get("reward")).__name__, "done": data.get("done")}
    if "tool_name" in obs:
        result = obs.get("result")
        out["tool_name"] = obs["tool_name"]
        out["result_keys"] = sorted(result) if isinstance(result, dict) else result
        out["result_data"] = result.get("data") if isinstance(result, dict) else None
        out["result_text"] = result["content"][0]["text"] if isinstance(result, dict) else None
        out["content_keys"] = sorted(result["content"][0]) if isinstance(result, dict) else None
        out["error"] = obs["error"] and {"error_type": obs["error"]["error_type"], "has_message": bool(obs["error"]["message"])}
    if "tools" in obs:
        out["tools"] = [{"keys": sorted(t), "name": t["name"], "required": t["input_schema"].get("required")} for t in obs["tools"]]
    return out


def shape(reply):
    if reply.get("type") == "error":
        d = reply["data"]
        errors = d.get("errors")
        return {
            "type": "error",
            "code": d.get("code"),
            "has_message": bool(d.get("message")),
            "error_locs": [e.get("loc") for e in errors] if isinstance(errors, list) else None,
        }
    if reply.get("type") == "observation":
        return {"type": "observation", **shape_step(reply["data"])}
    if reply.get("type") == "state":
        return {"type": "state", "has_episode_id": "episode_id" in reply["data"], "step_count": reply["data"].get("step_count")}
    if reply.get("type") == "mcp":
        d = reply["data"]
        return {"type": "mcp", "id": d.get("id"), "jsonrpc": d.get("jsonrpc"), "tools": [t["name"] for t in d.get("result", {}).get("tools", [])]}
    return {"type": reply.get("type")}


async def ws_sequence(url):
    ws_url = url.replace("http://", "ws://") + "/ws"
    sequence = [
        ("reset", {"type": "reset", "data": {"seed": 1}}),
        ("call_tool_unknown", {"type": "step", "data": {"type": "call_tool", "tool_name": "shout", "arguments": {}}}),
        ("call_tool_missing_argument", {"type": "step", "data": {"type": "call_tool", "tool_name": "echo", "arguments": {}}}),
        ("call_tool_no_name", {"type": "step", "data": {"type": "call_tool", "arguments": {}}}),
        ("list_tools", {"type": "step", "data": {"type": "list_tools"}}),
        ("state", {"type": "state"}),
        ("unknown_type", {"type": "dance"}),
        ("invalid_json", "{oops"),
        ("step_without_data", {"type": "step"}),
        ("mcp_tools_list", {"type": "mcp", "data": {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}}),
        ("call_tool", {"type": "step", "data": ECHO}),
    ]
    out = {}
    async with connect(ws_url) as ws:
        for name, message in sequence:
            await ws.send(message if isinstance(message, str) else json.dumps(message))
            out[name] = shape(json.loads(await asyncio.wait_for(ws.recv(), 30)))
        await ws.send(json.dumps({"type": "close"}))
        try:
            extra = await asyncio.wait_for(ws.recv(), 30)
            out["close"] = {"unexpected_reply": extra}
        except Exception:
            out["close"] = {"code": ws.close_code}
    return out


def http_sequence(url):
    out = {}
    r = requests.get(f"{url}/health", timeout=30)
    out["health"] = [r.status_code, r.json()]
    out["metadata_keys"] = sorted(requests.get(f"{url}/metadata", timeout=30).json())
    out["schema_keys"] = sorted(requests.get(f"{url}/schema", timeout=30).json())
    state = requests.get(f"{url}/state", timeout=30).json()
    out["state"] = {"episode_id": state.get("episode_id"), "step_count": state.get("step_count")}
    r = requests.post(f"{url}/reset", json={"seed": 1}, timeout=30)
    out["reset"] = [r.status_code, shape_step(r.json())]
    r = requests.post(f"{url}/step", json={"action": ECHO}, timeout=30)
    out["step_call_tool"] = [r.status_code, shape_step(r.json())]
    r = requests.post(f"{url}/step", json={"action": {"type": "call_tool", "tool_name": "shout", "arguments": {}}}, timeout=30)
    out["step_call_tool_unknown"] = [r.status_code, shape_step(r.json())]
    r = requests.post(f"{url}/step", json={"action": {"type": "call_tool", "arguments": {}}}, timeout=30)
    detail = r.json().get("detail")
    out["step_bad_action"] = [r.status_code, [d["loc"] for d in detail] if isinstance(detail, list) else detail]
    r = requests.post(f"{url}/step", json={}, timeout=30)
    detail = r.json().get("detail")
    out["step_no_action"] = [r.status_code, [d["loc"] for d in detail] if isinstance(detail, list) else detail]
    r = requests.get(f"{url}/nowhere", timeout=30)
    out["not_found"] = r.status_code
    return out


if __name__ == "__main__":
    url = sys.argv[1].rstrip("/")
    print(json.dumps({"http": http_sequence(url), "ws": asyncio.run(ws_sequence(url))}))
