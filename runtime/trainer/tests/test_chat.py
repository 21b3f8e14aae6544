"""Chat rendering with the model's template, and tool-call parsing as vLLM's hermes parser does it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from transformers import AutoTokenizer

from palestra_trainer.chat import parse_completion, render_prompt, render_sft

ECHO = {
    "type": "function",
    "function": {
        "name": "echo",
        "description": "Say one word back.",
        "parameters": {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]},
    },
}
TASK = {"role": "user", "content": "Call the echo tool with the word: apple"}


@pytest.fixture(scope="module")
def tokenizer(tiny_dir: Path):
    return AutoTokenizer.from_pretrained(tiny_dir, local_files_only=True)


def test_prompt_lists_tools_and_ends_with_the_generation_prompt(tokenizer) -> None:
    text = tokenizer.decode(render_prompt(tokenizer, [TASK], [ECHO]))
    assert "<tools>\n" + json.dumps(ECHO) + "\n</tools>" in text
    assert text.endswith("<|im_start|>assistant\n")
    assert "Call the echo tool with the word: apple<|im_end|>" in text
    no_tools = tokenizer.decode(render_prompt(tokenizer, [TASK], None))
    assert "<tools>" not in no_tools


def test_a_rendered_tool_call_parses_back(tokenizer) -> None:
    call = {"id": "x", "type": "function", "function": {"name": "echo", "arguments": '{"word": "apple"}'}}
    sft = render_sft(tokenizer, [TASK, {"role": "assistant", "content": None, "tool_calls": [call]}], [ECHO])
    completion = tokenizer.decode(sft.completion_ids, skip_special_tokens=True)
    parsed = parse_completion(completion)
    assert parsed.content is None
    assert parsed.tool_calls == [
        {"id": "call_0", "type": "function", "function": {"name": "echo", "arguments": '{"word": "apple"}'}}
    ]


def test_text_before_calls_and_several_calls() -> None:
    text = 'Sure.\n<tool_call>\n{"name": "a", "arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "b", "arguments": {"x": 1}}\n</tool_call>'
    parsed = parse_completion(text)
    assert parsed.content == "Sure."
    assert [(c["id"], c["function"]["name"], c["function"]["arguments"]) for c in parsed.tool_calls] == [
        ("call_0", "a", "{}"),
        ("call_1", "b", '{"x": 1}'),
    ]


def test_an_unclosed_block_at_the_end_still_parses() -> None:
    parsed = parse_completion('<tool_call>\n{"name": "echo", "arguments": {"word": "river"}}')
    assert [c["function"]["arguments"] for c in parsed.tool_calls] == ['{"word": "river"}']


@pytest.mark.parametrize(
    "text",
    [
        '<tool_call>\n{"name": "echo", "arguments": {"word": "apple"}\n</tool_call>',  # missing brace
        '<tool_call>\n{"arguments": {}}\n</tool_call>',  # no name
        '<tool_call>\n{"name": "echo", "arguments": "apple"}\n</tool_call>',  # arguments not an object
        'ok <tool_call>\n{"name": "a", "arguments": {}}\n</tool_call><tool_call>nope</tool_call>',  # one bad block
    ],
)
def test_a_malformed_call_stays_text(text: str) -> None:
    parsed = parse_completion(text)
    assert parsed.tool_calls == [] and parsed.content == text


def test_plain_text_is_content() -> None:
    assert parse_completion("apple").content == "apple"


def test_render_sft_masks_environment_tokens(tokenizer) -> None:
    call = {"id": "c", "type": "function", "function": {"name": "echo", "arguments": '{"word": "apple"}'}}
    messages = [
        TASK,
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c", "content": "You said: apple"},
        {"role": "assistant", "content": "Done."},
    ]
    row = render_sft(tokenizer, messages, [ECHO])
    assert len(row.completion_ids) == len(row.env_mask)
    # The prompt is exactly what the server would have rendered for the first turn.
    assert row.prompt_ids == render_prompt(tokenizer, [TASK], [ECHO])
    model_text = tokenizer.decode([t for t, m in zip(row.completion_ids, row.env_mask, strict=True) if m])
    env_text = tokenizer.decode([t for t, m in zip(row.completion_ids, row.env_mask, strict=True) if not m])
    assert (
        model_text
        == '<tool_call>\n{"name": "echo", "arguments": {"word": "apple"}}\n</tool_call><|im_end|>Done.<|im_end|>'
    )
    assert "<tool_response>\nYou said: apple\n</tool_response>" in env_text
    assert env_text.endswith("<|im_start|>assistant\n")
    assert row.env_mask[0] == 1 and row.env_mask[-1] == 1


def test_render_sft_needs_an_assistant_turn(tokenizer) -> None:
    with pytest.raises(ValueError, match="at least one assistant"):
        render_sft(tokenizer, [TASK], [ECHO])
