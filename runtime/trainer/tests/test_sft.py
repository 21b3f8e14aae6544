"""SFT: the loss is cross-entropy on model tokens only (environment tokens are context, never
targets), and a few steps on recorded transcripts lower it."""

import math

import pytest
import torch

from palestra_trainer.algorithms import make_trainer
from palestra_trainer.rows import Row
from tiny_policy import tiny_policy

torch.set_num_threads(1)

# Two scripted "transcripts": model turn, environment reply, model turn.
ROWS = [
    Row([3, 4, 5], [10, 11, 40, 41, 42, 12, 1], [0.0] * 7, [1, 1, 0, 0, 0, 1, 1], [0.0, 1.0], "t1"),
    Row([3, 6], [20, 21, 22, 43, 23, 1], [0.0] * 6, [1, 1, 1, 0, 1, 1], [1.0, 0.0], "t2"),
]


def manual_loss(model, rows):
    """Mean negative log-likelihood of the model tokens, each sequence scored on its own."""
    total, n = 0.0, 0
    with torch.no_grad():
        for r in rows:
            x = torch.tensor([r.prompt_ids + r.completion_ids])
            logp = torch.log_softmax(model(input_ids=x).logits[0].float(), -1)
            p = len(r.prompt_ids)
            for j, (t, m) in enumerate(zip(r.completion_ids, r.env_mask)):
                if m:
                    total -= logp[p - 1 + j, t].item()
                    n += 1
    return total / n


def test_sft_loss_is_cross_entropy_on_model_tokens_only():
    model = tiny_policy(0)
    expected = manual_loss(model, ROWS)
    metrics = make_trainer("sft", model, {"learning_rate": 1e-3}).step(ROWS)
    assert metrics["loss"] == pytest.approx(expected, rel=1e-5)
    assert metrics["trained_tokens"] == 4 + 5
    # Had the environment tokens been targets, the loss would differ:
    all_tokens = [Row(r.prompt_ids, r.completion_ids, r.logprobs, [1] * len(r.env_mask), [0.0], r.group) for r in ROWS]
    assert abs(manual_loss(tiny_policy(0), all_tokens) - expected) > 1e-3


def test_sft_steps_lower_the_loss():
    model = tiny_policy(0)
    trainer = make_trainer("sft", model, {"learning_rate": 1e-2})
    losses = [trainer.step(ROWS)["loss"] for _ in range(8)]
    assert all(math.isfinite(x) for x in losses)
    assert losses[-1] < 0.7 * losses[0], losses


def test_only_positive_returns_drops_failed_transcripts():
    trainer = make_trainer("sft", tiny_policy(0), {"only_positive_returns": True})
    failed = Row([3], [10], [0.0], [1], [0.0], "t3")
    assert trainer.step(ROWS + [failed])["trained_tokens"] == 9
    with pytest.raises(ValueError, match="return > 0"):
        trainer.step([failed])
