"""Writes runtime/trainer/tests/fixtures/trl_grpo_grads.{safetensors,json}: TRL's GRPO loss and
gradients on a tiny model and fixed rows, for each loss type and option Palestra supports.

    bash bench/trainer/setup.sh                              # once: bench/trainer/.venv with TRL
    bench/trainer/.venv/bin/python bench/trainer/trl_fixture.py
    npx biome format --write runtime/trainer/tests/fixtures/trl_grpo_grads.json   # the repo's JSON style

How TRL is driven: a real `trl.GRPOTrainer` over the tiny model, whose `rollout_func` returns the
fixed rows (prompt_ids, completion_ids, logprobs, env_mask) and whose reward function returns each
row's return. `_generate_and_score_completions` turns them into TRL's inputs dict (padding, masks,
advantages with TRL's own group statistics); then, per case, the trainer's loss options are set,
the sampler's log-probabilities are put in as `old_per_token_logps` (Palestra's default;
TRL itself uses them when num_iterations > 1) and, for beta > 0, fixed reference log-probabilities
as `ref_per_token_logps`; `_compute_loss` runs and `backward()` gives the gradients.

runtime/trainer/tests/test_grpo_trl.py then checks that Palestra's `grpo_loss` gives the same
advantages, loss and per-parameter gradients. TRL never enters the trainer's own test venv.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import torch

os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")
from datasets import Dataset  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from tokenizers import Tokenizer, models  # noqa: E402
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM  # noqa: E402
from trl import GRPOConfig, GRPOTrainer  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "runtime/trainer/tests/fixtures"

VOCAB = 64
MODEL_CONFIG = dict(
    vocab_size=VOCAB, hidden_size=16, intermediate_size=32, num_hidden_layers=2, num_attention_heads=4,
    num_key_value_heads=2, max_position_embeddings=64, tie_word_embeddings=True, pad_token_id=0,
    eos_token_id=1, initializer_range=0.2,
)

# Two groups of three rows (a group = one task and seed, hence one prompt). Prompt lengths differ
# between groups, completion lengths within them; env tokens (mask 0) sit between model turns.
ROWS = [
    dict(group="task-0", prompt_ids=[5, 6, 7], completion_ids=[10, 11, 40, 41, 12], env_mask=[1, 1, 0, 0, 1], rewards=[0.0, 1.0]),
    dict(group="task-0", prompt_ids=[5, 6, 7], completion_ids=[13, 14, 15], env_mask=[1, 1, 1], rewards=[0.0]),
    dict(group="task-0", prompt_ids=[5, 6, 7], completion_ids=[16, 42, 17, 18, 19, 1], env_mask=[1, 0, 1, 1, 1, 1], rewards=[0.5, 0.25]),
    dict(group="task-1", prompt_ids=[8, 9], completion_ids=[20, 21, 22, 23], env_mask=[1, 1, 1, 1], rewards=[1.0]),
    dict(group="task-1", prompt_ids=[8, 9], completion_ids=[24, 43, 44, 25, 26], env_mask=[1, 0, 0, 1, 1], rewards=[0.0, 0.0]),
    dict(group="task-1", prompt_ids=[8, 9], completion_ids=[27, 28], env_mask=[1, 1], rewards=[0.25]),
]
MAX_COMPLETION_LENGTH = 8

# (name, Palestra GrpoConfig options). scale_rewards changes TRL's advantages, the rest its loss.
CASES = [
    ("grpo", dict(loss_type="grpo", epsilon_high=0.28)),
    ("bnpo", dict(loss_type="bnpo", epsilon_high=0.28)),
    ("dr_grpo", dict(loss_type="dr_grpo", epsilon_high=0.28)),
    ("dapo", dict(loss_type="dapo", epsilon_high=0.28)),
    ("dapo_beta", dict(loss_type="dapo", beta=0.04)),
    ("grpo_beta_no_bias_correction", dict(loss_type="grpo", beta=0.04, use_bias_correction_kl=False)),
    ("grpo_sequence", dict(loss_type="grpo", importance_sampling_level="sequence")),
    ("dapo_scale_batch", dict(loss_type="dapo", scale_rewards="batch")),
    ("dr_grpo_scale_none", dict(loss_type="dr_grpo", scale_rewards="none")),
    # TRL's own on-policy default: no old log-probabilities given, so it uses logp.detach() (ratio 1).
    ("dapo_recompute", dict(loss_type="dapo", beta=0.04, old_logprobs="recompute")),
]


def tokenizer() -> PreTrainedTokenizerFast:
    """A word-level tokenizer over "t0".."t63" (TRL needs one to decode completions for its logs)."""
    vocab = {f"t{i}": i for i in range(VOCAB)}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="t2"))
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="t0", eos_token="t1", unk_token="t2")


def padded(rows_values: list[list[float]], width: int) -> torch.Tensor:
    out = torch.zeros(len(rows_values), width)
    for i, v in enumerate(rows_values):
        out[i, : len(v)] = torch.tensor(v)
    return out


@torch.no_grad()
def true_logprobs(model: Qwen2ForCausalLM, row: dict) -> list[float]:
    ids = torch.tensor([row["prompt_ids"] + row["completion_ids"]])
    logp = torch.log_softmax(model(input_ids=ids).logits[0].float(), -1)
    p = len(row["prompt_ids"])
    return [float(logp[p - 1 + j, t]) for j, t in enumerate(row["completion_ids"])]


def main() -> None:
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(Qwen2Config(**MODEL_CONFIG))
    weights = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items() if k != "lm_head.weight"}

    # The "sampler's" log-probabilities: the model's own, perturbed by up to +-0.4 so that ratios land
    # on both sides of both clips; env tokens get 0.0 as the rollout engine sends them. The reference
    # (for beta > 0) is perturbed independently.
    gen = torch.Generator().manual_seed(1)
    for row in ROWS:
        true = true_logprobs(model, row)
        noise = (torch.rand(len(true), generator=gen) * 0.8 - 0.4).tolist()
        row["logprobs"] = [min(0.0, t + n) if m else 0.0 for t, n, m in zip(true, noise, row["env_mask"])]
        ref_noise = (torch.rand(len(true), generator=gen) * 0.6 - 0.3).tolist()
        row["ref_logprobs"] = [min(0.0, t + n) for t, n in zip(true, ref_noise)]

    by_group: dict[str, list[dict]] = {}
    for row in ROWS:
        by_group.setdefault(row["group"], []).append(row)

    def rollout_func(prompts: list[str], trainer) -> dict:
        seen: dict[str, int] = {}
        picked = []
        for p in prompts:
            picked.append(by_group[p][seen.get(p, 0)])
            seen[p] = seen.get(p, 0) + 1
        return {
            "prompt_ids": [r["prompt_ids"] for r in picked],
            "completion_ids": [r["completion_ids"] for r in picked],
            "logprobs": [r["logprobs"] for r in picked],
            "env_mask": [r["env_mask"] for r in picked],
            "row_return": [sum(r["rewards"]) for r in picked],
        }

    def row_return(completions, row_return, **kwargs):
        return row_return

    args = GRPOConfig(
        output_dir=tempfile.mkdtemp(), per_device_train_batch_size=len(ROWS), num_generations=3,
        max_completion_length=MAX_COMPLETION_LENGTH, report_to="none", use_cpu=True, bf16=False,
        logging_steps=1, save_strategy="no",
    )
    trainer = GRPOTrainer(
        model=model, reward_funcs=[row_return], args=args, processing_class=tokenizer(),
        train_dataset=Dataset.from_dict({"prompt": ["task-0", "task-1"]}), rollout_func=rollout_func,
    )
    trainer.current_gradient_accumulation_steps = 1  # set by train(); one step, no accumulation
    trainer.model.train()
    width = max(len(r["completion_ids"]) for r in ROWS)
    tensors = {f"weight/{k}": v for k, v in weights.items()}
    results = []
    prompts = [{"prompt": r["group"]} for r in ROWS]
    for name, options in CASES:
        trainer.scale_rewards = options.get("scale_rewards", "group")
        trainer.beta = 0.0  # TRL would compute its own reference pass; the fixed one is put in below
        inputs = trainer._generate_and_score_completions(prompts)
        assert inputs["completion_ids"].shape[1] == width
        if options.get("old_logprobs", "sampler") == "sampler":
            inputs["old_per_token_logps"] = padded([r["logprobs"] for r in ROWS], width)
        else:
            inputs.pop("old_per_token_logps", None)
        trainer.loss_type = options["loss_type"]
        trainer.epsilon_low = options.get("epsilon", 0.2)
        trainer.epsilon_high = options.get("epsilon_high", trainer.epsilon_low)
        trainer.beta = options.get("beta", 0.0)
        trainer.importance_sampling_level = options.get("importance_sampling_level", "token")
        trainer.args.use_bias_correction_kl = options.get("use_bias_correction_kl", True)
        if trainer.beta:
            inputs["ref_per_token_logps"] = padded([r["ref_logprobs"] for r in ROWS], width)
        trainer.model.zero_grad(set_to_none=True)
        loss = trainer._compute_loss(trainer.model, inputs)
        loss.backward()
        grads = {n: p.grad.detach().clone() for n, p in trainer.model.named_parameters() if p.grad is not None}
        for n, g in grads.items():
            tensors[f"grad/{name}/{n}"] = g.contiguous()
        results.append({"name": name, "config": {**options, "max_completion_length": MAX_COMPLETION_LENGTH},
                        "loss": float(loss.detach()), "advantages": inputs["advantages"].tolist()})
        print(f"{name:20s} loss {float(loss.detach()): .6f}  grad params {len(grads)}")

    import trl
    import transformers

    OUT.mkdir(parents=True, exist_ok=True)
    save_file(tensors, OUT / "trl_grpo_grads.safetensors")
    meta = {
        "generated_by": "bench/trainer/trl_fixture.py",
        "versions": {"trl": trl.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
        "model_config": MODEL_CONFIG,
        "rows": [{k: r[k] for k in ("prompt_ids", "completion_ids", "logprobs", "env_mask", "rewards", "group")} for r in ROWS],
        "ref_logprobs": [r["ref_logprobs"] for r in ROWS],
        "cases": results,
    }
    (OUT / "trl_grpo_grads.json").write_text(json.dumps(meta, indent=1) + "\n")
    size = sum(f.stat().st_size for f in OUT.glob("trl_grpo_grads.*"))
    print(f"wrote {OUT}/trl_grpo_grads.* ({size / 1024:.0f} KiB)", file=sys.stderr)


if __name__ == "__main__":
    main()
