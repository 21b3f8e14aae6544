"""LoRA adapters on disk, named by the SHA-256 of their safetensors bytes.

A content name makes an adapter a commitment (the settlement and validators refer to it by hash),
makes saving idempotent, and lets a restarted server find exactly the weights it served.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

import torch
from peft import PeftModel, set_peft_model_state_dict
from safetensors.torch import load_file, save_file

ADAPTER_WEIGHTS = "adapter_model.safetensors"
ADAPTER_CONFIG = "adapter_config.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def save_adapter(
    model: PeftModel,
    adapters_dir: Path,
    extra_modules: dict[str, torch.nn.Module] | None = None,
    adapter_name: str = "default",
) -> tuple[str, Path]:
    """Save one adapter (and extra modules such as PPO's value head) under `adapters_dir/<sha256>/`.

    Written to a temporary folder first and renamed into place, so a crash never leaves a
    half-written adapter under a content name. Returns (sha256, folder).
    """
    adapters_dir.mkdir(parents=True, exist_ok=True)
    tmp = adapters_dir / f".tmp-{uuid.uuid4().hex}"
    # save_embedding_layers=False: LoRA on a (tied) lm_head leaves the base weights unchanged, so only
    # the LoRA matrices belong in the adapter; peft would otherwise copy the whole embedding.
    model.save_pretrained(
        str(tmp), selected_adapters=[adapter_name], safe_serialization=True, save_embedding_layers=False
    )
    # peft writes a non-default adapter into a subfolder named after it; flatten to one layout.
    source = tmp / adapter_name if adapter_name != "default" else tmp
    for name in (ADAPTER_WEIGHTS, ADAPTER_CONFIG):
        if source != tmp:
            os.replace(source / name, tmp / name)
    for leftover in tmp.iterdir():
        if leftover.name not in (ADAPTER_WEIGHTS, ADAPTER_CONFIG):
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
    for name, module in (extra_modules or {}).items():
        state = {k: v.detach().to("cpu").contiguous() for k, v in module.state_dict().items()}
        save_file(state, str(tmp / f"{name}.safetensors"), metadata={"format": "pt"})
    sha = sha256_file(tmp / ADAPTER_WEIGHTS)
    final = adapters_dir / sha
    if final.exists():
        shutil.rmtree(tmp)  # same bytes already saved (e.g. a step that did not move the weights)
    else:
        os.replace(tmp, final)
    return sha, final


def check_adapter_folder(folder: Path) -> None:
    """Refuse a folder that is not a LoRA adapter, saying what is missing."""
    if not folder.is_dir():
        raise FileNotFoundError(f"adapter folder {folder} does not exist")
    for name in (ADAPTER_WEIGHTS, ADAPTER_CONFIG):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"adapter folder {folder} has no {name}")


def load_adapter_weights(model: PeftModel, folder: Path, adapter_name: str = "default") -> None:
    """Overwrite an existing adapter's weights in place (resume, or hot-swap from disk)."""
    check_adapter_folder(folder)
    state = load_file(str(folder / ADAPTER_WEIGHTS))
    result = set_peft_model_state_dict(model, state, adapter_name=adapter_name)
    unexpected = [k for k in getattr(result, "unexpected_keys", []) if "lora_" in k]
    if unexpected:
        raise ValueError(f"adapter {folder} does not fit this model (unexpected keys such as {unexpected[0]})")
