"""GRPO with TRL against a Palestra environment: a tiny model built in code, two training steps.

    python python/examples/trl_grpo.py [env] [--steps 2] [--out DIR]

Needs the ``palestra[trl]`` extra (TRL 1.16, transformers, torch) and Node for ``palestra serve``.
Nothing is downloaded: the tokenizer (byte-level BPE) is trained here on a few lines, its chat
template is TRL's copy of Qwen2.5's (so TRL knows how to parse the model's tool calls), and the
model is a Qwen2 of about 100,000 parameters initialised from a seed. On echo-target a short
supervised warm start (200 steps on one right tool call per seed, ~3 s) makes its samples call
the `echo` tool, some with the right word and some not, so that each GRPO group has rewards to
compare. The point is the wiring: `environment_factory` gives TRL one method per tool of the
environment, TRL plays the model's tool calls on ``palestra serve`` sessions (one per rollout),
and the reward is each episode's return. Swap in a real model
(``GRPOTrainer("Qwen/Qwen2.5-0.5B-Instruct", …)``, no warm start) to train for real.

The last line printed is a JSON summary: steps, the environment's mean reward, the loss, the gradient
norm and the tool calls per sampled completion, per step.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile

import torch
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM, TrainerCallback
from transformers.utils import get_json_schema
from trl import GRPOConfig, GRPOTrainer
from trl.chat_template_utils import qwen2_5_chat_template

from palestra.trl import environment_factory, seed_dataset

SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
#: As in Qwen2.5, added but not special: decoding with skip_special_tokens keeps them for the parser.
TAGS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    """A byte-level BPE tokenizer (every string round-trips) with Qwen2.5's special tokens."""
    corpus = [
        "<|im_start|>user\nCall the echo tool with the word: apple<|im_end|>\n",
        "<|im_start|>assistant\n<tool_call>\n"
        '{"name": "echo", "arguments": {"word": "apple"}}\n</tool_call><|im_end|>\n',
        "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
        "# Tools\n\nYou may call one or more functions to assist with the user query.",
    ] * 4
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIAL,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus, trainer=trainer)
    tok.add_tokens([AddedToken(t, special=False, normalized=False) for t in TAGS])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>", model_max_length=4096
    )
    fast.chat_template = qwen2_5_chat_template
    return fast


def tiny_model(tokenizer: PreTrainedTokenizerFast, seed: int = 0) -> Qwen2ForCausalLM:
    """A Qwen2 of two layers, 64 wide (about 100,000 parameters), from a seed."""
    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return Qwen2ForCausalLM(config)


def warm_start(model, tokenizer, Env, seeds: range, steps: int = 200) -> list[float]:  # type: ignore[no-untyped-def]
    """A few steps of supervised fine-tuning on one right tool call per seed, so that the sampled
    completions call tools (some right, some wrong) and GRPO has rewards to compare. The prompts
    are rendered exactly as TRL renders them: the tools' schemas, and `reset`'s observation."""
    env = Env()
    tools = [get_json_schema(getattr(env, method)) for method in Env.tools]
    examples = []
    for seed in seeds:
        observation = env.reset(seed=seed)
        word = env.observation.get("task_id")  # echo-target's task is the word to echo
        prompt = tokenizer.apply_chat_template(
            [{"role": "user", "content": observation}], tools=tools, add_generation_prompt=True, tokenize=False
        )
        answer = f'<tool_call>\n{{"name": "echo", "arguments": {{"word": "{word}"}}}}\n</tool_call><|im_end|>'
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        answer_ids = tokenizer(answer, add_special_tokens=False)["input_ids"]
        examples.append((prompt_ids + answer_ids, [-100] * len(prompt_ids) + answer_ids))
    env._close()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    losses = []
    for step in range(steps):
        ids, labels = examples[step % len(examples)]
        loss = model(input_ids=torch.tensor([ids]), labels=torch.tensor([labels])).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss))
    return losses


class Log(TrainerCallback):
    """Keeps the trainer's log lines (one per step with logging_steps=1)."""

    def __init__(self) -> None:
        self.lines: list[dict[str, float]] = []

    def on_log(self, args, state, control, logs=None, **kwargs):  # type: ignore[no-untyped-def]
        if logs and "loss" in logs:
            self.lines.append(dict(logs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("env", nargs="?", default="echo-target", help="a catalog name, a folder, or a server URL")
    parser.add_argument("--steps", type=int, default=2, help="GRPO steps")
    parser.add_argument("--out", default=None, help="the trainer's output folder (default: a temporary one)")
    args = parser.parse_args()
    os.environ.setdefault("TRL_EXPERIMENTAL_SILENCE", "1")  # environment_factory is experimental in TRL 1.16

    Env = environment_factory(args.env, max_sessions=16)  # one /ws session per rollout
    try:
        tokenizer = tiny_tokenizer()
        model = tiny_model(tokenizer)
        warm = warm_start(model, tokenizer, Env, range(args.steps)) if Env.env_name == "echo-target" else []
        num_generations = 8  # one GRPO group per step: TRL repeats each row this many times
        config = GRPOConfig(
            output_dir=args.out or tempfile.mkdtemp(prefix="palestra-trl-"),
            max_steps=args.steps,
            per_device_train_batch_size=num_generations,
            num_generations=num_generations,
            max_completion_length=64,  # the tool call (~22 tokens here), its result, and a last word
            max_tool_calling_iterations=2,
            learning_rate=1e-4,
            logging_steps=1,
            report_to="none",
            save_strategy="no",
            use_cpu=True,
            seed=0,
        )
        log = Log()
        trainer = GRPOTrainer(
            model=model,
            processing_class=tokenizer,
            args=config,
            train_dataset=seed_dataset(args.steps),  # one seed per group: the group plays one episode start
            environment_factory=Env,
            callbacks=[log],
        )
        trainer.train()
    finally:
        Env.shutdown()  # closes the sessions, stops the server
    reward_key = f"rewards/{Env.__name__}/mean"
    summary = {
        "env": Env.env_name,
        "warm_start_loss": [round(x, 4) for x in warm[:1] + warm[-1:]],
        "tools": sorted(Env.tools),
        "steps": trainer.state.global_step,
        "rewards": [line.get(reward_key) for line in log.lines],
        "losses": [line["loss"] for line in log.lines],
        "grad_norms": [line.get("grad_norm") for line in log.lines],
        "tool_calls": [line.get("tools/call_frequency") for line in log.lines],
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
