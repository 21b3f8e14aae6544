"""The tiny model folder: built in code, loadable offline, deterministic, with useful single tokens."""

from __future__ import annotations

import hashlib
from pathlib import Path

from transformers import AutoModelForCausalLM, AutoTokenizer

from palestra_trainer.tiny import make_tiny


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_tiny_folder_loads_offline_with_transformers(tiny_dir: Path) -> None:
    model = AutoModelForCausalLM.from_pretrained(tiny_dir, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir, local_files_only=True)
    assert model.config.model_type == "qwen2"
    params = sum(p.numel() for p in model.parameters())
    assert 50_000 < params < 1_000_000, params
    assert model.config.vocab_size == len(tokenizer)
    assert tokenizer.eos_token == "<|im_end|>"
    assert tokenizer.chat_template and "<tool_call>" in tokenizer.chat_template


def test_catalog_words_and_tags_are_single_tokens(tiny_dir: Path) -> None:
    tokenizer = AutoTokenizer.from_pretrained(tiny_dir, local_files_only=True)
    for text in ["apple", " apple", "river", " river", "echo", " echo", "<tool_call>", "</tool_call>", "<|im_start|>"]:
        assert len(tokenizer.encode(text, add_special_tokens=False)) == 1, text


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = make_tiny(tmp_path / "a", seed=3)
    b = make_tiny(tmp_path / "b", seed=3)
    c = make_tiny(tmp_path / "c", seed=4)
    assert _sha(a / "tokenizer.json") == _sha(b / "tokenizer.json")
    assert _sha(a / "model.safetensors") == _sha(b / "model.safetensors")
    assert _sha(a / "model.safetensors") != _sha(c / "model.safetensors")
