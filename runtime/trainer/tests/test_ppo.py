"""PPO: GAE over turns against a hand-computed example, environment tokens carry no value target,
and a few real steps on a tiny Qwen2 + LoRA raise the reward of a two-turn task."""

import math

import pytest
import torch

from palestra_trainer.algorithms import make_trainer
from palestra_trainer.ppo import PpoConfig, ppo_loss, turn_gae
from tiny_policy import prob_of, sample_episode, tiny_policy

torch.set_num_threads(1)


def test_turn_gae_matches_a_hand_computed_example():
    # Row 0: three turns, rewards (0, 0, 1), values (0.5, 0.2, 0.8); gamma 0.9, lambda 0.5.
    #   delta_2 = 1 + 0            - 0.8 = 0.2          A_2 = 0.2
    #   delta_1 = 0 + 0.9 * 0.8    - 0.2 = 0.52         A_1 = 0.52 + 0.45 * 0.2  = 0.61
    #   delta_0 = 0 + 0.9 * 0.2    - 0.5 = -0.32        A_0 = -0.32 + 0.45 * 0.61 = -0.0455
    # Row 1: one turn (the other two slots are padding), reward 2, value 1: A = 1, R = 2.
    rewards = torch.tensor([[0.0, 0.0, 1.0], [2.0, 7.0, 7.0]])
    values = torch.tensor([[0.5, 0.2, 0.8], [1.0, 9.0, 9.0]])
    valid = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    adv, ret = turn_gae(rewards, values, valid, gamma=0.9, lam=0.5)
    torch.testing.assert_close(adv, torch.tensor([[-0.0455, 0.61, 0.2], [1.0, 0.0, 0.0]]))
    torch.testing.assert_close(ret, torch.tensor([[0.4545, 0.81, 1.0], [2.0, 0.0, 0.0]]))
    # lambda = 1, gamma = 1: the advantage is the return-to-go minus the value.
    adv, _ = turn_gae(rewards[:1], values[:1], valid[:1], gamma=1.0, lam=1.0)
    torch.testing.assert_close(adv, torch.tensor([[0.5, 0.8, 0.2]]))


def test_ppo_loss_matches_hand_values():
    # Tokens: row 0 has two model tokens and an env token; advantages per token as GAE would give them.
    ratios = torch.tensor([[1.5, 0.9, 4.0]])
    old = torch.tensor([[-1.0, -2.0, -0.5]])
    logps = (old + torch.log(ratios)).requires_grad_(True)
    adv = torch.tensor([[1.0, -2.0, 0.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    entropy = torch.tensor([[2.0, 1.0, 9.0]])
    # Turns: two, values moved from old (0.0, 1.0) to (0.5, 1.1) towards returns (1.0, 0.0).
    values = torch.tensor([[0.5, 1.1]], requires_grad=True)
    old_values = torch.tensor([[0.0, 1.0]])
    returns = torch.tensor([[1.0, 0.0]])
    valid = torch.ones(1, 2)
    cfg = PpoConfig(epsilon=0.2, value_clip=0.2, vf_coef=0.5, entropy_coef=0.01)
    loss, parts = ppo_loss(logps, old, adv, mask, entropy, values, old_values, returns, valid, cfg)
    # policy: token 0: -min(1.5 * 1, 1.2 * 1) = -1.2; token 1: -min(0.9 * -2, 0.9 * -2) = 1.8; mean = 0.3
    # value:  turn 0: max((0.5 - 1)^2, (0 + 0.2 - 1)^2) = max(0.25, 0.64) = 0.64 (the clip holds it back)
    #         turn 1: max((1.1 - 0)^2, (1.0 + 0.1 - 0)^2) = 1.21;  0.5 * mean = 0.5 * 0.925 = 0.4625
    # entropy of model tokens: 1.5;  loss = 0.3 + 0.5 * 0.4625 - 0.01 * 1.5
    assert parts["policy_loss"].item() == pytest.approx(0.3, abs=1e-6)
    assert parts["value_loss"].item() == pytest.approx(0.4625, abs=1e-6)
    assert parts["entropy"].item() == pytest.approx(1.5)
    assert loss.item() == pytest.approx(0.3 + 0.5 * 0.4625 - 0.015, abs=1e-6)
    assert parts["clip_fraction"].item() == pytest.approx(0.5)  # token 0 of the 2 model tokens
    loss.backward()
    # Clipped token 0 and the env token get no policy gradient; token 1: d/dlogp (-r A) / 2 = 0.9.
    torch.testing.assert_close(logps.grad, torch.tensor([[0.0, 0.9, 0.0]]))
    # Turn 0's value is held by the clip (no gradient); turn 1: vf_coef 0.5 * 0.5 * (1/2 turns) * 2 * (1.1 - 0).
    torch.testing.assert_close(values.grad, torch.tensor([[0.0, 0.275]]))


PROMPT = [3, 4, 5]
ENV_REPLY = [50, 51, 52]


def reward(ids):
    return 1.0 if ids[0] < 32 else 0.0


def rewarded_share(model):
    """Probability of a rewarded first token in turn one, and in turn two after a fixed first turn."""
    return (prob_of(model, PROMPT, list(range(32))) + prob_of(model, PROMPT + [7, 8] + ENV_REPLY, list(range(32)))) / 2


def test_ppo_steps_raise_the_reward_of_a_two_turn_task():
    model = tiny_policy(0)
    gen = torch.Generator().manual_seed(0)
    trainer = make_trainer("ppo", model, {"learning_rate": 1e-2, "value_learning_rate": 5e-2, "gamma": 1.0,
                                          "lam": 0.95, "entropy_coef": 0.001})
    before = rewarded_share(model)
    value_means = []
    for step in range(6):
        rows = [sample_episode(model, PROMPT, 2, 2, ENV_REPLY, reward, f"g{i}", gen) for i in range(12)]
        metrics = trainer.step(rows)
        value_means.append(metrics["value_mean"])
    after = rewarded_share(model)
    assert after > before + 0.15, (before, after)
    # The head starts at V = 0; turn returns-to-go here average about 1 (turn one) and 0.5 (turn two).
    assert value_means[0] == 0.0 and value_means[-1] > 0.3, value_means
    for key in ("loss", "clip_fraction", "entropy", "approx_kl", "grad_norm", "tokens_per_s", "peak_memory_mb"):
        assert math.isfinite(metrics[key]), key
    assert set(trainer.extra_modules()) == {"value_head"}


def test_value_head_is_part_of_the_resumable_state():
    model = tiny_policy(0)
    gen = torch.Generator().manual_seed(2)
    rows = [sample_episode(model, PROMPT, 2, 2, ENV_REPLY, reward, "g", gen) for _ in range(4)]
    a = make_trainer("ppo", model, {"value_learning_rate": 1e-2})
    a.step(rows)
    assert a.value_head.weight.abs().sum() > 0
    b = make_trainer("ppo", model, {})
    b.load_state_dict(a.state_dict())
    torch.testing.assert_close(b.value_head.weight, a.value_head.weight)
    with pytest.raises(ValueError, match=r"config\.lam: must be in \[0, 1\]"):
        make_trainer("ppo", model, {"lam": 1.5})
