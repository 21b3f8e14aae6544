"""Palestra's trainer: a policy server and SFT/GRPO/PPO steps with LoRA/QLoRA."""

import logging
import warnings

__version__ = "0.1.0"


class _NoHubKernels(logging.Filter):
    """Drops bitsandbytes' import-time warning that the `kernels` package is missing.

    On CPUs with AVX512-BF16, bitsandbytes tries `kernels.get_kernel(...)`, which would download a
    kernel from the Hugging Face hub. Palestra never downloads at run time (nothing but PyPI and npm
    is reachable), so `kernels` is deliberately not installed and bitsandbytes uses its own CPU
    kernel; the warning would only alarm users on every run.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "kernels-community" not in record.getMessage()


logging.getLogger("bitsandbytes.backends.cpu.ops").addFilter(_NoHubKernels())

# Two library warnings every `--model tiny` run printed, neither of which the user can act on:
# - peft warns that a tied layer (`lm_head`, tied to the input embeddings) is in the adapter
#   without `ensure_weight_tying`: the LoRA delta applies to the output head only, by design (the
#   tiny model's random head is what must learn; the input embeddings stay as they are), and the
#   adapter is saved as safetensors, never merged.
# - transformers' FutureWarning about `is_gradient_checkpointing`, raised inside peft's own code.
warnings.filterwarnings("ignore", message=r"Model has `tie_word_embeddings=True` and a tied layer")
warnings.filterwarnings("ignore", message=r"`is_gradient_checkpointing` is deprecated", category=FutureWarning)
