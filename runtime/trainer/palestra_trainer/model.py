"""Loading the policy: a local Hugging Face folder (or the built-in tiny model) plus a LoRA adapter.

Models are only ever read from disk: every `from_pretrained` passes `local_files_only=True`, and a
folder that lacks a config, weights or a tokenizer is refused with an error that names the folder
and the missing file, before transformers gets a chance to reach for a hub.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

from peft import LoraConfig, PeftModel, get_peft_model  # noqa: E402
from transformers import AutoModelForCausalLM, AutoTokenizer, PreTrainedTokenizerBase  # noqa: E402
from transformers.utils import logging as hf_logging  # noqa: E402

hf_logging.disable_progress_bar()

Device = Literal["auto", "cpu", "cuda"]
Quantize = Literal["none", "nf4"]

#: The projections LoRA adapts by default: every linear layer of a Llama/Qwen block.
DEFAULT_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")

WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "vocab.json")


class ModelFolderError(ValueError):
    """A model folder is missing or incomplete. Nothing is downloaded: the user must provide it."""


@dataclass
class Policy:
    """What the server and the trainers share: the adapted model, its tokenizer and where it runs."""

    model: PeftModel
    tokenizer: PreTrainedTokenizerBase
    device: torch.device
    quantize: Quantize
    model_dir: Path
    #: The name given on the command line ("tiny" or the folder as given), shown by /health.
    model_name: str


def check_model_folder(directory: str | Path) -> Path:
    """Refuse a folder that cannot be a complete model, naming what is missing and what to do."""
    folder = Path(directory)
    hint = "Palestra never downloads models: copy a complete Hugging Face model folder there (or use --model tiny)."
    if not folder.is_dir():
        raise ModelFolderError(f"model folder {folder} does not exist. {hint}")
    if not (folder / "config.json").is_file():
        raise ModelFolderError(f"model folder {folder} has no config.json. {hint}")
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        raise ModelFolderError(
            f"model folder {folder} has no weights (expected one of {', '.join(WEIGHT_FILES)}). {hint}"
        )
    if not any((folder / name).is_file() for name in TOKENIZER_FILES):
        raise ModelFolderError(
            f"model folder {folder} has no tokenizer (expected one of {', '.join(TOKENIZER_FILES)}). {hint}"
        )
    return folder


def pick_device(device: Device) -> torch.device:
    """`auto` takes CUDA when a GPU is visible, the CPU otherwise; `cuda` without a GPU is an error."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("--gpu cuda was asked for but torch sees no CUDA device; use --gpu auto or --gpu cpu.")
    return torch.device(device)


def tiny_dir(seed: int = 0) -> Path:
    """Where `--model tiny` lives: built once per seed in the system temp folder and reused."""
    from .tiny import make_tiny

    folder = Path(os.environ.get("PALESTRA_TINY_DIR", Path(tempfile.gettempdir()) / f"palestra-tiny-{seed}"))
    if (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file():
        return folder
    # Built beside and renamed into place: two servers starting at once never read a half-written folder.
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
    make_tiny(staging, seed=seed)
    try:
        os.rename(staging, folder)
    except OSError:  # another process won the race (or an old incomplete folder is in the way)
        shutil.rmtree(staging, ignore_errors=True)
        if not (folder / "config.json").is_file():
            raise ModelFolderError(f"{folder} exists but is not a complete tiny model; delete it and retry") from None
    return folder


def load_policy(
    model_dir: str | Path,
    lora_rank: int = 8,
    lora_alpha: int | None = None,
    target_modules: tuple[str, ...] | list[str] = DEFAULT_TARGET_MODULES,
    device: Device = "auto",
    quantize: Quantize = "none",
    seed: int = 0,
) -> Policy:
    """Load a base model from a local folder (or `'tiny'`) and wrap it with a fresh LoRA adapter.

    The adapter is named `default`; its initial weights depend only on `seed` (LoRA's B starts at
    zero, so the fresh policy behaves exactly like the base). `quantize='nf4'` loads the base in
    4-bit NF4 with bf16 compute and double quantisation (QLoRA), via bitsandbytes.
    """
    name = str(model_dir)
    folder = tiny_dir() if name == "tiny" else check_model_folder(model_dir)
    dev = pick_device(device)
    torch.manual_seed(seed)
    kwargs: dict = {"local_files_only": True}
    if quantize == "nf4":
        model = _load_nf4(folder, dev, kwargs)
    elif quantize == "none":
        dtype = torch.bfloat16 if dev.type == "cuda" and torch.cuda.is_bf16_supported() else torch.float32
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, **kwargs).to(dev)
    else:
        raise ValueError(f"--quantize must be none or nf4, not {quantize!r}")
    tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
    if tokenizer.chat_template is None:
        raise ModelFolderError(
            f"model folder {folder} has no chat template (chat_template.jinja or tokenizer_config.json); "
            "the policy server needs one to render tools."
        )
    present = {n.rsplit(".", 1)[-1] for n, _ in model.named_modules()}
    targets = [t for t in target_modules if t in present]
    if not targets:
        raise ValueError(f"none of the LoRA target modules {list(target_modules)} exist in {folder}")
    lora = LoraConfig(
        r=lora_rank,
        lora_alpha=lora_alpha if lora_alpha is not None else 2 * lora_rank,
        lora_dropout=0.0,
        target_modules=targets,
        task_type="CAUSAL_LM",
    )
    torch.manual_seed(seed)
    peft_model = get_peft_model(model, lora)
    peft_model.eval()
    return Policy(peft_model, tokenizer, dev, quantize, folder, name)


def _load_nf4(folder: Path, dev: torch.device, kwargs: dict) -> torch.nn.Module:
    """QLoRA's base: 4-bit NF4 weights, bf16 compute, double quantisation, prepared for k-bit training."""
    try:
        import bitsandbytes  # noqa: F401
        from peft import prepare_model_for_kbit_training
        from transformers import BitsAndBytesConfig
    except ImportError as err:  # pragma: no cover - bitsandbytes is a locked dependency
        raise RuntimeError(f"--quantize nf4 needs bitsandbytes, which failed to import: {err}") from err
    config = BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type="nf4",
        bnb_4bit_compute_dtype=torch.bfloat16,
        bnb_4bit_use_double_quant=True,
    )
    try:
        model = AutoModelForCausalLM.from_pretrained(
            folder, quantization_config=config, device_map={"": str(dev)}, dtype=torch.bfloat16, **kwargs
        )
    except Exception as err:
        raise RuntimeError(
            f"could not load {folder} in 4-bit NF4 on {dev} with bitsandbytes ({type(err).__name__}: {err}). "
            "Use --quantize none, or run on a CUDA GPU."
        ) from err
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    # On CPUs with AVX512-BF16, bitsandbytes 0.50 repacks 4-bit weights for an inference-only kernel
    # at the first no-grad forward (i.e. when the server samples): its log-probabilities then differ
    # from the training forward's, and training fails afterwards. Keep every forward on one path.
    from .trainer_base import keep_4bit_weights_trainable

    keep_4bit_weights_trainable(model)
    return model
