#!/usr/bin/env python3
"""A client speaking OpenEnv's wire protocol, standard library only (the test fixture of `palestra serve`).

It does what OpenEnv's EnvClient does on the wire -- JSON over HTTP for /health, /metadata, /schema,
/reset, /step, and JSON text frames on /ws: {"type": "reset", "data": {...}}, {"type": "step",
"data": action}, {"type": "state"}, {"type": "close"} -- with a minimal RFC 6455 client over a
socket (masked client frames, ping answered with pong, close handshake).

Usage: python3 openenv_client.py http://127.0.0.1:PORT
Prints one JSON object with what each check saw; the TypeScript test asserts on it.
"""

import base64
import hashlib
import http.client
import json
import time
import os
import re
import socket
import struct
import sys
from urllib.parse import urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Closed(Exception):
    def __init__(self, code, reason):
        super().__init__(f"closed {code} {reason}")
        self.code = code
        self.reason = reason


class WebSocket:
    """Just enough of RFC 6455 for OpenEnv's text protocol."""

    def __init__(self, host, port, path="/ws", timeout=60.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("connection closed during the handshake")
            head += chunk
        lines = head.decode("latin-1").split("\r\n")
        if " 101 " not in lines[0] + " ":
            raise ConnectionError(f"handshake refused: {lines[0]}")
        headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
        expected = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise ConnectionError("bad Sec-WebSocket-Accept")
        self.closed = None

    def _read(self, n):
        data = b""
        while len(data) < n:
            chunk = self.sock.recv(n - len(data))
            if not chunk:
                raise Closed(1006, "connection dropped")
            data += chunk
        return data

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_text(self, text):
        self._send_frame(0x1, text.encode())

    def send(self, message):
        self.send_text(json.dumps(message))

    def recv_text(self):
        parts = []
        while True:
            b0, b1 = self._read(2)
            fin, opcode, n = b0 & 0x80, b0 & 0x0F, b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            if b1 & 0x80:
                raise ConnectionError("a server must not mask its frames")
            payload = self._read(n)
            if opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                reason = payload[2:].decode("utf-8", "replace")
                if self.closed is None:
                    self._send_frame(0x8, payload[:2])
                self.closed = (code, reason)
                raise Closed(code, reason)
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            parts.append(payload)
            if fin:
                return b"".join(parts).decode()

    def recv(self):
        return json.loads(self.recv_text())

    def ask(self, message):
        self.send(message)
        return self.recv()

    def wait_closed(self):
        """Reads until the server's close frame; returns (code, reason)."""
        try:
            while True:
                self.recv_text()
        except Closed as c:
            return [c.code, c.reason]

    def close(self):
        """OpenEnv's EnvClient.disconnect: a close message, then the close handshake."""
        try:
            self.send({"type": "close"})
            self._send_frame(0x8, struct.pack("!H", 1000))
            self.closed = (1000, "")
            return self.wait_closed()
        finally:
            self.sock.close()


def http_json(host, port, method, path, body=None):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    payload = None if body is None else (body if isinstance(body, str) else json.dumps(body))
    conn.request(method, path, body=payload, headers={"content-type": "application/json"})
    res = conn.getresponse()
    data = res.read().decode()
    conn.close()
    return res.status, json.loads(data) if data else None


def plan(name, first_observation):
    """Valid actions for the environment under test (what an agent would send)."""
    if name == "echo-target":
        return [{"tool": "echo", "arguments": {"word": "apple"}}]
    if name == "refund-desk":
        order = re.search(r"order \(([A-Z]-\d+)\)", first_observation["text"]).group(1)
        return [
            {"tool": "lookup_order", "arguments": {"orderId": order}},
            {"text": "Thanks, I am checking your order."},
        ]
    raise SystemExit(f"no plan for {name}")


def reset_data(name):
    return {"seed": 1, "task_id": "apple"} if name == "echo-target" else {"seed": 1, "task_index": 0}


def main(url):
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port
    out = {}

    status, health = http_json(host, port, "GET", "/health")
    out["health"] = [status, health]
    status, meta = http_json(host, port, "GET", "/metadata")
    out["metadata"] = {k: meta.get(k) for k in ("name", "version", "description")}
    name = meta["name"]
    status, schema = http_json(host, port, "GET", "/schema")
    out["schema"] = {
        "keys": sorted(schema),
        "action_titles": [alt.get("title") for alt in schema["action"]["oneOf"]],
        "state_required": schema["state"].get("required"),
    }

    # HTTP: stateless, as in OpenEnv.
    status, body = http_json(host, port, "POST", "/reset", reset_data(name))
    out["http_reset"] = {"status": status, "keys": sorted(body), "done": body["done"], "seed": body["observation"]["seed"]}
    action = plan(name, body["observation"])[0]
    status, body = http_json(host, port, "POST", "/step", {"action": action, **reset_data(name)})
    out["http_step"] = {"status": status, "reward": body["reward"], "done": body["done"], "step": body["observation"]["step"]}
    status, body = http_json(host, port, "POST", "/step", {"action": {"tool": "no_such_tool", "arguments": {}}})
    out["http_bad_action"] = {"status": status, "detail": body["detail"]}
    status, body = http_json(host, port, "POST", "/step", "{not json")
    out["http_bad_json"] = {"status": status, "type": body["detail"][0]["type"]}

    # WebSocket: one episode.
    ws = WebSocket(host, port)
    first = ws.ask({"type": "reset", "data": reset_data(name)})
    out["ws_reset"] = {
        "type": first["type"],
        "reward": first["data"]["reward"],
        "done": first["data"]["done"],
        "seed": first["data"]["observation"]["seed"],
        "task_id": first["data"]["observation"]["task_id"],
    }
    steps = []
    for a in plan(name, first["data"]["observation"]):
        r = ws.ask({"type": "step", "data": a})
        steps.append({"type": r["type"], "reward": r["data"]["reward"], "done": r["data"]["done"], "text": r["data"]["observation"]["text"]})
    out["ws_steps"] = steps
    state = ws.ask({"type": "state"})
    out["ws_state"] = state
    bad = ws.ask({"type": "step", "data": {"tool": "no_such_tool", "arguments": {}}})
    out["ws_invalid_action"] = {"type": bad["type"], "code": bad["data"]["code"], "errors": len(bad["data"].get("errors", []))}
    unknown = ws.ask({"type": "dance"})
    out["ws_unknown_type"] = unknown["data"]["code"]
    ws.send_text("{oops")
    out["ws_invalid_json"] = ws.recv()["data"]["code"]
    out["ws_state_after_errors"] = ws.ask({"type": "state"})["data"]["step_count"]
    call = ws.ask({"type": "step", "data": {"type": "call_tool", "tool_name": action["tool"], "arguments": action["arguments"]}})
    out["ws_after_end_or_call_tool"] = call["type"] if call["type"] != "error" else call["data"]["code"]
    tools = ws.ask({"type": "step", "data": {"type": "list_tools"}})
    out["ws_list_tools"] = [t["name"] for t in tools["data"]["observation"]["tools"]]
    rpc = ws.ask({"type": "mcp", "data": {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}})
    out["ws_mcp"] = {"type": rpc["type"], "id": rpc["data"]["id"], "tools": [t["name"] for t in rpc["data"]["result"]["tools"]]}
    out["ws_close"] = ws.close()

    # Capacity: connections beyond --max-sessions get CAPACITY_REACHED, then the socket closes.
    # First wait until the sessions above have given their slots back (a session keeps its slot
    # until its environment is handed back, which takes a moment for environments in workers).
    for _ in range(200):
        if http_json(host, port, "GET", "/sessions")[1].get("active", 0) == 0:
            break
        time.sleep(0.05)
    held = []
    capacity = None
    for _ in range(16):
        # Keep the held sessions busy, so the idle timeout cannot free a slot while a new
        # session's environment is being built (a second or more for code in a worker, under load).
        for h in held:
            h.ask({"type": "state"})
        ws = WebSocket(host, port)
        reply = ws.ask({"type": "state"})
        if reply["type"] == "error":
            capacity = {"accepted": len(held), "code": reply["data"]["code"], "max_sessions": reply["data"].get("max_sessions"), "close": ws.wait_closed()}
            ws.sock.close()
            break
        held.append(ws)
    out["capacity"] = capacity
    for ws in held:
        ws.close()

    # Idle timeout: say nothing; the server sends SESSION_ERROR and closes.
    ws = WebSocket(host, port)
    idle = ws.recv()
    out["idle"] = {"type": idle["type"], "code": idle["data"]["code"], "close": ws.wait_closed()}
    ws.sock.close()

    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1])
