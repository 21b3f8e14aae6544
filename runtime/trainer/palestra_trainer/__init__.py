"""Palestra's trainer: a policy server and SFT/GRPO/PPO steps with LoRA/QLoRA."""

import logging

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
