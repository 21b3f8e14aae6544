"""PPO with a value head and GAE over *turns* (Schulman et al. 2017; GAE: Schulman et al. 2016).

An agent episode is a sequence of model turns separated by environment replies. The decision unit is
the turn, not the token: the environment only reacts (and rewards) between turns. So:

- The value of turn k, V_k, is a linear head on the decoder's last hidden state at the position that
  predicts the turn's first token, i.e. the state after everything the model has seen before it
  speaks. Environment tokens carry no value target.
- Turn k's reward r_k sits on its last token (the row's `rewards[k]`). With V_K = 0 after the last
  turn, GAE runs backwards over turns with per-turn gamma and lambda:

      delta_k = r_k + gamma * V_{k+1} - V_k
      A_k     = delta_k + gamma * lambda * A_{k+1}
      R_k     = A_k + V_k                      (the value target)

- Every model token of turn k gets advantage A_k (whitened over the batch's turns if
  `normalize_advantages`). Per token, with ratio r = exp(logp - old_logp) (old = the sampler's,
  as in GRPO):

      L_policy  = mean_tokens [ -min(r A, clip(r, 1 - epsilon, 1 + epsilon) A) ]
      L_value   = mean_turns  [ 0.5 * max((V - R)^2, (V_old + clip(V - V_old, -value_clip, value_clip) - R)^2) ]
      L_entropy = mean_tokens [ H ]
      loss      = L_policy + vf_coef * L_value - entropy_coef * L_entropy

V_old is the value before this step's update (the first epoch's values, detached). The value head
is returned by `extra_modules()` so the service saves it beside the adapter.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from .logprobs import causal_lm, completion_logprobs
from .rows import Row
from .trainer_base import TrainerBase


@dataclass
class PpoConfig:
    learning_rate: float = 1e-5  # AdamW learning rate for the adapter
    value_learning_rate: float = 1e-3  # AdamW learning rate for the value head (starts from zero)
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    adam_beta1: float = 0.9  # AdamW beta1
    adam_beta2: float = 0.999  # AdamW beta2
    max_grad_norm: float = 1.0  # clip the global gradient norm (adapter + value head) to this
    gamma: float = 1.0  # discount per turn (episodes are short; 1 = undiscounted return)
    lam: float = 0.95  # GAE lambda per turn: 0 = one-step TD, 1 = Monte-Carlo return minus V
    epsilon: float = 0.2  # policy ratio clip: [1 - epsilon, 1 + epsilon]
    value_clip: float = 0.2  # value clip around V_old; 0 disables it
    vf_coef: float = 0.5  # weight of the value loss
    entropy_coef: float = 0.0  # weight of the entropy bonus (subtracted from the loss)
    normalize_advantages: bool = True  # whiten turn advantages over the batch (mean 0, std 1)
    epochs: int = 1  # optimisation steps on the same batch per step() call (1 = one step per batch)
    temperature: float = 1.0  # logits are divided by this, as at sampling time
    old_logprobs: Literal["sampler", "recompute"] = "sampler"  # ratio denominator: the row's or a no-grad pass

    def __post_init__(self) -> None:
        for name in ("learning_rate", "value_learning_rate", "max_grad_norm", "epsilon", "temperature"):
            if not getattr(self, name) > 0:
                raise ValueError(f"config.{name}: must be > 0, got {getattr(self, name)}")
        for name in ("gamma", "lam"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"config.{name}: must be in [0, 1], got {getattr(self, name)}")
        if self.epochs < 1:
            raise ValueError(f"config.epochs: must be >= 1, got {self.epochs}")


def turn_gae(rewards: torch.Tensor, values: torch.Tensor, valid: torch.Tensor, gamma: float,
             lam: float) -> tuple[torch.Tensor, torch.Tensor]:
    """GAE over turns (module doc). rewards, values, valid: (B, K), valid turns are a prefix of each
    row. Returns (advantages, returns), both (B, K) and 0 where invalid."""
    B, K = rewards.shape
    adv = torch.zeros_like(rewards)
    next_value = torch.zeros(B, device=rewards.device, dtype=rewards.dtype)
    next_adv = torch.zeros_like(next_value)
    for k in reversed(range(K)):
        delta = rewards[:, k] + gamma * next_value - values[:, k]
        a = (delta + gamma * lam * next_adv) * valid[:, k]
        adv[:, k] = a
        next_value = values[:, k] * valid[:, k]
        next_adv = a
    return adv, (adv + values) * valid


def ppo_loss(logps: torch.Tensor, old_logps: torch.Tensor, token_adv: torch.Tensor, mask: torch.Tensor,
             entropy: torch.Tensor, values: torch.Tensor, old_values: torch.Tensor, returns: torch.Tensor,
             valid: torch.Tensor, config: PpoConfig) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The PPO loss of the module docstring. Token tensors (B, C): logps, old_logps, token_adv, mask,
    entropy; turn tensors (B, K): values, old_values, returns, valid. Returns the loss and its parts."""
    n_tok = mask.sum().clamp(min=1.0)
    n_turn = valid.sum().clamp(min=1.0)
    ratio = torch.exp(logps - old_logps)
    clipped = torch.clamp(ratio, 1 - config.epsilon, 1 + config.epsilon)
    policy_loss = (-torch.min(ratio * token_adv, clipped * token_adv) * mask).sum() / n_tok
    v_loss = (values - returns) ** 2
    if config.value_clip > 0:
        v_clipped = old_values + torch.clamp(values - old_values, -config.value_clip, config.value_clip)
        v_loss = torch.max(v_loss, (v_clipped - returns) ** 2)
    value_loss = 0.5 * (v_loss * valid).sum() / n_turn
    mean_entropy = (entropy * mask).sum() / n_tok
    loss = policy_loss + config.vf_coef * value_loss - config.entropy_coef * mean_entropy
    with torch.no_grad():
        log_r = (logps - old_logps).detach()
        parts = {
            "policy_loss": policy_loss.detach(),
            "value_loss": value_loss.detach(),
            "entropy": mean_entropy.detach(),
            "clip_fraction": (((ratio - 1).abs() > config.epsilon).float() * mask).sum() / n_tok,
            # Schulman's k3 estimate of KL(old || new) over the model tokens.
            "approx_kl": ((torch.exp(log_r) - 1 - log_r) * mask).sum() / n_tok,
        }
    return loss, parts


class PpoTrainer(TrainerBase):
    """PPO step(s) per `step(rows)` with a value head on the last hidden state."""

    def __init__(self, model: nn.Module, config: PpoConfig):
        lm = causal_lm(model)
        hidden = lm.config.get_text_config().hidden_size
        device = next(model.parameters()).device
        # Zero init: V = 0 at first, so early advantages are plain (discounted) returns.
        self.value_head = nn.Linear(hidden, 1).to(device=device, dtype=torch.float32)
        nn.init.zeros_(self.value_head.weight)
        nn.init.zeros_(self.value_head.bias)
        super().__init__(model, config.learning_rate, config.weight_decay, config.max_grad_norm,
                         config.adam_beta1, config.adam_beta2,
                         [{"params": list(self.value_head.parameters()), "lr": config.value_learning_rate}])
        self.config = config

    def extra_modules(self) -> dict[str, nn.Module]:
        return {"value_head": self.value_head}

    def _turn_values(self, hidden: torch.Tensor, turn_start: torch.Tensor) -> torch.Tensor:
        H = hidden.shape[-1]
        h = hidden.gather(1, turn_start.unsqueeze(-1).expand(-1, -1, H)).float()  # (B, K, H)
        return self.value_head(h).squeeze(-1)  # (B, K)

    def step(self, rows: list[Row]) -> dict[str, float]:
        cfg = self.config
        started = time.perf_counter()
        batch = self._collate(rows)
        mask, valid = batch.mask, batch.turn_valid
        n_turn = valid.sum().clamp(min=1.0)
        old_logps = batch.old_logps
        if cfg.old_logprobs == "recompute":
            with torch.no_grad():
                old_logps = completion_logprobs(self.model, batch, cfg.temperature, with_entropy=False).logps

        for epoch in range(cfg.epochs):
            out = completion_logprobs(self.model, batch, cfg.temperature, with_entropy=True,
                                      entropy_grad=cfg.entropy_coef != 0.0)
            values = self._turn_values(out.hidden, batch.turn_start)
            if epoch == 0:
                old_values = values.detach()
                turn_adv, turn_ret = turn_gae(batch.rewards, old_values, valid, cfg.gamma, cfg.lam)
                if cfg.normalize_advantages and n_turn > 1:
                    m = (turn_adv * valid).sum() / n_turn
                    s = (((turn_adv - m) ** 2 * valid).sum() / (n_turn - 1)).sqrt()
                    turn_adv = (turn_adv - m) / (s + 1e-8) * valid
                # Each model token takes its turn's advantage; env tokens and padding get 0 (masked anyway).
                token_adv = turn_adv.gather(1, batch.turn_index.clamp(min=0)) * (batch.turn_index >= 0)

            loss, parts = ppo_loss(out.logps, old_logps, token_adv, mask, out.entropy, values, old_values,
                                   turn_ret, valid, cfg)
            grad_norm = self._optimise(loss)

        metrics = {
            "loss": float(loss.detach()),
            **{k: float(v) for k, v in parts.items()},
            "value_mean": float((old_values * valid).sum() / n_turn),
            "grad_norm": grad_norm,
        }
        metrics.update(self._common_metrics(batch, started))
        return metrics
