"""Training rows: what `/train` receives, validated, and how a batch of them becomes tensors.

A row is one trajectory exactly as it was sampled (token in, token out, never re-rendered):

    prompt_ids      the tokens the first turn was conditioned on
    completion_ids  everything after: the model's turns and the environment's replies, concatenated
    logprobs        the sampler's log-probability of each completion token (0.0 for environment tokens)
    env_mask        1 = the model produced this token, 0 = the environment did (TRL's rollout_func)
    rewards         one per model turn, i.e. per maximal run of 1s in env_mask; the return is their sum
    group           rows of one group share a task and a seed (GRPO compares them with each other)

`parse_rows` checks every field and says where a problem is (`rows[3].env_mask: 12 entries,
completion_ids has 13`), because these rows come over HTTP from another process and a silent shape
mistake would train on the wrong tokens. `collate` pads a batch for one forward pass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch


@dataclass
class Row:
    """One sampled trajectory; see the module docstring for each field."""

    prompt_ids: list[int]
    completion_ids: list[int]
    logprobs: list[float]
    env_mask: list[int]
    rewards: list[float]
    group: str

    @property
    def ret(self) -> float:
        """The row's return: the sum of its per-turn rewards."""
        return float(sum(self.rewards))


def turn_spans(env_mask: list[int]) -> list[tuple[int, int]]:
    """Model turns as half-open [start, end) spans: the maximal runs of 1s in `env_mask`.

    >>> turn_spans([1, 1, 0, 0, 1])
    [(0, 2), (4, 5)]
    """
    spans: list[tuple[int, int]] = []
    start = None
    for i, m in enumerate(env_mask):
        if m == 1 and start is None:
            start = i
        elif m != 1 and start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(env_mask)))
    return spans


def _fail(path: str, what: str) -> ValueError:
    return ValueError(f"{path}: {what}")


def _int_list(value: Any, path: str, vocab_size: int | None) -> list[int]:
    if not isinstance(value, list) or not value:
        raise _fail(path, "expected a non-empty list of token ids")
    for i, t in enumerate(value):
        # bool is an int in Python; a JSON true here is a bug in the sender.
        if not isinstance(t, int) or isinstance(t, bool) or t < 0:
            raise _fail(f"{path}[{i}]", f"expected a token id (integer >= 0), got {t!r}")
        if vocab_size is not None and t >= vocab_size:
            raise _fail(f"{path}[{i}]", f"token id {t} is outside the model's vocabulary (size {vocab_size})")
    return list(value)


def _float_list(value: Any, path: str) -> list[float]:
    if not isinstance(value, list):
        raise _fail(path, "expected a list of numbers")
    out = []
    for i, x in enumerate(value):
        if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
            raise _fail(f"{path}[{i}]", f"expected a finite number, got {x!r}")
        out.append(float(x))
    return out


def parse_row(obj: Any, path: str, vocab_size: int | None = None) -> Row:
    """Validates one row (see `parse_rows`)."""
    if not isinstance(obj, dict):
        raise _fail(path, "expected an object with prompt_ids, completion_ids, logprobs, env_mask, rewards, group")
    known = {"prompt_ids", "completion_ids", "logprobs", "env_mask", "rewards", "reward", "group"}
    for key in obj:
        if key not in known:
            raise _fail(f"{path}.{key}", f"unknown field; expected one of {sorted(known)}")
    for key in ("prompt_ids", "completion_ids", "logprobs", "group"):
        if key not in obj:
            raise _fail(f"{path}.{key}", "missing")
    prompt_ids = _int_list(obj["prompt_ids"], f"{path}.prompt_ids", vocab_size)
    completion_ids = _int_list(obj["completion_ids"], f"{path}.completion_ids", vocab_size)
    n = len(completion_ids)
    logprobs = _float_list(obj["logprobs"], f"{path}.logprobs")
    if len(logprobs) != n:
        raise _fail(f"{path}.logprobs", f"{len(logprobs)} entries, completion_ids has {n}")
    for i, lp in enumerate(logprobs):
        if lp > 1e-4:  # a log-probability is <= 0; a small slack for float noise from the sampler
            raise _fail(f"{path}.logprobs[{i}]", f"{lp} is not a log-probability (must be <= 0)")
    env_mask = obj.get("env_mask", [1] * n)
    if not isinstance(env_mask, list):
        raise _fail(f"{path}.env_mask", "expected a list of 0/1")
    if len(env_mask) != n:
        raise _fail(f"{path}.env_mask", f"{len(env_mask)} entries, completion_ids has {n}")
    for i, m in enumerate(env_mask):
        if m not in (0, 1) or isinstance(m, bool) or not isinstance(m, int):
            raise _fail(f"{path}.env_mask[{i}]", f"expected 0 (environment token) or 1 (model token), got {m!r}")
    turns = turn_spans(env_mask)
    if not turns:
        raise _fail(f"{path}.env_mask", "no model tokens (all 0): nothing to train on; drop the row")
    if "rewards" in obj and "reward" in obj:
        raise _fail(path, "give either rewards (one per model turn) or reward (the return), not both")
    if "rewards" in obj:
        rewards = _float_list(obj["rewards"], f"{path}.rewards")
        if len(rewards) != len(turns):
            raise _fail(
                f"{path}.rewards",
                f"{len(rewards)} entries, env_mask has {len(turns)} model turns (runs of 1s); give one reward per turn",
            )
    elif "reward" in obj:
        # Shorthand for an episode scored once at the end: the whole return on the last turn.
        (ret,) = _float_list([obj["reward"]], f"{path}.reward")
        rewards = [0.0] * (len(turns) - 1) + [ret]
    else:
        raise _fail(f"{path}.rewards", "missing (one reward per model turn, or `reward` for the return)")
    group = obj["group"]
    if not isinstance(group, str) or not group:
        raise _fail(f"{path}.group", f"expected a non-empty string, got {group!r}")
    return Row(prompt_ids, completion_ids, logprobs, list(env_mask), rewards, group)


def parse_rows(obj: Any, vocab_size: int | None = None) -> list[Row]:
    """Validates rows from JSON: either a list of rows or an object `{"rows": [...]}`.

    Raises ValueError naming the JSON path and what to fix, e.g.
    `rows[3].env_mask: 12 entries, completion_ids has 13`. With `vocab_size`, token ids are also
    checked against the model's vocabulary.
    """
    if isinstance(obj, dict):
        if "rows" not in obj:
            raise _fail("rows", "missing")
        obj = obj["rows"]
    if not isinstance(obj, list) or not obj:
        raise _fail("rows", "expected a non-empty list of rows")
    return [parse_row(r, f"rows[{i}]", vocab_size) for i, r in enumerate(obj)]


@dataclass
class Batch:
    """A padded batch. B rows, T = longest prompt+completion, C = longest completion.

    Sequences are packed right-padded with no gap between prompt and completion, so positions and
    attention are exactly those of the unpadded sequence. Completion token j of row i sits at
    `prompt_len[i] + j`; the logits that predict it sit one position earlier, at `positions[i, j]`.
    """

    input_ids: torch.Tensor  # (B, T) long
    attention_mask: torch.Tensor  # (B, T) long, 1 on real tokens
    positions: torch.Tensor  # (B, C) long, index of the hidden state that predicts each completion token
    completion_ids: torch.Tensor  # (B, C) long
    completion_mask: torch.Tensor  # (B, C) float, 1 on real completion tokens (model or environment)
    mask: torch.Tensor  # (B, C) float, completion_mask * env_mask: the tokens that are trained on
    old_logps: torch.Tensor  # (B, C) float, the sampler's log-probabilities
    turn_rewards: torch.Tensor  # (B, C) float, each turn's reward on its last model token, else 0
    turn_index: torch.Tensor  # (B, C) long, the model turn a token belongs to, -1 for env tokens/padding
    turn_start: torch.Tensor  # (B, K) long, completion index of each turn's first token (K = most turns)
    turn_valid: torch.Tensor  # (B, K) float, 1 where the row has that turn
    rewards: torch.Tensor  # (B, K) float, each turn's reward (0 where the row has no such turn)
    returns: torch.Tensor  # (B,) float, sum of the row's rewards
    groups: list[str]


def collate(rows: list[Row], pad_id: int, device: torch.device | str = "cpu") -> Batch:
    """Pads `rows` into a `Batch` on `device` (see `Batch` for the layout)."""
    if not rows:
        raise ValueError("rows: empty batch")
    B = len(rows)
    T = max(len(r.prompt_ids) + len(r.completion_ids) for r in rows)
    C = max(len(r.completion_ids) for r in rows)
    spans = [turn_spans(r.env_mask) for r in rows]
    K = max(len(s) for s in spans)
    input_ids = torch.full((B, T), pad_id, dtype=torch.long)
    attention_mask = torch.zeros((B, T), dtype=torch.long)
    positions = torch.zeros((B, C), dtype=torch.long)
    completion_ids = torch.full((B, C), pad_id, dtype=torch.long)
    completion_mask = torch.zeros((B, C))
    env_mask = torch.zeros((B, C))
    old_logps = torch.zeros((B, C))
    turn_rewards = torch.zeros((B, C))
    turn_index = torch.full((B, C), -1, dtype=torch.long)
    turn_start = torch.zeros((B, K), dtype=torch.long)
    turn_valid = torch.zeros((B, K))
    rewards = torch.zeros((B, K))
    for i, r in enumerate(rows):
        p, c = len(r.prompt_ids), len(r.completion_ids)
        input_ids[i, : p + c] = torch.tensor(r.prompt_ids + r.completion_ids)
        attention_mask[i, : p + c] = 1
        positions[i, :c] = torch.arange(p - 1, p + c - 1)
        completion_ids[i, :c] = torch.tensor(r.completion_ids)
        completion_mask[i, :c] = 1
        env_mask[i, :c] = torch.tensor(r.env_mask, dtype=torch.float)
        old_logps[i, :c] = torch.tensor(r.logprobs)
        for k, (s, e) in enumerate(spans[i]):
            turn_rewards[i, e - 1] = r.rewards[k]
            turn_index[i, s:e] = k
            turn_start[i, k] = s
            turn_valid[i, k] = 1
            rewards[i, k] = r.rewards[k]
    return Batch(
        input_ids=input_ids.to(device),
        attention_mask=attention_mask.to(device),
        positions=positions.to(device),
        completion_ids=completion_ids.to(device),
        completion_mask=completion_mask.to(device),
        mask=(completion_mask * env_mask).to(device),
        old_logps=old_logps.to(device),
        turn_rewards=turn_rewards.to(device),
        turn_index=turn_index.to(device),
        turn_start=turn_start.to(device),
        turn_valid=turn_valid.to(device),
        rewards=rewards.to(device),
        returns=torch.tensor([r.ret for r in rows], device=device),
        groups=[r.group for r in rows],
    )
