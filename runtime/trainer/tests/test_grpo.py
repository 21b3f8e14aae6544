"""GRPO loss against hand-computed values, advantages and zero-variance groups, and a few real
optimisation steps on a tiny Qwen2 + LoRA that raise the probability of rewarded completions."""

import math

import pytest
import torch

from palestra_trainer.algorithms import make_trainer
from palestra_trainer.grpo import GrpoConfig, group_advantages, grpo_loss
from tiny_policy import prob_of, sample_episode, tiny_policy

torch.set_num_threads(1)

# Two rows, three completion positions. Row 1's middle token is an environment token (mask 0); its
# ratio of 3.0 would be clipped-and-counted if the mask leaked.
MASK = torch.tensor([[1.0, 1.0, 1.0], [1.0, 0.0, 1.0]])
RATIOS = [[1.5, 0.9, 5.0], [0.7, 3.0, 1.1]]
ADV = torch.tensor([1.0, -1.0])


def inputs(requires_grad=True):
    old = torch.tensor([[-1.0, -2.0, -0.5], [-0.3, -1.2, -2.2]])
    logps = (old + torch.log(torch.tensor(RATIOS))).clone().requires_grad_(requires_grad)
    return logps, old


# Per-token losses l = -min(r A, clip(r, 0.8, 1.2) A), by hand:
#   row 0 (A = +1): r 1.5 -> -1.2 (clipped high), r 0.9 -> -0.9, r 5.0 -> -1.2 (clipped high)
#   row 1 (A = -1): r 0.7 -> +0.8 (clipped low), env token, r 1.1 -> +1.1
ROW0 = [-1.2, -0.9, -1.2]
ROW1 = [0.8, 1.1]


@pytest.mark.parametrize(
    "loss_type, expected",
    [
        ("grpo", (sum(ROW0) / 3 + sum(ROW1) / 2) / 2),  # mean of per-row means
        ("bnpo", (sum(ROW0) + sum(ROW1)) / 5),  # over the 5 active tokens
        ("dapo", (sum(ROW0) + sum(ROW1)) / 5),
        ("dr_grpo", (sum(ROW0) + sum(ROW1)) / (2 * 4)),  # B * max_completion_length
    ],
)
def test_loss_types_match_hand_values(loss_type, expected):
    logps, old = inputs()
    cfg = GrpoConfig(loss_type=loss_type, max_completion_length=4)
    loss, stats = grpo_loss(logps, old, None, ADV, MASK, cfg)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    # 2 tokens clipped high (A > 0, r > 1.2), 1 clipped low (A < 0, r < 0.8), of 5 active tokens.
    assert stats["clip_fraction_high"] == pytest.approx(2 / 5)
    assert stats["clip_fraction_low"] == pytest.approx(1 / 5)
    assert "kl" not in stats


def test_clipped_and_env_tokens_get_no_gradient():
    logps, old = inputs()
    loss, _ = grpo_loss(logps, old, None, ADV, MASK, GrpoConfig(loss_type="dapo"))
    loss.backward()
    # d l / d logp = -A r for unclipped tokens (d r / d logp = r), divided by the 5 active tokens.
    expected = torch.tensor([[0.0, -1 * 0.9 / 5, 0.0], [0.0, 0.0, 1.1 / 5]])
    torch.testing.assert_close(logps.grad, expected)


def test_epsilon_high_widens_the_upper_clip_only():
    logps, old = inputs()
    loss, stats = grpo_loss(logps, old, None, ADV, MASK, GrpoConfig(loss_type="dapo", epsilon_high=0.28))
    # row 0's clipped tokens now give -1.28 each; row 1's lower clip (0.8) is unchanged.
    assert loss.item() == pytest.approx((-1.28 - 0.9 - 1.28 + 0.8 + 1.1) / 5, abs=1e-6)
    assert stats["clip_fraction_high"] == pytest.approx(2 / 5)


@pytest.mark.parametrize("bias_correction", [False, True])
def test_beta_adds_the_k3_kl_to_the_reference(bias_correction):
    logps, old = inputs()
    ref = torch.tensor([[-1.0, -1.0, -1.0], [-1.0, -1.0, -1.0]])
    beta = 0.1
    cfg = GrpoConfig(loss_type="dapo", beta=beta, use_bias_correction_kl=bias_correction)
    loss, stats = grpo_loss(logps, old, ref, ADV, MASK, cfg)
    kls = []
    for i in range(2):
        for t in range(3):
            if MASK[i, t]:
                d = -1.0 - (old[i, t].item() + math.log(RATIOS[i][t]))
                # With bias correction the k3 term is weighted by the token's ratio.
                kls.append((math.exp(d) - d - 1) * (RATIOS[i][t] if bias_correction else 1.0))
    assert loss.item() == pytest.approx((sum(ROW0) + sum(ROW1) + beta * sum(kls)) / 5, abs=1e-6)
    assert stats["kl"] == pytest.approx(sum(kls) / 5, abs=1e-6)
    with pytest.raises(ValueError, match="ref_logps"):
        grpo_loss(logps, old, None, ADV, MASK, GrpoConfig(beta=beta))


def test_sequence_level_importance_sampling():
    logps, old = inputs()
    loss, _ = grpo_loss(logps, old, None, ADV, MASK, GrpoConfig(loss_type="grpo", importance_sampling_level="sequence"))
    r0 = (1.5 * 0.9 * 5.0) ** (1 / 3)  # geometric mean over row 0's three tokens = 1.89 -> clipped to 1.2
    r1 = (0.7 * 1.1) ** (1 / 2)  # over row 1's two model tokens = 0.877, inside the clip
    assert r0 > 1.2 and 0.8 < r1 < 1.2
    assert loss.item() == pytest.approx((-1.2 + r1) / 2, abs=1e-6)


def test_advantages_scale_rewards_and_zero_variance_groups():
    returns = torch.tensor([1.0, 0.0, 1.0, 1.0])
    groups = ["a", "a", "b", "b"]
    # group a: mean 0.5, unbiased std sqrt(0.5); group b: all equal -> advantage 0, no signal.
    adv, zero = group_advantages(returns, groups, "group")
    s = math.sqrt(0.5) + 1e-4
    torch.testing.assert_close(adv, torch.tensor([0.5 / s, -0.5 / s, 0.0, 0.0]))
    assert zero == 0.5
    adv, _ = group_advantages(returns, groups, "batch")  # batch std of [1,0,1,1] = 0.5
    torch.testing.assert_close(adv, torch.tensor([0.5 / 0.5001, -0.5 / 0.5001, 0.0, 0.0]))
    adv, _ = group_advantages(returns, groups, "none")
    torch.testing.assert_close(adv, torch.tensor([0.5, -0.5, 0.0, 0.0]))


def test_make_trainer_rejects_unknown_keys_and_bad_values():
    model = tiny_policy(0)
    with pytest.raises(ValueError, match=r"config\.epsilon_hgih: unknown option for grpo"):
        make_trainer("grpo", model, {"epsilon_hgih": 0.28})
    with pytest.raises(ValueError, match=r"config\.loss_type: expected one of \['grpo', 'bnpo', 'dr_grpo', 'dapo'\]"):
        make_trainer("grpo", model, {"loss_type": "ppo"})
    with pytest.raises(ValueError, match=r"config\.beta: expected a number"):
        make_trainer("grpo", model, {"beta": "0.1"})
    with pytest.raises(ValueError, match=r"config\.epsilon: must be > 0"):
        make_trainer("grpo", model, {"epsilon": 0})
    with pytest.raises(ValueError, match=r"algo: expected one of"):
        make_trainer("dpo", model, {})
    assert make_trainer("grpo", model, {"epsilon_high": None}).config.epsilon_high == 0.2


# The task: after prompt [3, 4, 5], the first token of each turn is rewarded if it is in the lower half
# of the vocabulary. A random tiny model starts near 50%; GRPO must push it up.
PROMPT = [3, 4, 5]
GOOD = list(range(32))


def reward(ids):
    return 1.0 if ids[0] < 32 else 0.0


@pytest.mark.parametrize("beta", [0.0, 0.02])
def test_grpo_steps_raise_the_probability_of_rewarded_completions(beta):
    model = tiny_policy(0)
    gen = torch.Generator().manual_seed(0)
    trainer = make_trainer("grpo", model, {"learning_rate": 1e-2, "beta": beta, "epsilon_high": 0.28})
    before = prob_of(model, PROMPT, GOOD)
    for step in range(6):
        rows = [sample_episode(model, PROMPT, 1, 2, [], reward, f"g{g}", gen) for g in range(4) for _ in range(4)]
        metrics = trainer.step(rows)
    after = prob_of(model, PROMPT, GOOD)
    assert after > before + 0.2, (before, after)
    for key in ("loss", "clip_fraction", "entropy", "reward_mean", "reward_std", "zero_variance_groups",
                "grad_norm", "tokens", "tokens_per_s", "peak_memory_mb", "learning_rate"):
        assert math.isfinite(metrics[key]), key
    assert ("kl" in metrics) == (beta > 0)
    assert metrics["tokens"] == 16 * (3 + 2)


def test_state_dict_resumes_the_optimizer():
    model = tiny_policy(0)
    gen = torch.Generator().manual_seed(1)
    rows = [sample_episode(model, PROMPT, 1, 2, [], reward, f"g{g}", gen) for g in range(2) for _ in range(4)]
    a = make_trainer("grpo", model, {"learning_rate": 1e-3})
    a.step(rows)
    b = make_trainer("grpo", model, {"learning_rate": 5e-4})
    b.load_state_dict(a.state_dict())
    assert b.steps == 1
    assert b.optimizer.param_groups[0]["lr"] == 5e-4  # the new config's, not the saved one's
    sa, sb = a.optimizer.state_dict()["state"], b.optimizer.state_dict()["state"]
    assert len(sb) == len(sa) > 0
    torch.testing.assert_close(sb[0]["exp_avg"], sa[0]["exp_avg"])


def test_a_new_algorithm_continues_the_adapter_moments():
    """GRPO (or PPO) after the SFT warm start: the adapter's AdamW moments carry over, so the first
    step is scaled by each parameter's gradient history instead of being a fresh AdamW's sign step."""
    gen = torch.Generator().manual_seed(2)
    model = tiny_policy(0)
    rows = [sample_episode(model, PROMPT, 1, 2, [], reward, f"g{g}", gen) for g in range(2) for _ in range(4)]
    warm = make_trainer("grpo", model, {"learning_rate": 1e-3})
    for _ in range(3):
        warm.step(rows)

    ppo = make_trainer("ppo", model, {"learning_rate": 5e-4})
    adopted = ppo.adopt_adapter_moments(warm.state_dict())
    ours, theirs = ppo.optimizer.param_groups[0]["params"], warm.optimizer.param_groups[0]["params"]
    assert adopted == len(ours) == len(theirs) > 0
    for p, q in zip(ours, theirs):
        torch.testing.assert_close(ppo.optimizer.state[p]["exp_avg_sq"], warm.optimizer.state[q]["exp_avg_sq"])
    assert not any(p in ppo.optimizer.state for g in ppo.optimizer.param_groups[1:] for p in g["params"])
    assert ppo.optimizer.param_groups[0]["lr"] == 5e-4  # the new algorithm's own hyperparameters

    def first_step_size(trainer):
        before = [p.detach().clone() for p in trainer.optimizer.param_groups[0]["params"]]
        state = {k: v.clone() for k, v in model.state_dict().items()}
        trainer.step(rows)
        deltas = torch.cat([(p - b).abs().flatten() for p, b in zip(trainer.optimizer.param_groups[0]["params"], before)])
        moved = float(deltas.mean())
        model.load_state_dict(state)
        return moved

    fresh = make_trainer("grpo", model, {"learning_rate": 1e-3})
    carried = make_trainer("grpo", model, {"learning_rate": 1e-3})
    carried.adopt_adapter_moments(warm.state_dict())
    sign_step, scaled = first_step_size(fresh), first_step_size(carried)
    assert sign_step > 0.5e-3, sign_step  # most weights move by about lr, whatever their gradient
    assert scaled < 0.8 * sign_step, (scaled, sign_step)  # measured 0.65e-3 vs 1.0e-3


def test_num_iterations_takes_several_optimizer_steps_on_one_batch():
    """TRL's μ: `num_iterations=3` updates three times on the same rows (the ratio to the sampler's
    log-probabilities moves away from 1 and the clip starts to bite); `steps` counts optimizer updates,
    as with PPO's epochs."""
    with pytest.raises(ValueError, match=r"config\.num_iterations: must be >= 1"):
        make_trainer("grpo", tiny_policy(0), {"num_iterations": 0})
    moved = {}
    for n in (1, 3):
        model = tiny_policy(0)
        gen = torch.Generator().manual_seed(2)
        rows = [sample_episode(model, PROMPT, 1, 2, [], reward, f"g{g}", gen) for g in range(4) for _ in range(4)]
        before = prob_of(model, PROMPT, GOOD)
        trainer = make_trainer("grpo", model, {"learning_rate": 2e-3, "num_iterations": n})
        metrics = trainer.step(rows)
        moved[n] = prob_of(model, PROMPT, GOOD) - before
        assert trainer.steps == n
        assert metrics["ratio_mean"] == pytest.approx(1.0, abs=1e-4)  # the first iteration's: the sampler's policy
    assert moved[3] > moved[1] > 0, moved
