"""`PalestraVectorEnv`: n copies of an environment as a Gymnasium `VectorEnv`, one request per step.

It drives the server's vector extension (runtime/src/serve/README.md, "Spaces and vectors"):
``POST /vector/reset {n, seed, autoreset_mode}`` → ``{vector_id, observations, infos}``,
``POST /vector/step {vector_id, actions}`` → ``{observations, rewards, terminations, truncations,
infos}``, ``POST /vector/close {vector_id}``. The server runs the sub-environments and Gymnasium's
autoreset modes; sub-environment i of a reset with seed s plays seed s + i, as in Gymnasium.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, cast

import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space, concatenate, create_empty_array, iterate

from .client import JsonObject
from .connection import Connection
from .env import observation_info, observation_value
from .errors import PalestraError
from .server import InvalidActions
from .spaces import wire_action

AutoresetModeName = Literal["next_step", "same_step", "disabled"]

#: The wire's names of Gymnasium's autoreset modes.
_WIRE_MODES: dict[AutoresetMode, AutoresetModeName] = {
    AutoresetMode.NEXT_STEP: "next_step",
    AutoresetMode.SAME_STEP: "same_step",
    AutoresetMode.DISABLED: "disabled",
}


def to_autoreset_mode(mode: AutoresetModeName | AutoresetMode) -> AutoresetMode:
    """Gymnasium's `AutoresetMode` for a wire name (``next_step``, …) or the mode itself."""
    if isinstance(mode, AutoresetMode):
        return mode
    for member, name in _WIRE_MODES.items():
        if name == mode:
            return member
    raise PalestraError(
        "AUTORESET_MODE_UNKNOWN", f"autoreset_mode must be one of {list(_WIRE_MODES.values())}, not {mode!r}"
    )


class PalestraVectorEnv(VectorEnv[Any, Any, Any]):
    """`num_envs` copies of a Palestra environment, stepped by the server in one request per step.

    Infos are Gymnasium's vector infos (a dict of arrays, each with its ``_key`` mask) of the
    per-environment infos `PalestraEnv` gives. With ``same_step``, an ended sub-environment's last
    observation and info are in ``infos["final_obs"]`` and ``infos["final_info"]``. With
    ``disabled``, reset ended sub-environments with ``reset(options={"reset_mask": mask})``.

    Example:
        >>> envs = PalestraVectorEnv("frozen-lake", 4)  # doctest: +SKIP
        >>> obs, infos = envs.reset(seed=0)  # doctest: +SKIP
        >>> obs, rewards, terminations, truncations, infos = envs.step(envs.action_space.sample())  # doctest: +SKIP
    """

    def __init__(
        self,
        env: str | None,
        num_envs: int,
        *,
        url: str | None = None,
        autoreset_mode: AutoresetModeName | AutoresetMode = "next_step",
        invalid_actions: InvalidActions = "penalize",
        task_id: str | None = None,
    ) -> None:
        if num_envs < 1:
            raise PalestraError("VECTOR_SIZE_INVALID", f"num_envs must be at least 1, not {num_envs}")
        mode = to_autoreset_mode(autoreset_mode)
        self._connection = Connection(env, url, max_sessions=8, invalid_actions=invalid_actions)
        self.name = self._connection.name
        self.num_envs = num_envs
        self.task_id = task_id
        self.metadata = {"autoreset_mode": mode, "render_modes": []}
        self.single_action_space = self._connection.action_space
        self.single_observation_space = self._connection.observation_space
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.vector_id: str | None = None

    @property
    def url(self) -> str:
        """The server's URL."""
        return self._connection.client.url

    def reset(
        self, *, seed: int | list[int | None] | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        mask = None if options is None else options.get("reset_mask")
        first = _first_seed(seed, self.num_envs)
        super().reset(seed=first)
        base = first if first is not None else int(self.np_random.integers(2**31))
        body: JsonObject = {
            "n": self.num_envs,
            "seed": base,
            "autoreset_mode": _WIRE_MODES[self.metadata["autoreset_mode"]],
        }
        if self.task_id is not None:
            body["task_id"] = self.task_id
        if mask is not None:
            if self.vector_id is None:
                raise PalestraError("VECTOR_NOT_RESET", "reset with a reset_mask needs a vector reset first")
            body.update(vector_id=self.vector_id, mask=[bool(m) for m in np.asarray(mask)])
        answer = self._connection.client.post("/vector/reset", body)
        self.vector_id = str(answer["vector_id"])
        per_env = self._infos(answer)
        kept = [info if mask is None or mask[i] else None for i, info in enumerate(per_env)]
        return self._batch(answer["observations"]), vector_infos(kept)

    def step(self, actions: Any) -> tuple[Any, Any, Any, Any, dict[str, Any]]:
        if self.vector_id is None:
            raise PalestraError("VECTOR_NOT_RESET", "step before reset: call reset() first")
        wire = [wire_action(self.single_action_space, a) for a in iterate(self.action_space, actions)]
        answer = self._connection.client.post("/vector/step", {"vector_id": self.vector_id, "actions": wire})
        infos = vector_infos(self._infos(answer))
        return (
            self._batch(answer["observations"]),
            np.asarray(answer["rewards"], dtype=np.float64),
            np.asarray(answer["terminations"], dtype=np.bool_),
            np.asarray(answer["truncations"], dtype=np.bool_),
            infos,
        )

    def close_extras(self, **kwargs: Any) -> None:
        if self.vector_id is not None:
            try:
                self._connection.client.post("/vector/close", {"vector_id": self.vector_id})
            except PalestraError:
                pass  # the server may already be gone; it drops idle vectors anyway
            self.vector_id = None
        self._connection.close()

    def _batch(self, observations: list[Any]) -> Any:
        values = [observation_value(self.single_observation_space, _unwrap(o), self.name) for o in observations]
        out = create_empty_array(self.single_observation_space, self.num_envs)
        return concatenate(self.single_observation_space, values, out)  # type: ignore[arg-type]

    def _infos(self, answer: JsonObject) -> list[dict[str, Any]]:
        """Per sub-environment: `PalestraEnv`'s info of its observation, plus the server's info
        (``final_obs`` converted to the observation space, ``final_info`` to an info)."""
        observations = [_unwrap(o) for o in answer["observations"]]
        served = answer.get("infos") or [{} for _ in observations]
        infos = []
        for observation, extra in zip(observations, served, strict=True):
            info = observation_info(observation)
            for key, value in (extra or {}).items():
                if key == "final_obs" and value is not None:
                    final = _unwrap(value)
                    info[key] = observation_value(self.single_observation_space, final, self.name)
                    info.setdefault("final_info", observation_info(final))
                elif key == "final_info" and isinstance(value, dict):
                    info[key] = {**info.get("final_info", {}), **value}
                else:
                    info[key] = value
            infos.append(info)
        return infos


def vector_infos(infos: Sequence[dict[str, Any] | None]) -> dict[str, Any]:
    """Per-environment infos as Gymnasium's vector infos: per key an array and its ``_key`` mask.

    Like `VectorEnv._add_info`, but a key whose values differ in type across sub-environments or
    steps (`reward_micros` is null after a reset) gets an object array instead of failing.
    """
    n = len(infos)
    keys = list(dict.fromkeys(k for info in infos if info for k in info))
    out: dict[str, Any] = {}
    for key in keys:
        present = [i for i, info in enumerate(infos) if info is not None and key in info]
        values = [infos[i][key] for i in present]  # type: ignore[index]
        kinds = {type(v) for v in values}
        dtype: Any = object
        if kinds == {bool}:
            dtype = np.bool_
        elif kinds == {int}:
            dtype = np.int64
        elif kinds <= {int, float} and kinds:
            dtype = np.float64
        array = np.zeros(n, dtype=dtype) if dtype is not object else np.full(n, None, dtype=object)
        mask = np.zeros(n, dtype=np.bool_)
        for i, value in zip(present, values, strict=True):
            array[i] = value
            mask[i] = True
        out[key] = array
        out[f"_{key}"] = mask
    return out


def _unwrap(observation: Any) -> JsonObject:
    """An observation object, whether sent bare or as ``{observation, reward, done}``."""
    if isinstance(observation, dict) and isinstance(observation.get("observation"), dict):
        return cast(JsonObject, observation["observation"])
    return cast(JsonObject, observation)


def _first_seed(seed: int | list[int | None] | None, n: int) -> int | None:
    """The vector's seed: sub-environment i plays seed + i, so a list must be consecutive."""
    if seed is None or isinstance(seed, int):
        return seed
    if len(seed) == n and seed[0] is not None and list(seed) == [seed[0] + i for i in range(n)]:
        return seed[0]
    raise PalestraError(
        "VECTOR_SEEDS_INVALID",
        "the server seeds sub-environment i with seed + i: give one int (or [s, s+1, …, s+n-1])",
        {"seed": seed},
    )
