"""Palestra's hand-written GRPO loss has TRL's advantages, loss and gradients on identical rows.

The fixture (tests/fixtures/trl_grpo_grads.{safetensors,json}) holds a tiny Qwen2 model's weights,
six rows in two groups (with environment tokens inside completions and unequal prompt and
completion lengths), and, for each case — loss_type grpo / bnpo / dr_grpo / dapo, beta > 0,
sequence-level importance sampling, scale_rewards batch / none, and TRL's on-policy default (no old
log-probabilities given, i.e. Palestra's old_logprobs="recompute") — the advantages, loss and
per-parameter gradients that TRL's `GRPOTrainer._compute_loss` produced, fed the rows through its
`rollout_func`. TRL itself is not installed here; to regenerate the fixture (e.g. after a TRL upgrade):

    bash bench/trainer/setup.sh
    bench/trainer/.venv/bin/python bench/trainer/trl_fixture.py
"""

import json
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file
from transformers import Qwen2Config, Qwen2ForCausalLM

from palestra_trainer.grpo import GrpoConfig, group_advantages, grpo_loss
from palestra_trainer.logprobs import completion_logprobs
from palestra_trainer.rows import collate, parse_rows

torch.set_num_threads(1)

FIXTURE = Path(__file__).parent / "fixtures" / "trl_grpo_grads"
META = json.loads(FIXTURE.with_suffix(".json").read_text())
TENSORS = load_file(str(FIXTURE.with_suffix(".safetensors")))


def fixture_model() -> Qwen2ForCausalLM:
    model = Qwen2ForCausalLM(Qwen2Config(**META["model_config"]))
    weights = {k[len("weight/"):]: v for k, v in TENSORS.items() if k.startswith("weight/")}
    missing, unexpected = model.load_state_dict(weights, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}  # tied to embed_tokens
    return model.train()


def test_the_fixture_is_small_and_covers_every_loss_type():
    size = sum(FIXTURE.with_suffix(s).stat().st_size for s in (".json", ".safetensors"))
    assert size < 1_000_000
    assert {c["config"]["loss_type"] for c in META["cases"]} == {"grpo", "bnpo", "dr_grpo", "dapo"}


@pytest.mark.parametrize("case", META["cases"], ids=[c["name"] for c in META["cases"]])
def test_grpo_loss_matches_trl(case):
    cfg = GrpoConfig(**case["config"])
    rows = parse_rows(META["rows"])
    model = fixture_model()
    batch = collate(rows, pad_id=model.config.pad_token_id)

    advantages, _ = group_advantages(batch.returns, batch.groups, cfg.scale_rewards)
    torch.testing.assert_close(advantages, torch.tensor(case["advantages"]), atol=1e-6, rtol=1e-6)

    ref = None
    if cfg.beta:
        ref = torch.zeros_like(batch.old_logps)
        for i, r in enumerate(META["ref_logprobs"]):
            ref[i, : len(r)] = torch.tensor(r)
    old = batch.old_logps
    if cfg.old_logprobs == "recompute":  # what GrpoTrainer does: a no-grad pass of the current policy
        with torch.no_grad():
            old = completion_logprobs(model, batch, cfg.temperature, with_entropy=False).logps
    out = completion_logprobs(model, batch, cfg.temperature)
    loss, stats = grpo_loss(out.logps, old, ref, advantages, batch.mask, cfg)
    loss.backward()

    assert loss.item() == pytest.approx(case["loss"], abs=1e-6, rel=1e-5)
    prefix = f"grad/{case['name']}/"
    trl_grads = {k[len(prefix):]: v for k, v in TENSORS.items() if k.startswith(prefix)}
    ours = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
    assert set(ours) == set(trl_grads)
    for name, g in trl_grads.items():
        assert g.abs().max() > 0 or name.endswith("bias"), name  # a vacuous all-zero gradient proves nothing
        torch.testing.assert_close(ours[name], g, atol=1e-6, rtol=1e-4, msg=lambda m: f"{name}: {m}")
    # Ratios in the fixture fall outside the clip on both sides, so clipping is exercised.
    if cfg.importance_sampling_level == "token" and cfg.old_logprobs == "sampler":
        assert stats["clip_fraction_low"] > 0 and stats["clip_fraction_high"] > 0, stats
