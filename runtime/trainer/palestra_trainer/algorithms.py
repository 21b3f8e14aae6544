"""`make_trainer`: the one entry point the service's `/train` uses.

    trainer = make_trainer("grpo", peft_model, {"learning_rate": 1e-5, "beta": 0.04})
    metrics = trainer.step(rows)          # one optimisation step; a dict of floats to stream back
    state = trainer.state_dict()          # optimizer (+ PPO value head) for crash-resume
    trainer.extra_modules()               # {"value_head": ...} for PPO, saved beside the adapter

The config arrives as JSON, so it is checked here field by field against the algorithm's dataclass:
an unknown key or a value of the wrong type or outside its choices is a ValueError naming it.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Protocol

from torch import nn

from .grpo import GrpoConfig, GrpoTrainer
from .ppo import PpoConfig, PpoTrainer
from .rows import Row
from .sft import SftConfig, SftTrainer


class Trainer(Protocol):
    def step(self, rows: list[Row]) -> dict[str, float]:
        """One optimisation step on `rows`; returns metrics (loss, clip_fraction, entropy, reward_mean,
        reward_std, zero_variance_groups, grad_norm, tokens, tokens_per_s, peak_memory_mb,
        learning_rate, and kl when beta > 0)."""
        ...

    def state_dict(self) -> dict[str, Any]: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...

    def extra_modules(self) -> dict[str, nn.Module]: ...


ALGORITHMS: dict[str, tuple[type, type]] = {
    "sft": (SftConfig, SftTrainer),
    "grpo": (GrpoConfig, GrpoTrainer),
    "ppo": (PpoConfig, PpoTrainer),
}


def _check_value(name: str, value: Any, hint: Any) -> Any:
    """Checks `value` against a field's type hint (float, int, bool, Literal, Optional)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _check_value(name, value, arg)
            except ValueError as e:
                errors.append(str(e))
        raise ValueError(errors[0] if errors else f"config.{name}: invalid value {value!r}")
    if origin is Literal:
        choices = typing.get_args(hint)
        if value not in choices:
            raise ValueError(f"config.{name}: expected one of {list(choices)}, got {value!r}")
        return value
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"config.{name}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"config.{name}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
            raise ValueError(f"config.{name}: expected a number, got {value!r}")
        return float(value)
    raise ValueError(f"config.{name}: unsupported option type {hint}")


def config_from_dict(algo: str, config: dict[str, Any]) -> Any:
    """Builds `algo`'s config dataclass from a JSON dict, rejecting unknown keys and bad values."""
    if algo not in ALGORITHMS:
        raise ValueError(f"algo: expected one of {sorted(ALGORITHMS)}, got {algo!r}")
    if not isinstance(config, dict):
        raise ValueError(f"config: expected an object, got {type(config).__name__}")
    cls = ALGORITHMS[algo][0]
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    values = {}
    for key, value in config.items():
        if key not in fields:
            raise ValueError(f"config.{key}: unknown option for {algo}; known: {', '.join(sorted(fields))}")
        values[key] = _check_value(key, value, hints[key])
    return cls(**values)


def make_trainer(algo: Literal["sft", "grpo", "ppo"], model: nn.Module, config: dict[str, Any]) -> Trainer:
    """A trainer for `algo` over `model` (a peft.PeftModel with a LoRA adapter) from a JSON config."""
    cfg = config_from_dict(algo, config)
    return ALGORITHMS[algo][1](model, cfg)
