"""Loading a policy from a local folder: clear errors for incomplete folders, LoRA, NF4 path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from palestra_trainer.model import ModelFolderError, check_model_folder, load_policy


def _copy(tiny_dir: Path, tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(tiny_dir, target)
    return target


def test_missing_folder_names_it_and_says_nothing_is_downloaded(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-model"
    with pytest.raises(ModelFolderError) as err:
        load_policy(missing, lora_rank=4, device="cpu")
    assert str(missing) in str(err.value)
    assert "does not exist" in str(err.value)
    assert "never downloads" in str(err.value)


@pytest.mark.parametrize(
    ("remove", "expected"),
    [("config.json", "no config.json"), ("model.safetensors", "no weights"), ("tokenizer.json", "no tokenizer")],
)
def test_incomplete_folder_names_the_missing_file(tiny_dir: Path, tmp_path: Path, remove: str, expected: str) -> None:
    folder = _copy(tiny_dir, tmp_path)
    (folder / remove).unlink()
    with pytest.raises(ModelFolderError) as err:
        check_model_folder(folder)
    assert expected in str(err.value) and str(folder) in str(err.value)


def test_fresh_adapter_behaves_like_the_base(tiny_dir: Path) -> None:
    policy = load_policy(tiny_dir, lora_rank=4, device="cpu")
    ids = torch.tensor([[1, 5, 9, 30, 200]])
    with torch.no_grad():
        adapted = policy.model(input_ids=ids).logits
        with policy.model.disable_adapter():
            base = policy.model(input_ids=ids).logits
    assert torch.equal(adapted, base)  # LoRA's B starts at zero
    trainable = [n for n, p in policy.model.named_parameters() if p.requires_grad]
    assert trainable and all("lora_" in n for n in trainable)
    assert str(policy.device) == "cpu"


def test_cuda_without_a_gpu_is_a_clear_error(tiny_dir: Path) -> None:
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="no CUDA device"):
        load_policy(tiny_dir, lora_rank=4, device="cuda")


def test_nf4_base_loads_on_cpu_and_trains_lora(tiny_dir: Path) -> None:
    """QLoRA's loading path: 4-bit NF4 linear layers under LoRA, gradients reach the adapter."""
    import bitsandbytes as bnb

    policy = load_policy(tiny_dir, lora_rank=4, device="cpu", quantize="nf4")
    four_bit = [m for m in policy.model.modules() if isinstance(m, bnb.nn.Linear4bit)]
    assert len(four_bit) == 2 * 7  # every projection of both layers
    assert four_bit[0].weight.quant_type == "nf4"
    out = policy.model(input_ids=torch.tensor([[1, 5, 9, 30]]))
    out.logits.float().logsumexp(-1).mean().backward()
    grads = [p.grad for n, p in policy.model.named_parameters() if "lora_B" in n]
    assert grads and all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads)


def test_model_tiny_is_built_once_into_place(tmp_path: Path, monkeypatch) -> None:
    from palestra_trainer.model import tiny_dir

    monkeypatch.setenv("PALESTRA_TINY_DIR", str(tmp_path / "tiny"))
    folder = tiny_dir()
    stamp = (folder / "model.safetensors").stat().st_mtime_ns
    assert tiny_dir() == folder and (folder / "model.safetensors").stat().st_mtime_ns == stamp
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]  # no staging folder left behind
    policy = load_policy("tiny", lora_rank=2, device="cpu")
    assert policy.model_name == "tiny" and policy.model_dir == folder


def test_nf4_sampler_logprobs_match_the_training_forward(tiny_dir: Path) -> None:
    """The server samples with no grad in eval mode; the trainer recomputes with grad in train mode.
    On an NF4 base both must take the same 4-bit path, or every ratio starts away from 1."""
    from palestra_trainer.sampling import SampleRequest, sample

    policy = load_policy(tiny_dir, lora_rank=4, device="cpu", quantize="nf4")
    prompt = [1, 5, 9, 30, 200, 17]
    policy.model.eval()
    (s,) = sample(policy.model, [SampleRequest(prompt, max_tokens=8, seed=0)], set(), 0, policy.device)[0]
    policy.model.train()
    logits = policy.model(input_ids=torch.tensor([prompt + s.token_ids])).logits[0].float()
    logp = torch.log_softmax(logits[len(prompt) - 1 : -1], -1).gather(-1, torch.tensor(s.token_ids)[:, None])
    assert torch.allclose(logp.squeeze(-1).detach(), torch.tensor(s.logprobs), atol=1e-3)
