"""The `palestra/<name>` Gymnasium ids: one per catalog environment.

Gymnasium 1.x no longer loads the `gymnasium.envs` entry point group at import (0.26-0.29 did), so
the ids are registered when `palestra` is imported; ``gymnasium.register_envs(palestra)`` says so in
code, as with other plugin packages. `register_envs` is also the entry point, for tools that load it.
"""

from __future__ import annotations

import gymnasium as gym

from .server import find_checkout

#: The catalog as of this package's version, for an installed copy that cannot see a checkout.
CATALOG = (
    "echo-phrasings",
    "echo-target",
    "frozen-lake",
    "frozen-lake-js",
    "refund-desk",
    "tally",
    "wildlife-survey",
)


def catalog_names() -> tuple[str, ...]:
    """The catalog's environment names: the checkout's `envs/catalog`, else `CATALOG`."""
    checkout = find_checkout()
    if checkout is None:
        return CATALOG
    folder = checkout / "envs" / "catalog"
    names = sorted(p.name for p in folder.iterdir() if (p / "spec.json").is_file())
    return tuple(names) or CATALOG


def register_envs() -> None:
    """Register ``palestra/<name>`` for every catalog environment (idempotent), for
    `gymnasium.make` and `gymnasium.make_vec`."""
    for name in catalog_names():
        env_id = f"palestra/{name}"
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point="palestra.env:PalestraEnv",
            # gymnasium.make_vec(id, n) makes one server-side vector, not n servers
            vector_entry_point="palestra.vector:PalestraVectorEnv",
            kwargs={"env": name},
            nondeterministic=False,
        )
