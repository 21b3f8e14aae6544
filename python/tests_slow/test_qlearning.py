"""Tabular Q-learning learns frozen-lake through the adapter as well as Gymnasium's FrozenLake-v1.

The same code and hyper-parameters run on `palestra.make_vec("frozen-lake", N)` and on
`gymnasium.make_vec("FrozenLake-v1", N)`: 20,000 training episodes, then 1,000 greedy evaluation
episodes; the success rates must agree within 0.05. Vector environments (one request per step of N
sub-environments) keep it near 40 s on 2 cores; one environment at a time takes ~3 minutes.
Not part of `npm test` (its Python budget): run it with `npm test -- python/tests_slow`.
"""

from __future__ import annotations

import time

import gymnasium as gym
import numpy as np

import palestra

N = 20  # sub-environments; 1,000 evaluation episodes are 50 each
TRAIN_EPISODES = 20_000
EVAL_EPISODES = 1_000
ALPHA = 0.02  # learning rate: small, the ice is slippery
GAMMA = 0.99


def train(envs: gym.vector.VectorEnv, episodes: int, seed: int) -> np.ndarray:
    """Epsilon-greedy Q-learning, epsilon from 1 to 0.01 over the first half of the episodes."""
    rng = np.random.default_rng(seed)
    q = np.zeros((envs.single_observation_space.n, envs.single_action_space.n))
    s, _ = envs.reset(seed=seed)
    resetting = np.zeros(envs.num_envs, dtype=bool)  # next_step autoreset: this step only resets
    finished = 0
    while finished < episodes:
        epsilon = max(0.01, 1.0 - finished / (0.5 * episodes))
        explore = rng.random(envs.num_envs) < epsilon
        a = np.where(explore, rng.integers(envs.single_action_space.n, size=envs.num_envs), q[s].argmax(1))
        s2, r, terminated, truncated, _ = envs.step(a)
        for i in np.flatnonzero(~resetting):
            target = r[i] + (0.0 if terminated[i] else GAMMA * q[s2[i]].max())
            q[s[i], a[i]] += ALPHA * (target - q[s[i], a[i]])
        resetting = terminated | truncated
        finished += int(resetting.sum())
        s = s2
    return q


def success_rate(envs: gym.vector.VectorEnv, q: np.ndarray, episodes: int, seed: int) -> float:
    """The greedy policy's success rate over exactly `episodes` episodes (the same number per sub-env)."""
    per_env = episodes // envs.num_envs
    s, _ = envs.reset(seed=seed)
    done = np.zeros(envs.num_envs, dtype=int)
    resetting = np.zeros(envs.num_envs, dtype=bool)
    wins = 0
    while (done < per_env).any():
        s, r, terminated, truncated, _ = envs.step(q[s].argmax(1))
        ended = (terminated | truncated) & ~resetting & (done < per_env)
        wins += int((r[ended] > 0).sum())
        done += ended
        resetting = terminated | truncated
    return wins / (per_env * envs.num_envs)


def learn(envs: gym.vector.VectorEnv) -> tuple[float, float]:
    started = time.perf_counter()
    try:
        q = train(envs, TRAIN_EPISODES, seed=0)
        return success_rate(envs, q, EVAL_EPISODES, seed=1_000_000), time.perf_counter() - started
    finally:
        envs.close()


def test_q_learning_on_frozen_lake_matches_gymnasiums_frozen_lake() -> None:
    reference, reference_s = learn(gym.make_vec("FrozenLake-v1", num_envs=N, vectorization_mode="sync"))
    ours, ours_s = learn(palestra.make_vec("frozen-lake", N))
    print(f"\nsuccess: FrozenLake-v1 {reference:.3f} ({reference_s:.0f} s), palestra {ours:.3f} ({ours_s:.0f} s)")
    assert reference > 0.6  # it learned: a random policy succeeds ~1.5% of the time
    assert abs(ours - reference) <= 0.05
