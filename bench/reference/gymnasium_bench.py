"""Reference benchmark: Gymnasium's FrozenLake-v1, measured on this machine, single-threaded.

Run with the venv made by bench/reference/setup.sh (never with a system Python):

    bash bench/reference/setup.sh
    bench/.venv/bin/python bench/reference/gymnasium_bench.py --seconds 3
    bench/.venv/bin/python bench/reference/gymnasium_bench.py --check-determinism

stdout carries exactly one JSON object (the results, or the trace with --check-determinism);
progress and any warnings go to stderr.

What FrozenLake-v1 is, confirmed by reading the installed gymnasium 1.4.0 source
(gymnasium/envs/toy_text/frozen_lake.py, gymnasium/envs/toy_text/utils.py,
gymnasium/envs/__init__.py, gymnasium/wrappers/common.py, gymnasium/utils/seeding.py,
gymnasium/vector/sync_vector_env.py):

  * Map "4x4" (frozen_lake.py, MAPS["4x4"]): SFFF / FHFH / FFFH / HFFG. The observation is
    row * 4 + col; the start S is state 0, the goal G is state 15, holes H are 5, 7, 11, 12.
  * Actions (frozen_lake.py, LEFT/DOWN/RIGHT/UP): 0=LEFT 1=DOWN 2=RIGHT 3=UP. A move into the
    edge of the map leaves the player where it is (inc(): col/row clamped to the grid).
  * Slipping (frozen_lake.py, FrozenLakeEnv.__init__, is_slippery=True, success_rate=1/3): from a
    non-terminal tile the candidate directions are, in this order, [(a-1)%4, a, (a+1)%4], i.e. the
    two perpendicular ones around the intended one, each with probability 1/3 (fail_rate =
    (1 - 1/3) / 2 = 1/3). step() picks one with utils.categorical_sample: u = np_random.random(),
    index = argmax(cumsum(probs) > u), so u < 1/3 -> (a-1)%4, u < 2/3 -> a, else (a+1)%4 (in float64
    the probs are [0.33333333333333337, 0.3333333333333333, 0.33333333333333337], so the cut points
    are 0.33333333333333337 and 0.6666666666666667).
  * Rewards (frozen_lake.py, reward_schedule=(1, 0, 0) for Goal, Hole, Frozen): 1 only when the
    move lands on G, 0 otherwise (the reward is a Python int). terminated is True when the move
    lands on G or H; G and H are absorbing (self-loop, reward 0, terminated) if stepped again.
  * Truncation (envs/__init__.py registers FrozenLake-v1 with max_episode_steps=100;
    wrappers/common.py TimeLimit): truncated becomes True on the 100th step of an episode
    (elapsed >= 100), even if that step also terminated. FrozenLakeEnv itself never truncates.
  * Reset (frozen_lake.py, reset): the player starts on S (state 0); reset() also draws one
    np_random.random() (categorical_sample over the one-hot start distribution). reset(seed=n)
    re-seeds the env RNG as np.random.Generator(PCG64(SeedSequence(n))) (utils/seeding.py);
    reset() without a seed keeps the RNG going.
  * SyncVectorEnv (vector/sync_vector_env.py) defaults to AutoresetMode.NEXT_STEP: a sub-env that
    ended is reset on the next vector step (that step returns its reset obs, reward 0, and does not
    step it); we still count it as an env-step, as 64 x vector steps.

Actions in every measurement come from a seeded numpy Generator (np.random.default_rng), drawn in
blocks (65536 Python ints for the single env, a (32, 64) array per 32 vector steps), so the RNG
costs well under 1% of the timed loop.
"""

from __future__ import annotations

import os

# Single-threaded before numpy is imported: no BLAS/OpenMP worker threads.
for _var in (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

ENV_ID = "FrozenLake-v1"
ENV_KWARGS = {"map_name": "4x4", "is_slippery": True}
NUM_VECTOR_ENVS = 64
ACTION_BLOCK = 1 << 16
DIRECTION_NAMES = ["LEFT", "DOWN", "RIGHT", "UP"]


def log(message: str) -> None:
    print(f"[gymnasium_bench] {message}", file=sys.stderr, flush=True)


def make_env():
    import gymnasium

    return gymnasium.make(ENV_ID, **ENV_KWARGS)


class ActionSource:
    """Python int actions in 0..3 from a seeded numpy Generator, drawn ACTION_BLOCK at a time."""

    def __init__(self, seed: int):
        import numpy as np

        self._rng = np.random.default_rng(seed)
        self._block: list[int] = []
        self._pos = 0

    def take(self, n: int) -> list[int]:
        if self._pos + n > len(self._block):
            self._block = self._block[self._pos :] + self._rng.integers(0, 4, size=ACTION_BLOCK).tolist()
            self._pos = 0
        start = self._pos
        self._pos += n
        return self._block[start : self._pos]


CHUNK = 4096  # steps between two looks at the clock


def measure_single(seconds: float, warmup: float, seed: int) -> dict:
    env = make_env()
    actions = ActionSource(seed)
    env.reset(seed=seed)
    step = env.step
    reset = env.reset

    def run(duration: float) -> tuple[int, int, float, list[float]]:
        steps = 0
        episodes = 0
        chunk_rates = []
        start = last = time.perf_counter()
        deadline = start + duration
        while True:
            for action in actions.take(CHUNK):
                _, _, terminated, truncated, _ = step(action)
                if terminated or truncated:
                    reset()
                    episodes += 1
            steps += CHUNK
            now = time.perf_counter()
            chunk_rates.append(CHUNK / (now - last))
            last = now
            if now >= deadline:
                return steps, episodes, now - start, chunk_rates

    run(warmup)
    steps, episodes, elapsed, chunk_rates = run(seconds)
    env.close()
    return {"steps": steps, "episodes": episodes, "elapsed_s": elapsed, "chunk_rates": chunk_rates}


def measure_reset(seconds: float, warmup: float, seed: int) -> dict:
    env = make_env()
    env.reset(seed=seed)
    reset = env.reset

    def run(duration: float) -> tuple[int, float, list[float]]:
        count = 0
        chunk_us = []
        start = last = time.perf_counter()
        deadline = start + duration
        while True:
            for _ in range(1024):
                reset()
            count += 1024
            now = time.perf_counter()
            chunk_us.append((now - last) / 1024 * 1e6)
            last = now
            if now >= deadline:
                return count, now - start, chunk_us

    run(warmup)
    count, elapsed, chunk_us = run(seconds)
    env.close()
    return {"resets": count, "elapsed_s": elapsed, "chunk_us": chunk_us}


def measure_sync_vector(seconds: float, warmup: float, seed: int) -> dict:
    import numpy as np
    from gymnasium.vector import SyncVectorEnv

    envs = SyncVectorEnv([make_env for _ in range(NUM_VECTOR_ENVS)])
    rng = np.random.default_rng(seed)
    envs.reset(seed=seed)
    step = envs.step

    def run(duration: float) -> tuple[int, float, list[float]]:
        vector_steps = 0
        chunk_rates = []
        start = last = time.perf_counter()
        deadline = start + duration
        while True:
            # 32 vector steps (~35 ms) between two looks at the clock; the draw is ~1% of that time.
            batch = rng.integers(0, 4, size=(32, NUM_VECTOR_ENVS))
            for actions in batch:
                step(actions)
            vector_steps += len(batch)
            now = time.perf_counter()
            chunk_rates.append(NUM_VECTOR_ENVS * len(batch) / (now - last))
            last = now
            if now >= deadline:
                return vector_steps, now - start, chunk_rates

    run(warmup)
    vector_steps, elapsed, chunk_rates = run(seconds)
    envs.close()
    return {"vector_steps": vector_steps, "elapsed_s": elapsed, "chunk_rates": chunk_rates}


def versions() -> dict:
    import gymnasium
    import numpy

    return {
        "gymnasium_version": gymnasium.__version__,
        "python_version": platform.python_version(),
        "numpy_version": numpy.__version__,
    }


def benchmark(seconds: float, warmup: float, seed: int) -> dict:
    log(f"{ENV_ID} {ENV_KWARGS}: single env, {seconds:g}s after {warmup:g}s warm-up")
    single = measure_single(seconds, warmup, seed)
    steps_per_s = single["steps"] / single["elapsed_s"]
    log(f"  {single['steps']} steps, {single['episodes']} episodes -> {steps_per_s:,.0f} steps/s")

    log(f"reset latency, {seconds:g}s")
    resets = measure_reset(seconds, warmup, seed)
    reset_us = resets["elapsed_s"] / resets["resets"] * 1e6
    log(f"  {resets['resets']} resets -> {reset_us:.2f} us/reset")

    log(f"SyncVectorEnv x{NUM_VECTOR_ENVS}, {seconds:g}s")
    vec = measure_sync_vector(seconds, warmup, seed)
    env_steps_per_s = NUM_VECTOR_ENVS * vec["vector_steps"] / vec["elapsed_s"]
    log(f"  {vec['vector_steps']} vector steps -> {env_steps_per_s:,.0f} env-steps/s")

    return {
        "frozen_lake_steps_per_s": steps_per_s,
        "frozen_lake_reset_us": reset_us,
        "sync_vector_64_env_steps_per_s": env_steps_per_s,
        **versions(),
        "env_id": ENV_ID,
        "env_kwargs": ENV_KWARGS,
        "seconds": seconds,
        "warmup_seconds": warmup,
        "seed": seed,
        "threads": 1,
        "counts": {
            "frozen_lake_steps": single["steps"],
            "frozen_lake_episodes": single["episodes"],
            "frozen_lake_resets": resets["resets"],
            "sync_vector_64_vector_steps": vec["vector_steps"],
        },
        # Spread over the timed chunks (between two looks at the clock): this machine is shared and
        # noisy, so a comparison can tell a real gap from a slow moment. The headline numbers above
        # are totals over the whole timed duration.
        "spread": {
            "frozen_lake_steps_per_s": spread(single["chunk_rates"]),
            "frozen_lake_reset_us": spread(resets["chunk_us"]),
            "sync_vector_64_env_steps_per_s": spread(vec["chunk_rates"]),
        },
        "platform": platform.platform(),
    }


def spread(values: list[float]) -> dict:
    ordered = sorted(values)
    return {"min": ordered[0], "median": statistics.median(ordered), "max": ordered[-1], "chunks": len(ordered)}


def determinism_trace(seed: int, steps: int) -> dict:
    """The first `steps` transitions of FrozenLake-v1 after reset(seed=seed), with actions from
    np.random.default_rng(seed); resets (unseeded) when an episode ends, as the benchmark does."""
    import numpy as np

    env = make_env()
    lake = env.unwrapped
    rng = np.random.default_rng(seed)
    obs, _ = env.reset(seed=seed)
    trace = []
    episode = 0
    for t in range(steps):
        action = int(rng.integers(0, 4))
        # Peek at the uniform draw step() is about to make, without disturbing the env's RNG.
        bit_gen = lake.np_random.bit_generator
        saved = bit_gen.state
        u = float(lake.np_random.random())
        bit_gen.state = saved
        # Same rule as gymnasium's categorical_sample over P[state][action] (candidates in the order
        # (a-1)%4, a, (a+1)%4); checked against what step() actually returns.
        outcomes = lake.P[int(obs)][action]
        index = int(np.argmax(np.cumsum([o[0] for o in outcomes]) > u))
        candidates = [(action - 1) % 4, action, (action + 1) % 4] if len(outcomes) == 3 else [action]
        moved = candidates[index]
        next_obs, reward, terminated, truncated, _ = env.step(action)
        if int(next_obs) != outcomes[index][1]:
            raise RuntimeError(f"trace model disagrees with gymnasium at t={t}: {outcomes[index]} vs {next_obs}")
        trace.append(
            {
                "t": t,
                "episode": episode,
                "state": int(obs),
                "action": action,
                "u": u,
                "moved": DIRECTION_NAMES[moved],
                "obs": int(next_obs),
                "reward": float(reward),
                "terminated": bool(terminated),
                "truncated": bool(truncated),
            }
        )
        obs = next_obs
        if terminated or truncated:
            obs, _ = env.reset()
            episode += 1
    transitions = {
        str(s): {str(a): [[float(p), int(ns), float(r), bool(d)] for p, ns, r, d in lake.P[s][a]] for a in range(4)}
        for s in range(lake.observation_space.n)
    }
    result = {
        "seed": seed,
        "actions_rng": f"np.random.default_rng({seed}).integers(0, 4)",
        "map": ["".join(c.decode() for c in row) for row in lake.desc],
        "max_episode_steps": env.spec.max_episode_steps if env.spec else None,
        "steps": trace,
        "transitions": transitions,
        **versions(),
    }
    env.close()
    return result


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="timed duration of each measurement")
    parser.add_argument("--warmup", type=float, default=0.5, help="untimed warm-up before each measurement")
    parser.add_argument(
        "--seed", type=int, default=None, help="seed of the envs and of the action RNG (default 0; 42 for the trace)"
    )
    parser.add_argument(
        "--check-determinism",
        action="store_true",
        help="print the first 20 transitions of seed 42 (or --seed if given) instead of benchmarking",
    )
    parser.add_argument("--trace-steps", type=int, default=20, help="length of the --check-determinism trace")
    args = parser.parse_args(argv)
    if args.seconds <= 0 or args.warmup < 0 or args.trace_steps < 1:
        parser.error("--seconds must be > 0, --warmup >= 0 and --trace-steps >= 1")

    # Anything a library prints goes to stderr; stdout gets only our JSON.
    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        if args.check_determinism:
            seed = 42 if args.seed is None else args.seed
            result = determinism_trace(seed, args.trace_steps)
            for s in result["steps"]:
                log(
                    f"t={s['t']:2d} ep={s['episode']} state={s['state']:2d} action={s['action']} "
                    f"({DIRECTION_NAMES[s['action']]:5s}) u={s['u']:.4f} moved={s['moved']:5s} -> "
                    f"obs={s['obs']:2d} reward={s['reward']:g} terminated={s['terminated']} "
                    f"truncated={s['truncated']}"
                )
        else:
            result = benchmark(args.seconds, args.warmup, 0 if args.seed is None else args.seed)
    real_stdout.write(json.dumps(result) + "\n")
    real_stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
