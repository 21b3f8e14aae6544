"""Palestra's trainer: a policy server and SFT/GRPO/PPO steps with LoRA/QLoRA."""

__version__ = "0.1.0"
