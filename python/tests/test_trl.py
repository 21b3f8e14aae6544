"""`palestra.trl.environment_factory`: the class TRL's GRPOTrainer takes, against real `palestra serve`.

TRL itself (and transformers' `get_json_schema`, which reads the generated methods) is exercised in
python/tests_slow/test_trl_example.py; here only what TRL reads from the class: its public
functions, their signatures, annotations and docstrings, `reset(**row)` and `get_reward()`.
"""

from __future__ import annotations

import inspect
import typing

import pytest

from palestra import Client, PalestraError
from palestra.trl import (
    PalestraToolEnv,
    annotation_of,
    class_name_of,
    docstring,
    environment_factory,
    method_name_of,
    seed_dataset,
)


def _tools_as_trl_sees_them(cls: type) -> list[str]:
    """The methods TRL 1.16 turns into tools (GRPOTrainer.__init__: public functions of the class)."""
    return [
        name
        for name, _ in inspect.getmembers(cls, predicate=inspect.isfunction)
        if name not in ("reset", "get_reward") and not name.startswith("_")
    ]


@pytest.fixture(scope="module")
def echo(servers) -> type[PalestraToolEnv]:
    return environment_factory(servers.url("echo-target"))


def test_one_method_per_tool_and_nothing_else_public(echo, servers) -> None:
    assert echo.__name__ == "EchoTarget" and echo.env_name == "echo-target"
    assert _tools_as_trl_sees_them(echo) == ["echo", "reply"]
    desk = environment_factory(servers.url("refund-desk"))
    assert _tools_as_trl_sees_them(desk) == sorted(
        ["lookup_order", "issue_refund", "deny_refund", "escalate", "reply", "text_reply"]
    )
    assert desk.tools["reply"]["tool"] == "reply" and desk.tools["text_reply"]["tool"] is None


def test_signatures_annotations_and_docstrings_come_from_the_schema(servers) -> None:
    desk = environment_factory(servers.url("refund-desk"))
    refund = desk.issue_refund
    params = inspect.signature(refund).parameters
    assert list(params) == ["self", "orderId", "amount"]
    assert typing.get_type_hints(refund) == {"orderId": str, "amount": float, "return": str}
    doc = inspect.getdoc(refund)
    schema = Client(servers.url("refund-desk")).get("/schema")
    served = next(a for a in schema["action"]["oneOf"] if a.get("title") == "issue_refund")
    assert doc.splitlines()[0] == served["description"]
    assert "\nArgs:\n    orderId: The order to refund (at least 1 characters, at most 32 characters)\n" in doc
    assert "\nReturns:\n" in doc
    lake = environment_factory(servers.url("frozen-lake"))
    assert typing.get_type_hints(lake.move)["direction"] == typing.Literal["left", "down", "right", "up"]
    assert 'direction: one of "left", "down", "right", "up"' in inspect.getdoc(lake.move)


def test_an_episode_through_the_tool_methods_and_its_reward(echo) -> None:
    env = echo()
    try:
        text = env.reset(prompt=[{"role": "user", "content": ""}], seed=1, other_column="ignored")
        word = env.observation["task_id"]
        assert text == env.observation["text"] and word in text and env.get_reward() == 0.0
        said = env.echo(word=word)
        assert said.endswith(f"You said: {word}") and env.done and env.get_reward() == 1.0
        with pytest.raises(PalestraError, match="EPISODE_OVER"):
            env.echo(word=word)
        env.reset(seed=1)  # same seed, same task; the return starts again
        assert env.observation["task_id"] == word and env.get_reward() == 0.0 and not env.done
        env.echo(word=word + "x")
        assert env.done and env.get_reward() == 0.0
    finally:
        env._close()


def test_a_text_reply_and_a_call_outside_the_schema_are_steps(servers) -> None:
    lake = environment_factory(servers.url("frozen-lake"))
    env = lake()
    try:
        env.reset(seed=0)
        env.reply(text="hello")
        assert env.observation["step"] == 1
        env.move(direction="north")  # not in the enum: the server (started with penalize) plays it penalised
        assert env.observation["step"] == 2 and env.observation["invalid_action"] is not None
    finally:
        env._close()


def test_a_tool_before_reset_is_a_clear_error(echo) -> None:
    with pytest.raises(PalestraError, match="NOT_RESET"):
        echo().echo(word="apple")


def test_a_started_server_is_stopped_by_shutdown() -> None:
    env_class = environment_factory("echo-target", max_sessions=2)
    server = env_class._server
    assert server is not None and server.running
    first, second = env_class(), env_class()
    first.reset(seed=0)
    second.reset(seed=1)
    env_class.shutdown()
    assert not server.running


def test_seed_dataset_gives_one_seed_per_row() -> None:
    ds = seed_dataset(3, start=5, prompt="Play.")
    assert ds["seed"] == [5, 6, 7] and ds[0]["prompt"] == [{"role": "user", "content": "Play."}]


def test_names_and_types_from_json_schema() -> None:
    assert method_name_of("lookup-order") == "lookup_order" and method_name_of("2fa") == "tool_2fa"
    with pytest.raises(PalestraError, match="TOOL_NAME_RESERVED"):
        method_name_of("reset")
    assert class_name_of("frozen-lake-js") == "FrozenLakeJs"
    assert annotation_of({"type": "array", "items": {"type": "integer"}}) == list[int]
    assert annotation_of({"type": ["string", "null"]}) == typing.Optional[str]  # noqa: UP045
    assert annotation_of({"type": "object"}) == dict[str, typing.Any]
    assert annotation_of({}) is typing.Any
    text = docstring("Do it.\nArgs: none here", {"x": {"type": "integer", "minimum": 1}})
    assert text.splitlines()[0] == "Do it. Args - none here" and "    x: integer (at least 1)" in text
