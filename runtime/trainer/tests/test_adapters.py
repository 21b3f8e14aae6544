"""Adapters on disk: named by the hash of their bytes, and a save → load round trip is exact."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch

from palestra_trainer.adapters import load_adapter_weights, save_adapter
from palestra_trainer.model import load_policy

IDS = torch.tensor([[1, 7, 42, 300, 12, 5]])


def _perturb(model, seed: int) -> None:
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                p.add_(0.3 * torch.randn(p.shape, generator=gen))


def test_save_then_load_gives_identical_logits(tiny_dir: Path, tmp_path: Path) -> None:
    trained = load_policy(tiny_dir, lora_rank=4, device="cpu", seed=0)
    _perturb(trained.model, 1)
    sha, folder = save_adapter(trained.model, tmp_path / "adapters")
    assert folder == tmp_path / "adapters" / sha
    assert sorted(p.name for p in folder.iterdir()) == ["adapter_config.json", "adapter_model.safetensors"]
    assert hashlib.sha256((folder / "adapter_model.safetensors").read_bytes()).hexdigest() == sha
    assert json.loads((folder / "adapter_config.json").read_text())["r"] == 4

    fresh = load_policy(tiny_dir, lora_rank=4, device="cpu", seed=5)  # different initial adapter
    with torch.no_grad():
        before = fresh.model(input_ids=IDS).logits
        load_adapter_weights(fresh.model, folder)
        after = fresh.model(input_ids=IDS).logits
        expected = trained.model(input_ids=IDS).logits
    assert not torch.equal(before, expected)
    assert torch.equal(after, expected)


def test_same_weights_same_name_and_extra_modules_beside(tiny_dir: Path, tmp_path: Path) -> None:
    policy = load_policy(tiny_dir, lora_rank=4, device="cpu")
    head = torch.nn.Linear(64, 1)
    a, _ = save_adapter(policy.model, tmp_path / "adapters", {"value_head": head})
    b, folder = save_adapter(policy.model, tmp_path / "adapters", {"value_head": head})
    assert a == b and (folder / "value_head.safetensors").is_file()
    _perturb(policy.model, 2)
    c, _ = save_adapter(policy.model, tmp_path / "adapters")
    assert c != a
    assert not [p for p in (tmp_path / "adapters").iterdir() if p.name.startswith(".tmp")]
