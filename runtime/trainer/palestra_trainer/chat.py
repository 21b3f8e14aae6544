"""Chat rendering and tool-call parsing, with the model's own chat template.

Rendering is done once per request, to build the prompt the model sees; the completion that comes
back is token ids, and training uses those ids as they were sampled (token in, token out). The only
place a conversation is re-rendered into training tokens is `render_sft`, for recorded transcripts
that never had sampled tokens (scripted or from another model).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from transformers import PreTrainedTokenizerBase

Message = dict[str, Any]
Tool = dict[str, Any]

# Hermes / Qwen2.5 tool calls, exactly as vLLM's hermes parser finds them: closed blocks, or one
# block left open at the end of the output (a completion cut by max_tokens or a missing close tag).
_TOOL_CALL_RE = re.compile(r"<tool_call>(.*?)</tool_call>|<tool_call>(.*)", re.DOTALL)


@dataclass
class ParsedCompletion:
    """An assistant message in OpenAI's shape: text content and/or function tool calls."""

    content: str | None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)


def normalize_messages(messages: list[Message]) -> list[Message]:
    """Make OpenAI request messages safe for a Jinja chat template.

    Content given as a list of parts is joined to its text parts; `None` content becomes "" except on
    assistant turns with tool calls (where the template checks for it).
    """
    out: list[Message] = []
    for message in messages:
        m = dict(message)
        content = m.get("content")
        if isinstance(content, list):
            m["content"] = "".join(
                part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text"
            )
        elif content is None and not m.get("tool_calls"):
            m["content"] = ""
        out.append(m)
    return out


def render_prompt(tokenizer: PreTrainedTokenizerBase, messages: list[Message], tools: list[Tool] | None) -> list[int]:
    """The prompt token ids for the next assistant turn (generation prompt included)."""
    encoded = tokenizer.apply_chat_template(
        normalize_messages(messages), tools=tools or None, add_generation_prompt=True, tokenize=True
    )
    ids = encoded["input_ids"] if hasattr(encoded, "keys") else encoded
    return [int(i) for i in ids]


def parse_completion(text: str) -> ParsedCompletion:
    """Split a decoded completion into content and tool calls, the way vLLM's hermes parser does.

    Each `<tool_call>` block must hold `{"name": ..., "arguments": {...}}`. If any block is not
    such JSON, nothing is treated as a call and the whole text is returned as content (vLLM's
    behaviour, kept so that swapping in vLLM does not change what an agent's episode looks like).
    Tool-call ids are `call_<n>` in order.
    """
    if "<tool_call>" not in text:
        return ParsedCompletion(content=text)
    calls: list[dict[str, Any]] = []
    try:
        for n, match in enumerate(_TOOL_CALL_RE.finditer(text)):
            body = (match.group(1) if match.group(1) is not None else match.group(2)).strip()
            call = json.loads(body)
            if not isinstance(call, dict) or not isinstance(call.get("name"), str):
                raise ValueError("a tool call needs a string name")
            arguments = call.get("arguments", {})
            if not isinstance(arguments, dict):
                raise ValueError("tool call arguments must be an object")
            calls.append(
                {
                    "id": f"call_{n}",
                    "type": "function",
                    "function": {"name": call["name"], "arguments": json.dumps(arguments, ensure_ascii=False)},
                }
            )
    except ValueError:  # json.JSONDecodeError is a ValueError
        return ParsedCompletion(content=text)
    before = text[: text.index("<tool_call>")].strip()
    return ParsedCompletion(content=before or None, tool_calls=calls)


@dataclass
class SftRow:
    """A supervised row made from a recorded conversation (no sampled tokens, no log-probabilities)."""

    prompt_ids: list[int]
    completion_ids: list[int]
    #: 1 for assistant tokens (learned), 0 for the tool and user tokens between assistant turns.
    env_mask: list[int]


def render_sft(tokenizer: PreTrainedTokenizerBase, messages: list[Message], tools: list[Tool] | None) -> SftRow:
    """Render a whole conversation and mark which tokens the assistant wrote.

    The prompt is everything before the first assistant turn's generation prompt; the completion is
    the rest of the conversation, with env_mask 1 on each assistant turn's tokens (its content, tool
    calls and closing `<|im_end|>`) and 0 elsewhere. Boundaries come from rendering growing prefixes
    of the conversation with the same template, so they are exact for any template whose rendering
    of a prefix is a prefix of the whole (true of Qwen's and Llama's).
    """
    msgs = normalize_messages(messages)
    assistant_at = [i for i, m in enumerate(msgs) if m.get("role") == "assistant"]
    if not assistant_at:
        raise ValueError("messages: an SFT conversation needs at least one assistant message")

    def ids(prefix: list[Message], generation_prompt: bool) -> list[int]:
        encoded = tokenizer.apply_chat_template(
            prefix, tools=tools or None, add_generation_prompt=generation_prompt, tokenize=True
        )
        return [int(i) for i in (encoded["input_ids"] if hasattr(encoded, "keys") else encoded)]

    full = ids(msgs, False)
    mask = [0] * len(full)
    for i in assistant_at:
        start = len(ids(msgs[:i], True))
        end = len(ids(msgs[: i + 1], False))
        if full[:end] != ids(msgs[: i + 1], False):
            raise ValueError(f"messages[{i}]: the chat template does not render prefixes as prefixes")
        # The template ends an assistant turn with "<|im_end|>\n": the model learns to stop at
        # <|im_end|>; the newline after it is the template's, not the model's.
        while end > start and tokenizer.decode(full[end - 1 : end]).strip() == "":
            end -= 1
        for t in range(start, end):
            mask[t] = 1
    first = len(ids(msgs[: assistant_at[0]], True))
    last = max(t for t, m in enumerate(mask) if m) + 1
    return SftRow(prompt_ids=full[:first], completion_ids=full[first:last], env_mask=mask[first:last])
