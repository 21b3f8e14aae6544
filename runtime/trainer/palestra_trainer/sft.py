"""SFT: behaviour cloning from recorded transcripts (scripted or LLM episodes), used as a warm start.

The rows are the same as for RL, so a transcript recorded by a scripted player trains exactly the
tokens the policy would have to produce: cross-entropy on the model tokens (env_mask 1) only —
environment replies are context, never targets.

    loss = - sum_{i,t} m_it log p(token_it | tokens_<it) / sum_{i,t} m_it

Rewards and log-probabilities in the rows are ignored (reward_mean is still reported, so a curve of
the demonstrations' quality can be drawn). `only_positive_returns` keeps only rows whose return is
> 0 — rejection-sampling fine-tuning when the transcripts are the policy's own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from torch import nn

from .logprobs import completion_logprobs
from .rows import Row
from .trainer_base import TrainerBase


@dataclass
class SftConfig:
    learning_rate: float = 2e-4  # AdamW learning rate (a common LoRA SFT value)
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    adam_beta1: float = 0.9  # AdamW beta1
    adam_beta2: float = 0.999  # AdamW beta2
    max_grad_norm: float = 1.0  # clip the global gradient norm to this before each step
    only_positive_returns: bool = False  # train only on rows whose return is > 0 (rejection sampling)

    def __post_init__(self) -> None:
        for name in ("learning_rate", "max_grad_norm"):
            if not getattr(self, name) > 0:
                raise ValueError(f"config.{name}: must be > 0, got {getattr(self, name)}")


class SftTrainer(TrainerBase):
    """One cross-entropy optimisation step per `step(rows)`."""

    def __init__(self, model: nn.Module, config: SftConfig):
        super().__init__(model, config.learning_rate, config.weight_decay, config.max_grad_norm,
                         config.adam_beta1, config.adam_beta2)
        self.config = config

    def step(self, rows: list[Row]) -> dict[str, float]:
        started = time.perf_counter()
        if self.config.only_positive_returns:
            rows = [r for r in rows if r.ret > 0]
            if not rows:
                raise ValueError("rows: none has a return > 0 (only_positive_returns is set)")
        batch = self._collate(rows)
        out = completion_logprobs(self.model, batch)
        n = batch.mask.sum().clamp(min=1.0)
        loss = -(out.logps * batch.mask).sum() / n
        grad_norm = self._optimise(loss)
        metrics = {
            "loss": float(loss.detach()),
            "entropy": float((out.entropy * batch.mask).sum() / n),
            "clip_fraction": 0.0,
            "grad_norm": grad_norm,
        }
        metrics.update(self._common_metrics(batch, started))
        return metrics
