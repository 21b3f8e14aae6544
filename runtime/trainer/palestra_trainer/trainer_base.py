"""What SFT, GRPO and PPO share: AdamW over the trainable parameters, one clipped optimisation step,
the step metrics, and the state needed to resume after a crash.

Each algorithm file owns its loss; this file owns none, so reading `grpo.py` or `ppo.py` alone tells
you everything about the objective.
"""

from __future__ import annotations

import resource
import time
from typing import Any

import torch
from torch import nn

from .rows import Batch, Row, collate


def peak_memory_mb(device: torch.device) -> float:
    """CUDA's peak allocated memory on a GPU; otherwise the process's peak resident set size."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def keep_4bit_weights_trainable(model: nn.Module) -> int:
    """Undoes bitsandbytes' CPU inference repacking of 4-bit weights and switches it off.

    bitsandbytes 0.50 on a CPU with AVX512-BF16, in an eval-mode forward without grad (i.e. when the
    service samples), repacks each `Linear4bit` weight into a layout only its inference kernel
    reads. A later training forward then takes that kernel and fails (`a view of a leaf Variable
    that requires grad is being used in an in-place operation`), and layers with fewer than 64 input
    features fail already at the repacking. Setting the module's `support_avx512bf16_for_cpu` to
    False keeps every forward on the dequantize path, which trains. Returns how many weights were
    unpacked. A no-op without bitsandbytes or without 4-bit layers.
    """
    try:
        from bitsandbytes.functional import _convert_weight_packed_for_cpu_inverse
        from bitsandbytes.nn import Linear4bit
    except ImportError:
        return 0
    unpacked = 0
    for module in model.modules():
        if isinstance(module, Linear4bit):
            module.support_avx512bf16_for_cpu = False
            state = getattr(module.weight, "quant_state", None)
            if state is not None and getattr(state, "packing_format_for_cpu", False):
                # Private in bitsandbytes, but it is the inverse its own save and .cuda() use.
                module.weight.data, module.weight.quant_state = _convert_weight_packed_for_cpu_inverse(
                    module.weight.data, state)
                unpacked += 1
    return unpacked


def group_std(returns: torch.Tensor, groups: list[str]) -> tuple[torch.Tensor, torch.Tensor, float]:
    """Per-row group mean and (unbiased, as TRL) group std of returns, and the share of groups whose
    returns are all equal — those rows get zero advantage and teach nothing."""
    names = sorted(set(groups))
    index = torch.tensor([names.index(g) for g in groups], device=returns.device)
    mean = torch.zeros_like(returns)
    std = torch.zeros_like(returns)
    zero = 0
    for k in range(len(names)):
        sel = index == k
        r = returns[sel]
        mean[sel] = r.mean()
        s = r.std() if r.numel() > 1 else torch.zeros((), device=returns.device)  # one row: no spread
        std[sel] = s
        zero += int(torch.isclose(s, torch.zeros_like(s)))
    return mean, std, zero / len(names)


class TrainerBase:
    """AdamW over `model`'s trainable parameters plus `extra_modules()`; see `_optimise`."""

    def __init__(self, model: nn.Module, learning_rate: float, weight_decay: float, max_grad_norm: float,
                 adam_beta1: float = 0.9, adam_beta2: float = 0.999, extra_param_groups: list[dict[str, Any]] | None = None):
        self.model = model
        keep_4bit_weights_trainable(model)
        self.device = next(model.parameters()).device
        self.max_grad_norm = max_grad_norm
        params = [p for p in model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("model has no trainable parameters (is the LoRA adapter attached and active?)")
        groups = [{"params": params}] + list(extra_param_groups or [])
        self.params = [p for g in groups for p in g["params"]]
        self.optimizer = torch.optim.AdamW(groups, lr=learning_rate, betas=(adam_beta1, adam_beta2),
                                           weight_decay=weight_decay)
        # The configured hyperparameters, re-applied after loading a saved optimizer state (which would
        # otherwise bring back the old learning rate when the service resumes with a new config).
        self._hparams = [{k: g[k] for k in ("lr", "betas", "weight_decay")} for g in self.optimizer.param_groups]
        config = getattr(model, "config", None)
        pad = getattr(config, "pad_token_id", None)
        if pad is None:
            pad = getattr(config, "eos_token_id", None)
        if isinstance(pad, list):
            pad = pad[0]
        self.pad_id = int(pad) if pad is not None else 0
        self.steps = 0

    def extra_modules(self) -> dict[str, nn.Module]:
        """Modules trained beside the adapter (PPO's value head); the service saves them with it."""
        return {}

    def _collate(self, rows: list[Row]) -> Batch:
        keep_4bit_weights_trainable(self.model)  # the service may have sampled (in eval mode) since
        self.model.train()
        return collate(rows, self.pad_id, self.device)

    def _optimise(self, loss: torch.Tensor) -> float:
        """One step: backward, clip the global gradient norm to max_grad_norm, AdamW. Returns the norm
        before clipping (as TRL logs it)."""
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(self.params, self.max_grad_norm)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.steps += 1
        return float(grad_norm)

    def _common_metrics(self, batch: Batch, started: float) -> dict[str, float]:
        """Reward, throughput and memory figures every algorithm reports."""
        elapsed = max(time.perf_counter() - started, 1e-9)
        tokens = float(batch.attention_mask.sum())
        _, _, zero = group_std(batch.returns, batch.groups)
        return {
            "reward_mean": float(batch.returns.mean()),
            "reward_std": float(batch.returns.std()) if batch.returns.numel() > 1 else 0.0,
            "zero_variance_groups": zero,
            "tokens": tokens,
            "trained_tokens": float(batch.mask.sum()),
            "step_time_s": elapsed,
            "tokens_per_s": tokens / elapsed,
            "peak_memory_mb": peak_memory_mb(self.device),
            "learning_rate": float(self.optimizer.param_groups[0]["lr"]),
        }

    def state_dict(self) -> dict[str, Any]:
        """Optimizer state, extra modules and the step count, for crash-resume (the adapter itself is
        saved by the service)."""
        return {
            "steps": self.steps,
            "optimizer": self.optimizer.state_dict(),
            "extra_modules": {k: m.state_dict() for k, m in self.extra_modules().items()},
        }

    def adopt_adapter_moments(self, state: dict[str, Any]) -> int:
        """Continue another algorithm's AdamW moments for the adapter's parameters (the first param
        group, which every algorithm builds the same way), e.g. GRPO after the SFT warm start.

        A fresh AdamW's first step moves every parameter by about the learning rate whatever its
        gradient (m / sqrt(v) is the gradient's sign): after a warm start, that noise is larger than
        GRPO's signal and can undo what SFT taught. With the moments carried over, each parameter's
        step is scaled by its gradient history instead. Hyperparameters stay this trainer's own.
        Returns how many parameters got state."""
        other = state["optimizer"]
        ours = self.optimizer.param_groups[0]["params"]
        theirs = other["param_groups"][0]["params"]
        if len(theirs) != len(ours):
            return 0
        adopted = 0
        for param, index in zip(ours, theirs):
            moments = other["state"].get(index)
            if moments is None or moments["exp_avg"].shape != param.shape:
                continue
            self.optimizer.state[param] = {
                k: (v.detach().clone().to(param.device) if k != "step" else v.detach().clone())
                for k, v in moments.items()
            }
            adopted += 1
        return adopted

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for k, m in self.extra_modules().items():
            m.load_state_dict(state["extra_modules"][k])
        self.optimizer.load_state_dict(state["optimizer"])
        for group, hparams in zip(self.optimizer.param_groups, self._hparams):
            group.update(hparams)
        self.steps = int(state["steps"])
