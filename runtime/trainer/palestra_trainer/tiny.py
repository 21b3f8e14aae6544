"""A tiny Qwen2-architecture model folder, made in code, offline.

Tests, examples and `palestra train --model tiny` need a real Hugging Face model folder (config,
safetensors weights, a fast tokenizer with a chat template) without ever touching a hub. This module
builds one in about a second: a byte-level BPE tokenizer trained deterministically on a small
built-in corpus (chat-template pieces, JSON tool calls and the words of Palestra's catalog
environments, so that words such as ``apple`` or ``echo`` are single tokens), a Qwen2.5-style chat
template with tools, and a Qwen2 model of a few hundred thousand parameters initialised from a seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from tokenizers import AddedToken as RawAddedToken
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

# Special tokens, in the order they get ids right after the byte alphabet is learned.
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
END_OF_TEXT = "<|endoftext|>"
TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
TOOL_RESPONSE_OPEN = "<tool_response>"
TOOL_RESPONSE_CLOSE = "</tool_response>"

#: Tokens that end an assistant turn (<|im_end|>) or a document (<|endoftext|>), as in Qwen2.5.
SPECIAL_TOKENS = [END_OF_TEXT, IM_START, IM_END]
#: Qwen2.5 keeps its tool tags as added but *not* special tokens, so `skip_special_tokens=True`
#: decoding keeps them and the tool-call parser can find them.
TAG_TOKENS = [TOOL_CALL_OPEN, TOOL_CALL_CLOSE, TOOL_RESPONSE_OPEN, TOOL_RESPONSE_CLOSE]

DEFAULT_SYSTEM = "You are a helpful assistant."

# Qwen2.5's chat template with tools (Hermes-style <tool_call> JSON blocks), with two changes:
# a neutral default system prompt, and `arguments` given as an OpenAI JSON *string* are emitted as
# is (Qwen's own template would quote the string a second time).
CHAT_TEMPLATE = r"""{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant" and not message.tool_calls) %}
        {{- '<|im_start|>' + message.role + '\n' + (message.content or '') + '<|im_end|>' + '\n' }}
    {%- elif message.role == "assistant" %}
        {{- '<|im_start|>' + message.role }}
        {%- if message.content %}
            {{- '\n' + message.content }}
        {%- endif %}
        {%- for tool_call in message.tool_calls %}
            {%- if tool_call.function is defined %}
                {%- set tool_call = tool_call.function %}
            {%- endif %}
            {{- '\n<tool_call>\n{"name": "' }}
            {{- tool_call.name }}
            {{- '", "arguments": ' }}
            {%- if tool_call.arguments is string %}
                {{- tool_call.arguments }}
            {%- else %}
                {{- tool_call.arguments | tojson }}
            {%- endif %}
            {{- '}\n</tool_call>' }}
        {%- endfor %}
        {{- '<|im_end|>\n' }}
    {%- elif message.role == "tool" %}
        {%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}
            {{- '<|im_start|>user' }}
        {%- endif %}
        {{- '\n<tool_response>\n' }}
        {{- message.content }}
        {{- '\n</tool_response>' }}
        {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
            {{- '<|im_end|>\n' }}
        {%- endif %}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
"""

# Words the catalog environments use (envs/catalog/*/spec.json: tasks, tools, observations).
# Repeated in the corpus so BPE merges them into single tokens, with and without a leading space.
CATALOG_WORDS = """
apple river stone cloud maple tiger ocean ember echo word call tool said say back one
walk start goal frozen safe hole ice slippery move left right up down row column map top over
order refund lookup_order issue_refund deny_refund escalate reply status total paid item days ago
ticket closed policy amount reason customer damaged late missing wrong
wildlife survey sighting sightings classify skip submit_report report label filed bird mammal
reptile insect fox deer owl hawk frog snake unknown
""".split()

CORPUS_LINES = [
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n",
    "<|im_start|>user\nCall the echo tool with the word: apple<|im_end|>\n",
    '<|im_start|>assistant\n<tool_call>\n{"name": "echo", "arguments": {"word": "apple"}}\n</tool_call><|im_end|>\n',
    "<|im_start|>user\n<tool_response>\nYou said: apple\n</tool_response><|im_end|>\n",
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n",
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n",
    '{"type": "function", "function": {"name": "echo", "description": "Say one word back.", '
    '"parameters": {"type": "object", "properties": {"word": {"type": "string", '
    '"maxLength": 40}}, "required": ["word"], "additionalProperties": false}}}\n</tools>\n',
    "For each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n",
    '{"name": <function-name>, "arguments": <args-json-object>}\n',
    "Walk from the start S to the goal G. F is frozen and safe, H is a hole. The ice is slippery.\n",
    "You are at row 0, column 1 (0-based, row 0 at the top). The episode is over.\n",
    "What you know so far: Order 1042: total paid 30, status delivered, ordered 12 days ago.\n",
    "Last step: the ticket is closed. Sighting 1 of 5: All sightings are done. Your report:\n",
    "The quick brown fox jumps over the lazy dog. I will call the tool now.\n",
]


def _corpus() -> list[str]:
    """The training text for the tokenizer: fixed, so the same vocabulary comes out every time."""
    lines = list(CORPUS_LINES) * 4
    for word in CATALOG_WORDS:
        lines += [f"{word} " * 8, f" {word}" * 8, f'"{word}"', f"Call the echo tool with the word: {word}"]
        lines.append(f'{{"name": "echo", "arguments": {{"word": "{word}"}}}}')
    return lines


def make_tokenizer(vocab_size: int = 1024) -> PreTrainedTokenizerFast:
    """Train a byte-level BPE tokenizer on the built-in corpus and wrap it for transformers.

    Byte-level means every string round-trips (no unknown token), as in GPT-2 and Qwen.
    """
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(_corpus(), trainer=trainer)
    tok.add_tokens([RawAddedToken(t, special=False, normalized=False) for t in TAG_TOKENS])
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=None,
        eos_token=IM_END,
        pad_token=END_OF_TEXT,
        unk_token=None,
        model_max_length=4096,
        clean_up_tokenization_spaces=False,
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def make_tiny(directory: str | Path, seed: int = 0) -> Path:
    """Write a complete, loadable model folder (config, weights, tokenizer, chat template).

    The same seed gives the same weights and the same tokenizer, byte for byte.

    >>> make_tiny("/tmp/tiny")  # then AutoModelForCausalLM.from_pretrained("/tmp/tiny", local_files_only=True)
    """
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    tokenizer = make_tokenizer()
    vocab = len(tokenizer)
    config = Qwen2Config(
        vocab_size=vocab,
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=4096,
        tie_word_embeddings=True,
        eos_token_id=tokenizer.convert_tokens_to_ids(IM_END),
        pad_token_id=tokenizer.convert_tokens_to_ids(END_OF_TEXT),
        bos_token_id=None,
        torch_dtype="float32",
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config)
    model.generation_config.eos_token_id = [
        tokenizer.convert_tokens_to_ids(IM_END),
        tokenizer.convert_tokens_to_ids(END_OF_TEXT),
    ]
    model.save_pretrained(out, safe_serialization=True)
    tokenizer.save_pretrained(out)
    (out / "palestra-tiny.json").write_text(json.dumps({"seed": seed, "maker": "palestra_trainer.tiny"}) + "\n")
    return out
