"""Helpers for the algorithm tests: a tiny Qwen2 policy with a LoRA adapter, built from a config in
code (no tokenizer needed: the tests speak token ids), and a sampler that records what it sampled
the way the rollout engine does (ids + the sampler's log-probabilities + env_mask)."""

from __future__ import annotations

import torch
from peft import LoraConfig, get_peft_model
from transformers import Qwen2Config, Qwen2ForCausalLM

from palestra_trainer.rows import Row

VOCAB = 64
LORA_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def tiny_config(hidden: int = 32) -> Qwen2Config:
    return Qwen2Config(
        vocab_size=VOCAB, hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
        tie_word_embeddings=True, pad_token_id=0, eos_token_id=1,
        # Larger than the default 0.02 so that a LoRA on attention and MLP alone can move the output
        # distribution within a few steps (logits = embedding . hidden with tied, frozen embeddings).
        initializer_range=0.2,
    )


def tiny_base(seed: int = 0, hidden: int = 32) -> Qwen2ForCausalLM:
    torch.manual_seed(seed)
    return Qwen2ForCausalLM(tiny_config(hidden)).eval()


def tiny_policy(seed: int = 0, rank: int = 8):
    """The tiny base with a fresh LoRA adapter (peft's default init: B = 0, so it starts as the base)."""
    model = tiny_base(seed)
    return get_peft_model(model, LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0,
                                            target_modules=LORA_TARGETS))


@torch.no_grad()
def sample_turn(model, context: list[int], n_tokens: int, gen: torch.Generator) -> tuple[list[int], list[float]]:
    """Samples `n_tokens` after `context`, returning ids and the sampler's log-probabilities."""
    ids, logps = [], []
    for _ in range(n_tokens):
        x = torch.tensor([context + ids])
        logits = model(input_ids=x).logits[0, -1].float()
        logp = torch.log_softmax(logits, -1)
        t = int(torch.multinomial(logp.exp(), 1, generator=gen))
        ids.append(t)
        logps.append(float(logp[t]))
    return ids, logps


def sample_episode(model, prompt: list[int], turns: int, tokens_per_turn: int, env_reply: list[int],
                   reward_of_turn, group: str, gen: torch.Generator) -> Row:
    """A multi-turn episode: model turns separated by a fixed environment reply (env_mask 0)."""
    completion: list[int] = []
    logprobs: list[float] = []
    env_mask: list[int] = []
    rewards: list[float] = []
    for k in range(turns):
        if k > 0:
            completion += env_reply
            logprobs += [0.0] * len(env_reply)
            env_mask += [0] * len(env_reply)
        ids, lps = sample_turn(model, prompt + completion, tokens_per_turn, gen)
        completion += ids
        logprobs += lps
        env_mask += [1] * len(ids)
        rewards.append(reward_of_turn(ids))
    return Row(prompt, completion, logprobs, env_mask, rewards, group)


@torch.no_grad()
def prob_of(model, context: list[int], token_set: list[int]) -> float:
    """Probability that the next token after `context` is in `token_set`."""
    p = torch.softmax(model(input_ids=torch.tensor([context])).logits[0, -1].float(), -1)
    return float(p[token_set].sum())
