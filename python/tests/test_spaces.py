"""Spaces from `/schema`'s wire forms, and values between JSON and those spaces."""

from __future__ import annotations

import json

import numpy as np
import pytest
from gymnasium import spaces

from palestra import PalestraError
from palestra.spaces import (
    space_from_json,
    text_action,
    text_action_length,
    text_space,
    to_json_value,
    to_space_value,
    wire_action,
)


def test_every_wire_form_becomes_its_gymnasium_space() -> None:
    assert space_from_json({"type": "Discrete", "n": 4, "start": 0}) == spaces.Discrete(4)
    assert space_from_json({"type": "MultiDiscrete", "nvec": [3, 2]}) == spaces.MultiDiscrete([3, 2])
    box = space_from_json({"type": "Box", "low": [0, -1], "high": [1, 1], "shape": [2], "dtype": "float32"})
    assert box == spaces.Box(np.array([0, -1], np.float32), np.array([1, 1], np.float32), dtype=np.float32)
    nested = space_from_json(
        {"type": "Dict", "spaces": {"tool": {"type": "Discrete", "n": 2}, "arg": {"type": "Discrete", "n": 3}}}
    )
    assert nested == spaces.Dict({"tool": spaces.Discrete(2), "arg": spaces.Discrete(3)})
    text = space_from_json({"type": "Text", "max_length": 300, "charset": "printable"})
    assert isinstance(text, spaces.Text) and text.max_length == 300 and text.min_length == 0
    assert repr(text) == "Text(0, 300, charset=printable)"


@pytest.mark.parametrize(
    ("node", "path"),
    [
        ({"type": "Discrete"}, "spaces.action"),
        ({"type": "Sphere"}, "spaces.action"),
        ({"type": "Text", "max_length": 3, "charset": "alphanumeric"}, "spaces.action"),
        ({"type": "Dict", "spaces": {"a": {"type": "Nope"}}}, "spaces.action.spaces.a"),
        ("Discrete", "spaces.action"),
    ],
)
def test_a_malformed_space_names_its_path(node: object, path: str) -> None:
    with pytest.raises(PalestraError) as caught:
        space_from_json(node, "spaces.action")
    assert caught.value.code == "SPACE_INVALID" and caught.value.details["path"] == path


def test_printable_text_holds_real_observations_and_refuses_control_characters() -> None:
    space = text_space(100)
    assert "Map:\nSFFF\tx — é 🙂" in space and "" in space
    assert "bell\x07" not in space and "x" * 101 not in space


def test_values_round_trip_between_json_and_spaces() -> None:
    d = spaces.Dict({"a": spaces.Discrete(3), "b": spaces.MultiDiscrete([2, 2])})
    value = to_space_value(d, {"a": 2, "b": [1, 0]})
    assert value in d
    assert to_json_value(value) == {"a": 2, "b": [1, 0]}
    assert to_space_value(spaces.Discrete(16), 5) in spaces.Discrete(16)


def test_wire_actions() -> None:
    assert wire_action(spaces.Discrete(4), np.int64(2)) == {"space": 2}
    assert wire_action(spaces.Discrete(4), {"tool": "move", "arguments": {}}) == {"tool": "move", "arguments": {}}
    d = spaces.Dict({"tool": spaces.Discrete(2)})
    assert wire_action(d, {"tool": np.int64(1)}) == {"space": {"tool": 1}}
    assert text_action('{"tool": "echo", "arguments": {"word": "a"}}') == {"tool": "echo", "arguments": {"word": "a"}}
    assert text_action('{"type": "call_tool", "tool_name": "echo"}')["type"] == "call_tool"
    assert text_action("42") == {"text": "42"}
    assert text_action("{not json") == {"text": "{not json"}


def test_the_longest_sampled_reply_fits_the_servers_action_limit() -> None:
    cap = 262_144
    worst = "\U0001f642" * text_action_length(cap)  # 2 UTF-16 units each, as JavaScript counts
    units = len(json.dumps({"text": worst}, ensure_ascii=False).encode("utf-16-le")) // 2
    assert units <= cap
