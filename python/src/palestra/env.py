"""`PalestraEnv`: one Palestra environment as a `gymnasium.Env`, played over a `/ws` session."""

from __future__ import annotations

from typing import Any, SupportsFloat

import gymnasium as gym
from gymnasium import spaces

from .client import JsonObject, Session
from .connection import Connection
from .errors import PalestraError
from .server import InvalidActions
from .spaces import to_space_value, wire_action

#: The observation keys copied into `info` (all of them deterministic for a seed and actions).
INFO_KEYS = ("text", "json", "step", "state", "reward_micros", "invalid_action", "seed", "task_id", "instructions")


class PalestraEnv(gym.Env[Any, Any]):
    """A Palestra environment (served by `palestra serve`) as a Gymnasium environment.

    Spaces come from the server's `GET /spaces`: the declared ones (frozen-lake: `Discrete(4)` actions,
    `Discrete(16)` observations), else Text spaces, where the observation is the text an LLM agent
    reads and an action is a string: the JSON of a tool call (``'{"tool": "move", "arguments":
    {"direction": "down"}}'``) or any other string, which is sent as a plain text reply. A dict
    action (``{"tool": …, "arguments": …}``) is sent as it is (unless the action space is a Dict).

    `reset(seed=s)` plays the server's episode of seed `s` (the same as `palestra run --seed s`);
    without a seed, the episode's seed is drawn from `np_random`. `options` may name a task:
    ``{"task_id": …}`` or ``{"task_index": …}``. `info` carries the observation's `text`, `json`,
    `step`, `state`, `reward_micros` (the exact reward) and `invalid_action`; `episode_id` is an
    attribute (it is random, so it stays out of `info`, which must be deterministic).

    Example:
        >>> env = PalestraEnv("frozen-lake")  # doctest: +SKIP
        >>> obs, info = env.reset(seed=1)  # doctest: +SKIP
        >>> obs, reward, terminated, truncated, info = env.step(1)  # doctest: +SKIP
        >>> env.close()  # doctest: +SKIP
    """

    # `ansi`: the observation text; render_fps as FrozenLake-v1 (Gymnasium warns when it is missing).
    metadata: dict[str, Any] = {"render_modes": ["ansi"], "render_fps": 4}  # noqa: RUF012

    def __init__(
        self,
        env: str | None = None,
        *,
        url: str | None = None,
        invalid_actions: InvalidActions = "penalize",
        render_mode: str | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise PalestraError("RENDER_MODE_UNKNOWN", f"render_mode must be one of {self.metadata['render_modes']}")
        self.render_mode = render_mode
        self._connection = Connection(env, url, max_sessions=8, invalid_actions=invalid_actions)
        self.name = self._connection.name
        self.action_space = self._connection.action_space
        self.observation_space = self._connection.observation_space
        self.episode_id: str | None = None
        self._text = ""
        try:
            self._session: Session | None = self._connection.client.session()
        except BaseException:
            self._connection.close()
            raise

    @property
    def url(self) -> str:
        """The server's URL."""
        return self._connection.client.url

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        episode_seed = seed if seed is not None else int(self.np_random.integers(2**31))
        data: dict[str, Any] = {"seed": episode_seed}
        for key in ("task_id", "task_index"):
            if options and options.get(key) is not None:
                data[key] = options[key]
        answer = self._live_session().reset(**data)
        observation = answer["observation"]
        self.episode_id = observation.get("episode_id")
        return self._observation(observation), self._info(observation)

    def step(self, action: Any) -> tuple[Any, SupportsFloat, bool, bool, dict[str, Any]]:
        answer = self._live_session().step(self.wire_action(action))
        observation = answer["observation"]
        reward = float(answer.get("reward") or 0.0)
        return (
            self._observation(observation),
            reward,
            bool(observation.get("terminated", False)),
            bool(observation.get("truncated", False)),
            self._info(observation),
        )

    def wire_action(self, action: Any) -> JsonObject:
        """The action as the server reads it (see the class's doc and `spaces.wire_action`)."""
        return wire_action(self.action_space, action)

    def render(self) -> str | None:
        """`ansi`: the text of the last observation."""
        return self._text if self.render_mode == "ansi" else None

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None
        self._connection.close()
        super().close()

    def _live_session(self) -> Session:
        if self._session is None:
            raise PalestraError("ENV_CLOSED", "this environment was closed")
        return self._session

    def _observation(self, observation: JsonObject) -> Any:
        self._text = str(observation.get("text", ""))
        return observation_value(self.observation_space, observation, self.name)

    @staticmethod
    def _info(observation: JsonObject) -> dict[str, Any]:
        return observation_info(observation)


def observation_value(space: spaces.Space[Any], observation: JsonObject, name: str) -> Any:
    """A wire observation as a value of `space`: its text for a Text space, else its `space` value."""
    if isinstance(space, spaces.Text):
        return str(observation.get("text", ""))
    if "space" not in observation:
        raise PalestraError(
            "SPACE_VALUE_MISSING",
            f"{name} declares an observation space but its observation has no `space` value",
            {"observation": observation},
        )
    return to_space_value(space, observation["space"])


def observation_info(observation: JsonObject) -> dict[str, Any]:
    """The `info` of a wire observation: its `INFO_KEYS`."""
    return {key: observation[key] for key in INFO_KEYS if key in observation}
