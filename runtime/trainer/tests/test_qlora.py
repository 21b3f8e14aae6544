"""QLoRA on CPU: a 4-bit NF4 base (bitsandbytes, bf16 compute) with a peft LoRA adapter trains.

bitsandbytes 0.50 registers a native CPU backend for 4-bit quantize/dequantize/matmul. On import it
logs "Failed to load CPU gemm_4bit_forward from kernels-community: No module named 'kernels'": that
optional package would download an optimised kernel from the Hugging Face hub, which Palestra never
does; bitsandbytes falls back to its built-in CPU path, which is what this test runs.

Found here (bitsandbytes 0.50.2, this machine's CPU has AVX512-BF16): an eval-mode forward without
grad — sampling — repacks every 4-bit weight for an inference-only kernel. Training after that fails
(`RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place
operation`, bitsandbytes/autograd/_functions.py, `result += bias`), and the inference kernel's
log-probabilities differ from the training path's (mean ratio ~0.92 on this model), which GRPO's
sampler-logprob ratio would read as policy drift. `keep_4bit_weights_trainable` (trainer_base.py)
undoes the repacking and switches it off; the trainers call it on every step, and the service should
call it right after loading a 4-bit model so that sampling uses the same path as training.

Found here: that CPU path repacks each 4-bit weight into blocks of 64 input features, so a layer
with fewer than 64 input features fails in the forward with `RuntimeError: shape '[32, 0]' is
invalid for input of size 16` (bitsandbytes/functional.py, `_convert_weight_packed_for_cpu`). The
tests' usual hidden size of 32 hits it; this test uses 64. Real models (hidden >= 896) are far above.
"""

import torch
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig

from palestra_trainer.algorithms import make_trainer
from tiny_policy import LORA_TARGETS, sample_episode, tiny_base

torch.set_num_threads(1)


def qlora_policy(tmp_path):
    tiny_base(0, hidden=64).save_pretrained(tmp_path)  # >= 64 input features, see above
    quant = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=torch.bfloat16)
    base = AutoModelForCausalLM.from_pretrained(tmp_path, quantization_config=quant, device_map="cpu")
    base = prepare_model_for_kbit_training(base, use_gradient_checkpointing=False)
    return get_peft_model(base, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=LORA_TARGETS))


def test_a_grpo_and_an_sft_step_on_a_4bit_nf4_base_on_cpu(tmp_path):
    import bitsandbytes as bnb

    model = qlora_policy(tmp_path)
    q_proj = model.get_base_model().model.layers[0].self_attn.q_proj
    assert isinstance(q_proj.base_layer, bnb.nn.Linear4bit)
    assert q_proj.base_layer.weight.quant_state.quant_type == "nf4"
    lora_before = {n: p.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
    assert lora_before and all("lora_" in n for n in lora_before)

    gen = torch.Generator().manual_seed(0)
    reward = lambda ids: 1.0 if ids[0] < 32 else 0.0  # noqa: E731
    sample = lambda: [sample_episode(model, [3, 4, 5], 2, 2, [50, 51], reward, f"g{g}", gen)  # noqa: E731
                      for g in range(2) for _ in range(4)]
    # Sampling in eval mode without grad: on an AVX512-BF16 CPU bitsandbytes repacks the weights for
    # its inference kernel here, which training cannot use; the trainer must undo it.
    rows = sample()
    grpo = make_trainer("grpo", model, {"learning_rate": 1e-2, "beta": 0.04})
    m = grpo.step(rows)
    assert torch.isfinite(torch.tensor([m["loss"], m["kl"], m["grad_norm"], m["entropy"]])).all(), m
    assert m["grad_norm"] > 0
    assert not getattr(q_proj.base_layer.weight.quant_state, "packing_format_for_cpu", False)

    # From now on sampling and training share the dequantize path, so the sampler's log-probabilities
    # equal the trainer's: the ratio is 1 before the update. (With the inference kernel it was ~0.92.)
    packed = q_proj.base_layer.weight.data.clone()
    m = grpo.step(sample())
    assert abs(m["ratio_mean"] - 1.0) < 1e-3, m["ratio_mean"]
    assert m["kl"] > 0  # the adapter has moved away from the (adapter-disabled) reference
    sft = make_trainer("sft", model, {"learning_rate": 1e-2})
    assert torch.isfinite(torch.tensor(sft.step(rows)["loss"]))

    changed = [n for n, p in model.named_parameters() if p.requires_grad and not torch.equal(p, lora_before[n])]
    assert len(changed) == len(lora_before)  # B moved on the first step, A after it
    assert torch.equal(q_proj.base_layer.weight.data, packed)  # the 4-bit base is frozen
