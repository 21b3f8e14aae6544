"""`palestra.make`: a Gymnasium environment over a real `palestra serve`."""

from __future__ import annotations

import json
import urllib.request

import gymnasium as gym
import pytest
from gymnasium.utils.env_checker import check_env

import palestra
from palestra import InvalidActionError, PalestraError, ServerError, ServerStartError
from palestra.registration import CATALOG, catalog_names
from palestra.server import find_checkout

DOWN = {"tool": "move", "arguments": {"direction": "down"}}
RIGHT = {"tool": "move", "arguments": {"direction": "right"}}


def _health(url: str) -> str:
    with urllib.request.urlopen(url + "/health", timeout=5) as answer:
        return json.loads(answer.read())["status"]


def test_make_starts_a_server_plays_an_episode_and_close_stops_it() -> None:
    env = palestra.make("frozen-lake-js")
    server = env._connection.server
    assert server is not None and server.running
    try:
        obs, info = env.reset(seed=3)
        assert info["seed"] == 3 and info["step"] == 0
        assert obs in env.observation_space
        assert env.episode_id is not None and "episode_id" not in info
        first = info["json"]
        obs, reward, terminated, truncated, info = env.step(1)  # Discrete(4): down, in FrozenLake-v1's order
        assert info["step"] == 1 and info["invalid_action"] is None
        assert info["json"] != first or terminated  # moved (down, or slipped sideways)
        assert isinstance(reward, float) and truncated is False
    finally:
        env.close()
    assert not server.running
    with pytest.raises(PalestraError, match="ENV_CLOSED"):
        env.step(DOWN)
    env.close()  # twice is fine


def test_same_seed_same_actions_same_episode(servers) -> None:
    env = palestra.make(servers.url("frozen-lake"))
    try:
        runs = []
        for _ in range(2):
            obs, info = env.reset(seed=11)
            trace = [(obs, info["json"])]
            for action in [DOWN, RIGHT, DOWN, RIGHT, DOWN, DOWN]:
                obs, reward, terminated, truncated, info = env.step(action)
                trace.append((obs, info["json"], reward, terminated, truncated))
                if terminated or truncated:
                    break
            runs.append(trace)
        assert runs[0] == runs[1]
        # and a seedless reset is drawn from np_random: reproducible after a seeded one
        env.reset(seed=5)
        a = env.reset()[1]["seed"]
        env.reset(seed=5)
        assert env.reset()[1]["seed"] == a != 5
    finally:
        env.close()


@pytest.mark.parametrize("name", catalog_names())
def test_check_env_passes_for_every_catalog_environment(servers, name: str) -> None:
    env = palestra.make(servers.url(name))
    try:
        check_env(env, skip_render_check=True)
        assert env.name == name
    finally:
        env.close()


@pytest.mark.filterwarnings("ignore:.*different from the unwrapped version:UserWarning")
@pytest.mark.filterwarnings("error::UserWarning")
def test_check_env_through_gymnasium_make_with_render_and_close_checks_and_no_warning() -> None:
    env = gym.make("palestra/frozen-lake")
    try:
        check_env(env)  # also makes the spec's env again for render_mode="ansi" and for the close check
    finally:
        env.close()
    env = gym.make("palestra/frozen-lake", render_mode="ansi")
    try:
        _, info = env.reset(seed=0)
        assert env.render() == info["text"]
    finally:
        env.close()


def test_text_actions_json_tool_calls_and_plain_replies(servers) -> None:
    env = palestra.make(servers.url("echo-target"))
    try:
        if not isinstance(env.action_space, gym.spaces.Text):
            pytest.skip("echo-target declares spaces")
        assert env.wire_action('{"tool": "echo", "arguments": {"word": "x"}}') == {
            "tool": "echo",
            "arguments": {"word": "x"},
        }
        assert env.wire_action("just words") == {"text": "just words"}
        assert env.wire_action("[1, 2]") == {"text": "[1, 2]"}
        env.reset(seed=1)
        env.action_space.seed(0)
        sample = env.action_space.sample()
        _, _, _, _, info = env.step(sample)  # a random string is a text reply: a valid action
        assert info["invalid_action"] is None
    finally:
        env.close()


def test_an_action_outside_the_schema_is_a_penalised_step_by_default(servers) -> None:
    env = palestra.make(servers.url("frozen-lake"))
    try:
        env.reset(seed=0)
        _, _, _, _, info = env.step({"tool": "move", "arguments": {"direction": "north"}})
        assert info["invalid_action"] is not None and info["step"] == 1
    finally:
        env.close()


def test_a_server_that_rejects_invalid_actions_raises_and_takes_no_step() -> None:
    env = palestra.make("frozen-lake", invalid_actions="reject")
    try:
        env.reset(seed=0)
        with pytest.raises(InvalidActionError, match="VALIDATION_ERROR"):
            env.step({"tool": "move", "arguments": {"direction": "north"}})
        _, _, _, _, info = env.step({"tool": "move", "arguments": {"direction": "down"}})
        assert info["step"] == 1
    finally:
        env.close()


def test_step_before_reset_is_the_servers_error(servers) -> None:
    env = palestra.make(servers.url("echo-target"))
    try:
        with pytest.raises(ServerError, match="EXECUTION_ERROR"):
            env.step({"text": "hello"})
    finally:
        env.close()


def test_a_served_url_is_used_and_left_running(servers) -> None:
    url = servers.url("tally")
    env = palestra.make(url)
    assert env._connection.server is None and env.url == url and env.name == "tally"
    env.reset(seed=0)
    env.close()
    assert _health(url) == "healthy"
    # gymnasium.make with a url kwarg: that server, checked to serve the environment named
    env = gym.make("palestra/tally", url=url)
    assert env.unwrapped.url == url
    env.close()
    with pytest.raises(PalestraError, match="ENV_MISMATCH"):
        palestra.PalestraEnv("frozen-lake", url=url)


def test_an_unknown_name_says_what_exists() -> None:
    with pytest.raises(ServerStartError) as caught:
        palestra.make("no-such-env")
    message = str(caught.value)
    assert "ENV_NOT_FOUND" in message and "frozen-lake" in message


def test_an_unreachable_url_is_a_clear_error() -> None:
    with pytest.raises(PalestraError, match="SERVER_UNREACHABLE"):
        palestra.make("http://127.0.0.1:9")


def test_frozen_lake_has_frozen_lake_v1s_spaces(servers) -> None:
    env = gym.make("palestra/frozen-lake", url=servers.url("frozen-lake"))
    try:
        assert env.action_space == gym.spaces.Discrete(4)
        assert env.observation_space == gym.spaces.Discrete(16)
        obs, info = env.reset(seed=0)
        assert obs == info["json"]["position"] == 0
        directions = ["left", "down", "right", "up"]
        for seed in range(8):
            for action in range(4):
                env.reset(seed=seed)
                by_space = env.step(action)
                env.reset(seed=seed)
                by_tool = env.step({"tool": "move", "arguments": {"direction": directions[action]}})
                assert by_space[0] == by_tool[0] == by_space[4]["json"]["position"]
                assert by_space[1:4] == by_tool[1:4]
    finally:
        env.close()


def test_gymnasium_make_through_the_registered_ids() -> None:
    assert {f"palestra/{n}" for n in catalog_names()} <= set(gym.registry)
    env = gym.make("palestra/echo-target")
    try:
        assert env.spec is not None and env.spec.id == "palestra/echo-target"
        obs, info = env.reset(seed=2)
        assert obs in env.observation_space and info["seed"] == 2
        env.step({"text": "hello"})
    finally:
        env.close()


def test_the_fallback_catalog_is_the_checkouts() -> None:
    checkout = find_checkout()
    assert checkout is not None
    assert CATALOG == catalog_names()
