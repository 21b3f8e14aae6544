"""Palestra environments in Python: Gymnasium environments and vector environments over `palestra serve`.

Example:
    >>> import palestra
    >>> env = palestra.make("frozen-lake")  # doctest: +SKIP
    >>> obs, info = env.reset(seed=1)  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from .client import Client, Session
from .env import PalestraEnv
from .errors import InvalidActionError, PalestraError, ServerError, ServerStartError
from .registration import catalog_names, register_envs
from .server import InvalidActions, ServerProcess
from .vector import AutoresetModeName, PalestraVectorEnv

__version__ = "0.1.0"

__all__ = [
    "AutoresetModeName",
    "Client",
    "InvalidActionError",
    "PalestraEnv",
    "PalestraError",
    "PalestraVectorEnv",
    "ServerError",
    "ServerProcess",
    "ServerStartError",
    "Session",
    "catalog_names",
    "make",
    "make_vec",
    "register_envs",
]


def make(
    name_or_url: str, *, invalid_actions: InvalidActions = "penalize", render_mode: str | None = None
) -> PalestraEnv:
    """A Palestra environment as a `gymnasium.Env`.

    `name_or_url` is a catalog name or a folder with a spec.json (a `palestra serve` process is
    started for it and stopped by `close()`), or the URL of a running `palestra serve`.
    `invalid_actions` applies to a started server: ``penalize`` (an action outside the schema is a
    penalised step, as in training) or ``reject`` (it raises `InvalidActionError`).

    Example:
        >>> env = make("frozen-lake")  # doctest: +SKIP
        >>> env.action_space, env.observation_space  # doctest: +SKIP
        (Discrete(4), Discrete(16))
    """
    return PalestraEnv(name_or_url, invalid_actions=invalid_actions, render_mode=render_mode)


def make_vec(
    name_or_url: str, n: int, *, autoreset_mode: AutoresetModeName = "next_step", **kw: Any
) -> PalestraVectorEnv:
    """`n` copies of a Palestra environment as a Gymnasium `VectorEnv`, one request per vector step.

    `autoreset_mode` is Gymnasium's: ``next_step`` (default), ``same_step`` or ``disabled``.

    Example:
        >>> envs = make_vec("frozen-lake", 8)  # doctest: +SKIP
        >>> obs, infos = envs.reset(seed=0)  # doctest: +SKIP
    """
    return PalestraVectorEnv(name_or_url, n, autoreset_mode=autoreset_mode, **kw)


register_envs()
