"""`palestra.make_vec`: one request per vector step, Gymnasium's autoreset modes, against a real server."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import palestra
from palestra import PalestraError, ServerError

N = 4


def _until_an_episode_ends(envs, rng: np.random.Generator, limit: int = 400):
    """Random steps until some sub-environment ends; returns the step before and that step."""
    for _ in range(limit):
        actions = rng.integers(4, size=envs.num_envs)
        result = envs.step(actions)
        if (result[2] | result[3]).any():
            return actions, result
    raise AssertionError("no episode ended")


def test_spaces_batches_and_seeds_match_single_environments(servers) -> None:
    url = servers.url("frozen-lake")
    envs = palestra.make_vec(url, N)
    single = palestra.make(url)
    try:
        assert envs.single_action_space == gym.spaces.Discrete(4)
        assert envs.action_space == gym.spaces.MultiDiscrete([4] * N)
        assert envs.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
        obs, infos = envs.reset(seed=7)
        assert list(infos["seed"]) == [7, 8, 9, 10] and infos["_seed"].all()
        actions = [np.array([1, 2, 1, 2]), np.array([2, 1, 1, 0]), np.array([1, 1, 2, 2])]
        vector_trace = [obs]
        for a in actions:
            vector_trace.append(envs.step(a)[0])
        for i in range(N):  # sub-environment i is the single environment's episode of seed 7 + i
            s, _ = single.reset(seed=7 + i)
            assert s == vector_trace[0][i]
            for t, a in enumerate(actions):
                if vector_trace[t][i] in (5, 7, 11, 12, 15):
                    break  # ended: the vector resets it
                s = single.step(int(a[i]))[0]
                assert s == vector_trace[t + 1][i]
    finally:
        envs.close()
        single.close()


def test_next_step_resets_an_ended_sub_environment_on_the_following_step(servers) -> None:
    envs = palestra.make_vec(servers.url("frozen-lake"), N, autoreset_mode="next_step")
    try:
        envs.reset(seed=0)
        _, (_, _, term, trunc, _) = _until_an_episode_ends(envs, np.random.default_rng(0))
        ended = term | trunc
        obs2, rewards2, term2, trunc2, infos2 = envs.step(np.zeros(N, dtype=np.int64))
        assert (obs2[ended] == 0).all()  # back at the start, the action ignored
        assert (rewards2[ended] == 0).all() and not term2[ended].any() and not trunc2[ended].any()
        assert (infos2["step"][ended] == 0).all()
    finally:
        envs.close()


def test_same_step_returns_the_final_observation_in_infos(servers) -> None:
    envs = palestra.make_vec(servers.url("frozen-lake"), N, autoreset_mode="same_step")
    try:
        envs.reset(seed=0)
        _, (obs, _, term, trunc, infos) = _until_an_episode_ends(envs, np.random.default_rng(1))
        ended = term | trunc
        assert (obs[ended] == 0).all()  # the new episode's first observation
        assert (infos["_final_obs"] == ended).all()
        for i in np.flatnonzero(ended):
            assert infos["final_obs"][i] in (5, 7, 11, 12, 15)  # a hole or the goal
            assert infos["final_info"][i]["json"]["position"] == infos["final_obs"][i]
    finally:
        envs.close()


def test_disabled_refuses_to_step_an_ended_sub_environment_until_a_masked_reset(servers) -> None:
    envs = palestra.make_vec(servers.url("frozen-lake"), N, autoreset_mode="disabled")
    try:
        envs.reset(seed=0)
        _, (_, _, term, trunc, _) = _until_an_episode_ends(envs, np.random.default_rng(2))
        ended = term | trunc
        with pytest.raises(ServerError):
            envs.step(np.zeros(N, dtype=np.int64))
        obs2, infos2 = envs.reset(options={"reset_mask": ended})
        assert (obs2[ended] == 0).all() and (infos2["_step"] == ended).all()
        envs.step(np.ones(N, dtype=np.int64))  # all of them step again
    finally:
        envs.close()


def test_text_environments_batch_strings_and_take_text_actions(servers) -> None:
    envs = palestra.make_vec(servers.url("echo-target"), 2)
    try:
        obs, _ = envs.reset(seed=0)
        assert isinstance(obs, tuple) and all(isinstance(o, str) for o in obs)
        obs, rewards, *_ = envs.step(('{"tool": "echo", "arguments": {"word": "x"}}', "hello"))
        assert len(obs) == 2 and rewards.shape == (2,)
    finally:
        envs.close()


def test_gymnasium_make_vec_makes_one_server_side_vector(servers) -> None:
    envs = gym.make_vec("palestra/frozen-lake", num_envs=3, url=servers.url("frozen-lake"), autoreset_mode="same_step")
    try:
        assert isinstance(envs.unwrapped, palestra.PalestraVectorEnv)
        assert envs.metadata["autoreset_mode"] is AutoresetMode.SAME_STEP
        obs, _ = envs.reset(seed=0)
        assert obs.shape == (3,) and envs.spec is not None and envs.spec.id == "palestra/frozen-lake"
    finally:
        envs.close()


def test_vector_errors(servers) -> None:
    with pytest.raises(PalestraError, match="AUTORESET_MODE_UNKNOWN"):
        palestra.make_vec(servers.url("frozen-lake"), 2, autoreset_mode="later")  # type: ignore[arg-type]
    envs = palestra.make_vec(servers.url("frozen-lake"), 2)
    try:
        with pytest.raises(PalestraError, match="VECTOR_NOT_RESET"):
            envs.step(np.zeros(2, dtype=np.int64))
        with pytest.raises(PalestraError, match="VECTOR_SEEDS_INVALID"):
            envs.reset(seed=[1, 5])
        envs.reset(seed=[3, 4])
    finally:
        envs.close()
