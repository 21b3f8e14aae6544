"""Per-token log-probabilities and entropies of completion tokens under a causal LM.

Why not `model(input_ids).logits`: that materialises (B, T, V) logits for every prompt position
too, and for a 150k-token vocabulary the prompt dominates. Here the decoder runs once, the hidden
states of only the positions that predict completion tokens are gathered, and the LM head and
log_softmax run on those (B, C, V) alone, optionally in chunks of `chunk_size` completion
positions. Without chunks, autograd keeps the (B, C, V) log_softmax for backward (2 x 0.9 GB for
16 x 96 tokens of a 152k vocabulary in float32). With chunks, each chunk's LM head + log_softmax is
activation-checkpointed: only its (B, chunk, H) input is kept and the chunk is recomputed in the
backward pass, so the vocabulary-sized buffers exist for one chunk at a time (one extra LM-head
matmul per step). TRL gets the same effect with its tiled fused LM head.

Works on a plain `PreTrainedModel` and on a `peft.PeftModel` (LoRA layers are injected into the
decoder's modules in place, so calling the inner decoder still applies the adapter, and
`model.disable_adapter()` still turns it off).

    logits_t  = lm_head(h_{t-1}) / temperature
    logp_t    = log_softmax(logits_t)[token_t]
    entropy_t = -sum_v softmax(logits_t)_v * log_softmax(logits_t)_v
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .rows import Batch


def _score_chunk(head: nn.Module, h: torch.Tensor, ids: torch.Tensor, temperature: float,
                 with_entropy: bool, entropy_grad: bool) -> tuple[torch.Tensor, torch.Tensor]:
    logits = head(h.to(head.weight.dtype)).float() / temperature
    logp_all = F.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, ids.unsqueeze(-1)).squeeze(-1)
    if not with_entropy:
        return logp, torch.zeros_like(logp)
    with torch.set_grad_enabled(entropy_grad and torch.is_grad_enabled()):
        entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logp, entropy


def causal_lm(model: nn.Module) -> nn.Module:
    """The transformers causal LM inside `model` (unwraps a peft.PeftModel)."""
    get_base = getattr(model, "get_base_model", None)
    return get_base() if callable(get_base) else model


@dataclass
class CompletionLogprobs:
    logps: torch.Tensor  # (B, C) float32, log-probability of each completion token (0 on padding)
    entropy: torch.Tensor | None  # (B, C) float32, entropy of the next-token distribution
    hidden: torch.Tensor  # (B, C, H) the decoder's hidden state at each predicting position


def completion_logprobs(
    model: nn.Module,
    batch: Batch,
    temperature: float = 1.0,
    with_entropy: bool = True,
    entropy_grad: bool = False,
    chunk_size: int | None = None,
) -> CompletionLogprobs:
    """Scores `batch.completion_ids` under `model` (see the module docstring).

    `entropy_grad=False` computes the entropy without autograd (enough for logging, and it saves a
    (B, C, V) buffer); PPO's entropy bonus needs `entropy_grad=True`.
    """
    lm = causal_lm(model)
    decoder = lm.get_decoder()
    head = lm.get_output_embeddings()
    out = decoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False)
    hidden_all = out.last_hidden_state  # (B, T, H)
    H = hidden_all.shape[-1]
    hidden = hidden_all.gather(1, batch.positions.unsqueeze(-1).expand(-1, -1, H))  # (B, C, H)
    C = hidden.shape[1]
    step = chunk_size or C
    checkpoint = chunk_size is not None and torch.is_grad_enabled()
    logps, entropies = [], []
    for s in range(0, C, step):
        h, ids = hidden[:, s : s + step], batch.completion_ids[:, s : s + step]
        if checkpoint:
            logp, ent = torch.utils.checkpoint.checkpoint(_score_chunk, head, h, ids, temperature, with_entropy,
                                                          entropy_grad, use_reentrant=False)
        else:
            logp, ent = _score_chunk(head, h, ids, temperature, with_entropy, entropy_grad)
        logps.append(logp)
        if with_entropy:
            entropies.append(ent)
    logp = torch.cat(logps, dim=1) * batch.completion_mask
    entropy = torch.cat(entropies, dim=1) * batch.completion_mask if with_entropy else None
    return CompletionLogprobs(logps=logp, entropy=entropy, hidden=hidden)
