"""Token sampling with a KV cache, batched across requests, returning raw log-probabilities.

Written by hand (about a hundred lines) rather than with `model.generate` because the server needs,
in one batch of concurrent requests, a different temperature, top-p, token budget and *seed* per
request (generate has one global RNG and one set of sampling parameters per call), and because the
log-probability we report must be the model's raw log-softmax (temperature 1, before any sampling
transform) of exactly the id that was sampled: that is the number the trainer recomputes from the
same ids, and that a validator re-scores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import torch


@dataclass
class SampleRequest:
    """One chat completion's sampling job: `n` completions of the same prompt."""

    prompt_ids: list[int]
    n: int = 1
    temperature: float = 1.0
    top_p: float = 1.0
    max_tokens: int = 256
    seed: int | None = None
    top_logprobs: int = 0


@dataclass
class Sample:
    """One completion: the sampled ids, their raw log-probabilities, and why it ended."""

    token_ids: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    #: For each token, the `top_logprobs` most likely (id, raw logprob) pairs (empty when not asked).
    top: list[list[tuple[int, float]]] = field(default_factory=list)
    finish_reason: str = "length"


def _filter_top_p(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Nucleus filtering: keep the smallest set of tokens whose probability reaches top_p."""
    if top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
    drop = cumulative - torch.softmax(sorted_logits, dim=-1) >= top_p  # always keeps the first token
    sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)


@torch.inference_mode()
def sample(
    model: torch.nn.Module,
    requests: list[SampleRequest],
    stop_ids: set[int],
    pad_id: int,
    device: torch.device,
    max_positions: int | None = None,
) -> list[list[Sample]]:
    """Run every request's completions as one left-padded batch; returns samples per request.

    Each request draws from its own `torch.Generator` (seeded when it gives a seed), so a seeded
    request's sampling does not depend on what else is in the batch; its logits may still differ in
    the last float bits from an unbatched run, which can very rarely flip a near-tie.
    """
    rows = [(r, req) for r, req in enumerate(requests) for _ in range(req.n)]
    generators = []
    for req in requests:
        gen = torch.Generator(device=device)
        gen.manual_seed(req.seed if req.seed is not None else int.from_bytes(os.urandom(8), "little") >> 1)
        generators.append(gen)
    width = max(len(req.prompt_ids) for _, req in rows)
    input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (_, req) in enumerate(rows):
        input_ids[i, width - len(req.prompt_ids) :] = torch.tensor(req.prompt_ids)
        mask[i, width - len(req.prompt_ids) :] = 1
    input_ids, mask = input_ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    out = model(input_ids=input_ids, attention_mask=mask, position_ids=positions, use_cache=True)
    cache, logits = out.past_key_values, out.logits[:, -1, :].float()
    last_pos = positions[:, -1]
    samples = [Sample() for _ in rows]
    done = [False] * len(rows)
    budget = max(req.max_tokens for _, req in rows)
    if max_positions is not None:
        budget = min(budget, max_positions - width)
    for _step in range(max(budget, 0)):
        logprobs = torch.log_softmax(logits, dim=-1)  # raw: temperature 1, no filtering
        next_ids = torch.full((len(rows),), pad_id, dtype=torch.long, device=device)
        for r, req in enumerate(requests):
            idx = [i for i, (rr, _) in enumerate(rows) if rr == r and not done[i]]
            if not idx:
                continue
            sel = torch.tensor(idx, device=device)
            if req.temperature <= 0:
                chosen = logits[sel].argmax(dim=-1)
            else:
                probs = torch.softmax(_filter_top_p(logits[sel] / req.temperature, req.top_p), dim=-1)
                chosen = torch.multinomial(probs, 1, generator=generators[r]).squeeze(-1)
            next_ids[sel] = chosen
        ids_cpu = next_ids.tolist()
        chosen_lp = logprobs.gather(-1, next_ids[:, None]).squeeze(-1).tolist()
        k = max(req.top_logprobs for _, req in rows)
        top = torch.topk(logprobs, k, dim=-1) if k > 0 else None
        for i, (_, req) in enumerate(rows):
            if done[i]:
                continue
            s = samples[i]
            s.token_ids.append(ids_cpu[i])
            s.logprobs.append(chosen_lp[i])
            if top is not None and req.top_logprobs > 0:
                s.top.append(
                    list(
                        zip(
                            top.indices[i, : req.top_logprobs].tolist(),
                            top.values[i, : req.top_logprobs].tolist(),
                            strict=True,
                        )
                    )
                )
            if ids_cpu[i] in stop_ids:
                s.finish_reason, done[i] = "stop", True
            elif len(s.token_ids) >= req.max_tokens:
                s.finish_reason, done[i] = "length", True
        if all(done):
            break
        alive = torch.tensor([0 if d else 1 for d in done], dtype=torch.long, device=device)
        mask = torch.cat([mask, alive[:, None]], dim=-1)
        last_pos = last_pos + 1
        out = model(
            input_ids=next_ids[:, None],
            attention_mask=mask,
            position_ids=last_pos[:, None],
            past_key_values=cache,
            use_cache=True,
        )
        cache, logits = out.past_key_values, out.logits[:, -1, :].float()
    result: list[list[Sample]] = [[] for _ in requests]
    for i, (r, _) in enumerate(rows):
        result[r].append(samples[i])
    return result
