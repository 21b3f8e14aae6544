"""Gymnasium spaces from the server's `GET /spaces`, and values between the wire's JSON and those spaces.

The wire forms (runtime/src/serve/README.md, "Spaces and vectors"):
``{"type": "Discrete", "n", "start"}``, ``{"type": "MultiDiscrete", "nvec"}``,
``{"type": "Box", "low", "high", "shape", "dtype"}``, ``{"type": "Dict", "spaces"}``,
``{"type": "Text", "max_length", "charset": "printable"}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np
from gymnasium import spaces

from .errors import PalestraError

#: The observation cap (`limits.maxObservationBytes`'s default) for a server without `GET /spaces`.
DEFAULT_TEXT_LENGTH = 262_144


@cache
def printable_charset() -> frozenset[str]:
    """Every printable Unicode character (`str.isprintable`), plus newline, tab and carriage return.

    Gymnasium's default Text charset is alphanumeric, which real observations (spaces, punctuation,
    newlines) fail, so `check_env` would too.
    """
    chars = (chr(c) for c in range(sys.maxunicode + 1))
    return frozenset(c for c in chars if c.isprintable()) | frozenset("\n\t\r")


@cache
def _charset_string() -> str:
    return "".join(sorted(printable_charset()))


class PrintableText(spaces.Text):
    """A Text space of printable Unicode (`printable_charset`), empty strings allowed.

    Only its `repr` differs from Gymnasium's Text, which would print all ~150,000 characters.
    """

    def __init__(self, max_length: int, *, seed: int | np.random.Generator | None = None) -> None:
        super().__init__(max_length=max_length, min_length=0, charset=_charset_string(), seed=seed)

    def __repr__(self) -> str:
        return f"Text({self.min_length}, {self.max_length}, charset=printable)"


def text_space(max_length: int) -> PrintableText:
    """A Text space of printable Unicode, empty strings allowed."""
    return PrintableText(max_length)


def text_action_length(observation_cap: int) -> int:
    """The longest Text action (a reply) `action_space.sample()` may give: 1/16 of the observation cap.

    The server refuses an action whose JSON is longer than the cap (`limits.maxObservationBytes`,
    counted in UTF-16 units, where a character may take 2), and an observation over the cap is an
    agent fault when the agent's text fills it: refund-desk shows the reply back in its text and its
    json. A sixteenth leaves room for both, escapes included.
    """
    return observation_cap // 16


def space_from_json(node: Any, path: str = "spaces") -> spaces.Space[Any]:
    """The Gymnasium space a wire description stands for; `path` names it in errors."""
    if not isinstance(node, dict):
        raise _bad(path, "a space must be an object with a `type`", node)
    kind = node.get("type")
    try:
        if kind == "Discrete":
            return spaces.Discrete(int(node["n"]), start=int(node.get("start", 0)))
        if kind == "MultiDiscrete":
            return spaces.MultiDiscrete(np.asarray(node["nvec"], dtype=np.int64))
        if kind == "Box":
            dtype = np.dtype(node.get("dtype", "float32"))
            shape = tuple(int(s) for s in node["shape"])
            low = np.asarray(node["low"], dtype=dtype).reshape(shape)
            high = np.asarray(node["high"], dtype=dtype).reshape(shape)
            return spaces.Box(low=low, high=high, shape=shape, dtype=dtype)
        if kind == "Dict":
            children = node["spaces"]
            return spaces.Dict({k: space_from_json(v, f"{path}.spaces.{k}") for k, v in children.items()})
        if kind == "Text":
            if node.get("charset", "printable") != "printable":
                raise _bad(path, "the only Text charset is `printable`", node)
            return text_space(int(node["max_length"]))
    except (KeyError, TypeError, ValueError) as e:
        raise _bad(path, f"a malformed {kind} space ({e})", node) from e
    raise _bad(path, f"unknown space type {kind!r}", node)


def to_space_value(space: spaces.Space[Any], value: Any) -> Any:
    """A JSON value (an observation's `space`) as the space's own value type."""
    if isinstance(space, spaces.Discrete):
        return np.int64(value)
    if isinstance(space, spaces.MultiDiscrete):
        return np.asarray(value, dtype=space.dtype)
    if isinstance(space, spaces.Box):
        return np.asarray(value, dtype=space.dtype).reshape(space.shape)
    if isinstance(space, spaces.Dict):
        return {k: to_space_value(sub, value[k]) for k, sub in space.spaces.items()}
    return value


def to_json_value(value: Any) -> Any:
    """A space value (numpy scalars and arrays included) as plain JSON."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    return value


def text_action(text: str) -> dict[str, Any]:
    """The wire action a Text action stands for.

    A string holding the JSON of an action object (``{"tool": …, "arguments": …}``, ``{"text": …}``,
    or OpenEnv's ``{"type": "call_tool", …}``) is that action; any other string is a plain text reply
    ``{"text": s}``, the model turn without a tool call. So `action_space.sample()`, a random string,
    is a (random) text reply, which every environment accepts as an action.
    """
    try:
        parsed = json.loads(text)
    except ValueError:
        return {"text": text}
    if isinstance(parsed, dict) and ("tool" in parsed or "text" in parsed or "type" in parsed):
        return parsed
    return {"text": text}


def wire_action(space: spaces.Space[Any], action: Any) -> dict[str, Any]:
    """An action as the server reads it.

    A mapping (``{"tool": …, "arguments": …}``, ``{"text": …}``) is sent as it is, unless the
    action space is a Dict (then it is the space's value); a Text action goes through `text_action`;
    any other value is the action space's value, ``{"space": V}``, which the server maps to its tool call.
    """
    if isinstance(action, Mapping) and not isinstance(space, spaces.Dict):
        return dict(action)
    if isinstance(space, spaces.Text):
        return text_action(str(action))
    return {"space": to_json_value(action)}


def _bad(path: str, why: str, node: Any) -> PalestraError:
    return PalestraError("SPACE_INVALID", f"{path}: {why}", {"path": path, "space": node})
