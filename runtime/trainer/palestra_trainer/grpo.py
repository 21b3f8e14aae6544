"""GRPO: group-relative policy optimisation, with TRL's options and defaults.

Rows of one group share a task and a seed; each row's advantage is how much better its return was
than its group's, so no value network is needed (Shao et al. 2024, DeepSeekMath):

    A_i = (R_i - mean_group(R)) / (std_group(R) + 1e-4)          scale_rewards = "group"  (TRL default)
    A_i = (R_i - mean_group(R)) / (std_batch(R) + 1e-4)          scale_rewards = "batch"
    A_i =  R_i - mean_group(R)                                   scale_rewards = "none"   (Dr. GRPO)

std is the unbiased (Bessel) one, as TRL's `nanstd`. A group whose returns are all equal gives every
row A = 0: no signal; the share of such groups is reported as `zero_variance_groups`.

Per model token t of row i (env tokens and padding have mask 0 and contribute nothing):

    r_it   = exp(logp_it - old_logp_it)                             importance_sampling_level = "token"
    r_it   = exp(sum_t m_it (logp_it - old_logp_it) / sum_t m_it)   "sequence" (GSPO), same for all t
    l_it   = -min(r_it A_i, clip(r_it, 1 - epsilon, 1 + epsilon_high) A_i)
           + beta * w_it * (exp(ref_it - logp_it) - (ref_it - logp_it) - 1)     (k3 KL estimator, TRL's)

where w_it = r_it if `use_bias_correction_kl` (TRL's default since the DeepSeek-V3.2 paper: with it the
KL gradient is the unbiased reverse-KL gradient for samples from the old policy; r is not detached,
so this changes the gradient even where r = 1), else 1.

and the loss aggregates l over the masked tokens:

    grpo     mean_i [ sum_t m l / sum_t m ]            (per-sequence mean; favours short answers)
    bnpo     sum m l / sum m                           (over the batch's active tokens)
    dr_grpo  sum m l / (B * max_completion_length)     (a constant normaliser, Dr. GRPO)
    dapo     sum m l / sum m                           (TRL's default; TRL divides by the active tokens
                                                        of the whole generation batch, which is this
                                                        batch: Palestra takes one step per batch)

Old log-probabilities. TRL with one iteration per generation uses `old = logp.detach()`, so its ratio
is exactly 1 and only the clip's gradient shape matters. Palestra, like OpenPipe ART, defaults to
the *sampler's* log-probabilities from the row (`old_logprobs = "sampler"`): the ratio then also
corrects for the sampler/trainer mismatch and for an adapter that moved since the rollout. With
`"recompute"` a no-grad forward of the current policy gives `old`, which reproduces TRL exactly.

The reference for the KL term (`ref_policy`) is, by default, the adapter as it was when GRPO took
it over (`"warm_start"`): after an SFT warm start, the warm-started policy, which the service keeps
as a frozen second LoRA adapter (a few MB, no second copy of the base weights) and records in its
state so a resumed run keeps the same anchor. That is what a TRL user gets from the usual recipe
(SFT, merge, then GRPO with PEFT). `"base"` anchors to the model with its LoRA adapter disabled
(`model.disable_adapter()`), as TRL does with PEFT on an unmerged adapter. Without a warm start
the two are the same model (a fresh LoRA adapter adds zero).
`tests/test_grpo_trl.py` shows `grpo_loss` has TRL's loss and gradients on identical rows.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from .logprobs import completion_logprobs
from .rows import Row
from .trainer_base import TrainerBase, group_std


@dataclass
class GrpoConfig:
    learning_rate: float = 1e-6  # AdamW learning rate (TRL's default; LoRA usually wants ~1e-5..1e-4)
    weight_decay: float = 0.0  # AdamW decoupled weight decay
    adam_beta1: float = 0.9  # AdamW beta1
    adam_beta2: float = 0.999  # AdamW beta2
    max_grad_norm: float = 1.0  # clip the global gradient norm to this before each step
    loss_type: Literal["grpo", "bnpo", "dr_grpo", "dapo"] = "dapo"  # how token losses are averaged (module doc)
    epsilon: float = 0.2  # lower clip: ratio >= 1 - epsilon
    epsilon_high: float | None = None  # upper clip: ratio <= 1 + epsilon_high; None = epsilon (DAPO uses 0.28)
    beta: float = 0.0  # weight of the KL to the reference policy; 0 skips the reference pass
    ref_policy: Literal["warm_start", "base"] = "warm_start"  # KL anchor: the adapter GRPO started from, or none
    use_bias_correction_kl: bool = True  # multiply the KL term by the (differentiable) ratio, as TRL does
    scale_rewards: Literal["group", "batch", "none"] = "group"  # divide advantages by group/batch std, or not
    importance_sampling_level: Literal["token", "sequence"] = "token"  # per-token ratio, or GSPO's sequence ratio
    max_completion_length: int = 256  # dr_grpo's constant normaliser (TRL's max_completion_length)
    temperature: float = 1.0  # logits are divided by this, as at sampling time, before log_softmax
    old_logprobs: Literal["sampler", "recompute"] = "sampler"  # where the ratio's denominator comes from
    logprob_chunk_size: int | None = None  # completion positions per LM-head chunk (checkpointed); None = one pass
    num_iterations: int = 1  # optimisation steps on the same batch per step() (TRL's μ); the clip keeps them near the sampler

    def __post_init__(self) -> None:
        if self.epsilon_high is None:
            self.epsilon_high = self.epsilon
        for name in ("learning_rate", "max_grad_norm", "epsilon", "epsilon_high", "temperature"):
            if not getattr(self, name) > 0:
                raise ValueError(f"config.{name}: must be > 0, got {getattr(self, name)}")
        if self.beta < 0:
            raise ValueError(f"config.beta: must be >= 0, got {self.beta}")
        if self.num_iterations < 1:
            raise ValueError(f"config.num_iterations: must be >= 1, got {self.num_iterations}")
        if self.ref_policy not in ("warm_start", "base"):
            raise ValueError(f"config.ref_policy: expected warm_start or base, got {self.ref_policy!r}")
        if self.max_completion_length < 1:
            raise ValueError(f"config.max_completion_length: must be >= 1, got {self.max_completion_length}")


def group_advantages(returns: torch.Tensor, groups: list[str], scale_rewards: str) -> tuple[torch.Tensor, float]:
    """Per-row advantages (module doc) and the share of zero-variance groups."""
    mean, std, zero_share = group_std(returns, groups)
    advantages = returns - mean
    if scale_rewards == "group":
        advantages = advantages / (std + 1e-4)
    elif scale_rewards == "batch":
        batch_std = returns.std() if returns.numel() > 1 else torch.zeros((), device=returns.device)
        advantages = advantages / (batch_std + 1e-4)
    elif scale_rewards != "none":
        raise ValueError(f"config.scale_rewards: expected group, batch or none, got {scale_rewards!r}")
    return advantages, zero_share


def grpo_loss(
    logps: torch.Tensor,
    old_logps: torch.Tensor,
    ref_logps: torch.Tensor | None,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    config: GrpoConfig,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The GRPO loss of the module docstring. Shapes: logps, old_logps, ref_logps, mask (B, C);
    advantages (B,). Returns the scalar loss and stats (clip fractions, KL, ratio mean)."""
    adv = advantages.unsqueeze(1)
    log_ratio = logps - old_logps
    if config.importance_sampling_level == "token":
        log_w = log_ratio
    elif config.importance_sampling_level == "sequence":
        log_w = ((log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).unsqueeze(-1)
    else:
        level = config.importance_sampling_level
        raise ValueError(f"config.importance_sampling_level: expected token or sequence, got {level!r}")
    ratio = torch.exp(log_w)
    clipped = torch.clamp(ratio, 1 - config.epsilon, 1 + config.epsilon_high)
    per_token = -torch.min(ratio * adv, clipped * adv)
    kl = None
    if config.beta != 0.0:
        if ref_logps is None:
            raise ValueError("grpo_loss: beta > 0 needs ref_logps")
        d = ref_logps - logps
        kl = torch.exp(d) - d - 1
        if config.use_bias_correction_kl:
            kl = kl * ratio
        per_token = per_token + config.beta * kl

    B = logps.shape[0]
    if config.loss_type == "grpo":
        loss = ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
    elif config.loss_type in ("bnpo", "dapo"):
        loss = (per_token * mask).sum() / mask.sum().clamp(min=1.0)
    elif config.loss_type == "dr_grpo":
        loss = (per_token * mask).sum() / (B * config.max_completion_length)
    else:
        raise ValueError(f"config.loss_type: expected grpo, bnpo, dr_grpo or dapo, got {config.loss_type!r}")

    with torch.no_grad():
        n = mask.sum().clamp(min=1.0)
        r = ratio.expand_as(mask)
        low = ((r < 1 - config.epsilon) & (adv < 0)).float()  # clipped from below: the min picks the clip
        high = ((r > 1 + config.epsilon_high) & (adv > 0)).float()
        stats = {
            "clip_fraction_low": float((low * mask).sum() / n),
            "clip_fraction_high": float((high * mask).sum() / n),
            "clip_fraction": float(((low + high) * mask).sum() / n),
            "ratio_mean": float((r * mask).sum() / n),
        }
        if kl is not None:
            stats["kl"] = float((kl * mask).sum() / n)
    return loss, stats


class GrpoTrainer(TrainerBase):
    """One GRPO optimisation step per `step(rows)` on a peft LoRA/QLoRA model."""

    def __init__(self, model: nn.Module, config: GrpoConfig):
        super().__init__(model, config.learning_rate, config.weight_decay, config.max_grad_norm,
                         config.adam_beta1, config.adam_beta2)
        self.config = config
        #: The frozen LoRA adapter holding the KL reference (`ref_policy = "warm_start"`), set by the
        #: service when GRPO takes over an adapter that was already trained; None: the adapter-disabled base.
        self.reference_adapter: str | None = None

    @contextmanager
    def reference_policy(self) -> Iterator[None]:
        """Run the model as the KL reference inside this block (module doc)."""
        if self.reference_adapter is None or self.config.ref_policy == "base":
            with self.model.disable_adapter():
                yield
            return
        self.model.set_adapter(self.reference_adapter)
        try:
            yield
        finally:
            # peft's set_adapter makes only the active adapter trainable: `default` again, the reference frozen.
            self.model.set_adapter("default")

    def step(self, rows: list[Row]) -> dict[str, float]:
        cfg = self.config
        started = time.perf_counter()
        batch = self._collate(rows)
        advantages, _ = group_advantages(batch.returns, batch.groups, cfg.scale_rewards)

        ref_logps = None
        if cfg.beta != 0.0:
            with torch.no_grad(), self.reference_policy():
                ref_logps = completion_logprobs(self.model, batch, cfg.temperature, with_entropy=False,
                                                chunk_size=cfg.logprob_chunk_size).logps
        old_logps = batch.old_logps
        if cfg.old_logprobs == "recompute":
            with torch.no_grad():
                old_logps = completion_logprobs(self.model, batch, cfg.temperature, with_entropy=False,
                                                chunk_size=cfg.logprob_chunk_size).logps

        # TRL's μ: several updates on one batch of samples; the ratio to the sampler's log-probabilities
        # (clipped) keeps the later ones from moving far. Metrics are the first iteration's (the policy
        # that sampled), as TRL logs them.
        for iteration in range(cfg.num_iterations):
            out_i = completion_logprobs(self.model, batch, cfg.temperature, chunk_size=cfg.logprob_chunk_size)
            loss_i, stats_i = grpo_loss(out_i.logps, old_logps, ref_logps, advantages, batch.mask, cfg)
            grad_norm_i = self._optimise(loss_i)
            if iteration == 0:
                out, loss, stats, grad_norm = out_i, loss_i, stats_i, grad_norm_i

        n = batch.mask.sum().clamp(min=1.0)
        metrics = {
            "loss": float(loss.detach()),
            **stats,
            "entropy": float((out.entropy * batch.mask).sum() / n),
            "advantage_abs_mean": float(advantages.abs().mean()),
            "grad_norm": grad_norm,
        }
        metrics.update(self._common_metrics(batch, started))
        return metrics
