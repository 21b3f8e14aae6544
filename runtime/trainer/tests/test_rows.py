"""Rows: validation messages name the JSON path; collate's layout; completion log-probabilities on a
padded batch equal those of each unpadded sequence."""

import pytest
import torch

from palestra_trainer.logprobs import completion_logprobs
from palestra_trainer.rows import Row, collate, parse_rows, turn_spans
from tiny_policy import tiny_base, tiny_policy

torch.set_num_threads(1)


def good_row(**over):
    row = {
        "prompt_ids": [5, 6, 7],
        "completion_ids": [10, 11, 20, 21, 12, 1],
        "logprobs": [-0.5, -0.25, 0.0, 0.0, -1.0, -0.1],
        "env_mask": [1, 1, 0, 0, 1, 1],
        "rewards": [0.0, 1.0],
        "group": "task-1/seed-3",
    }
    row.update(over)
    return row


def test_turn_spans_are_maximal_runs_of_ones():
    assert turn_spans([1, 1, 0, 0, 1, 1]) == [(0, 2), (4, 6)]
    assert turn_spans([0, 1, 0, 1]) == [(1, 2), (3, 4)]
    assert turn_spans([0, 0]) == []


def test_parse_accepts_a_valid_row_and_computes_its_return():
    (row,) = parse_rows({"rows": [good_row()]})
    assert row.completion_ids == [10, 11, 20, 21, 12, 1]
    assert row.ret == 1.0


def test_reward_shorthand_puts_the_return_on_the_last_turn():
    r = good_row()
    del r["rewards"]
    r["reward"] = 0.5
    (row,) = parse_rows([r])
    assert row.rewards == [0.0, 0.5]


@pytest.mark.parametrize(
    "row, message",
    [
        (good_row(env_mask=[1, 1, 0, 0, 1]), "rows[1].env_mask: 5 entries, completion_ids has 6"),
        (good_row(logprobs=[-0.5]), "rows[1].logprobs: 1 entries, completion_ids has 6"),
        (good_row(rewards=[1.0]), "rows[1].rewards: 1 entries, env_mask has 2 model turns"),
        (good_row(env_mask=[0] * 6), "rows[1].env_mask: no model tokens"),
        (good_row(env_mask=[1, 1, 0, 2, 1, 1]), "rows[1].env_mask[3]: expected 0"),
        (good_row(prompt_ids=[5, -1]), "rows[1].prompt_ids[1]: expected a token id"),
        (good_row(completion_ids=[10, 11, 20, 21, 12, 99]), "rows[1].completion_ids[5]: token id 99 is outside"),
        (good_row(logprobs=[-0.5, 0.3, 0, 0, -1, -0.1]), "rows[1].logprobs[1]: 0.3 is not a log-probability"),
        (good_row(logprobs=[-0.5, float("nan"), 0, 0, -1, -0.1]), "rows[1].logprobs[1]: expected a finite number"),
        (good_row(group=""), "rows[1].group: expected a non-empty string"),
        (good_row(extra=1), "rows[1].extra: unknown field"),
        ({k: v for k, v in good_row().items() if k != "group"}, "rows[1].group: missing"),
    ],
)
def test_parse_names_the_path_and_what_is_wrong(row, message):
    with pytest.raises(ValueError) as e:
        parse_rows({"rows": [good_row(), row]}, vocab_size=64)
    assert str(e.value).startswith(message), str(e.value)


def test_collate_layout():
    rows = parse_rows([good_row(), good_row(prompt_ids=[5], completion_ids=[3, 4], logprobs=[-1, -2],
                                             env_mask=[1, 1], rewards=[2.0])])
    b = collate(rows, pad_id=0)
    assert b.input_ids.tolist() == [[5, 6, 7, 10, 11, 20, 21, 12, 1], [5, 3, 4, 0, 0, 0, 0, 0, 0]]
    assert b.positions[0].tolist() == [2, 3, 4, 5, 6, 7]  # hidden state at t-1 predicts token t
    assert b.positions[1, :2].tolist() == [0, 1]
    assert b.mask.tolist() == [[1, 1, 0, 0, 1, 1], [1, 1, 0, 0, 0, 0]]
    assert b.turn_index.tolist() == [[0, 0, -1, -1, 1, 1], [0, 0, -1, -1, -1, -1]]
    assert b.turn_rewards.tolist() == [[0, 0, 0, 0, 0, 1], [0, 2, 0, 0, 0, 0]]
    assert b.turn_start.tolist() == [[0, 4], [0, 0]] and b.turn_valid.tolist() == [[1, 1], [1, 0]]
    assert b.returns.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("wrap", ["plain", "lora"])
def test_completion_logprobs_on_a_padded_batch_equal_each_unpadded_sequence(wrap):
    model = tiny_base(1) if wrap == "plain" else tiny_policy(1)
    rows = [
        Row([5, 6, 7], [10, 11, 20, 21, 12], [0.0] * 5, [1, 1, 0, 0, 1], [0.0, 1.0], "g"),
        Row([9], [3, 4], [0.0] * 2, [1, 1], [1.0], "g"),
        Row([2, 3, 4, 5, 6, 7, 8], [30], [0.0], [1], [0.0], "g"),
    ]
    batch = collate(rows, pad_id=0)
    with torch.no_grad():
        out = completion_logprobs(model, batch)
        chunked = completion_logprobs(model, batch, chunk_size=2)
        for i, r in enumerate(rows):
            x = torch.tensor([r.prompt_ids + r.completion_ids])
            logp = torch.log_softmax(model(input_ids=x).logits[0].float(), -1)
            p = len(r.prompt_ids)
            expected = torch.stack([logp[p - 1 + j, t] for j, t in enumerate(r.completion_ids)])
            c = len(r.completion_ids)
            torch.testing.assert_close(out.logps[i, :c], expected, atol=1e-5, rtol=1e-5)
            ent = -(logp.exp() * logp).sum(-1)[p - 1 : p - 1 + c]
            torch.testing.assert_close(out.entropy[i, :c], ent, atol=1e-5, rtol=1e-5)
            assert out.logps[i, c:].abs().sum() == 0  # padding is zeroed
    torch.testing.assert_close(chunked.logps, out.logps)


def test_chunked_checkpointed_scoring_gives_the_same_gradients():
    rows = [
        Row([5, 6, 7], [10, 11, 20, 21, 12], [0.0] * 5, [1, 1, 0, 0, 1], [0.0, 1.0], "g"),
        Row([9], [3, 4], [0.0] * 2, [1, 1], [1.0], "g"),
    ]
    grads = []
    for chunk in (None, 2):
        model = tiny_policy(1)
        for n, p in model.named_parameters():  # LoRA B starts at 0; give A and B values so both get gradients
            if "lora_" in n:
                torch.nn.init.normal_(p, std=0.1, generator=torch.Generator().manual_seed(len(n)))
        batch = collate(rows, pad_id=0)
        out = completion_logprobs(model, batch, chunk_size=chunk, entropy_grad=True)
        ((out.logps * batch.mask).sum() + 0.1 * (out.entropy * batch.mask).sum()).backward()
        grads.append({n: p.grad.clone() for n, p in model.named_parameters() if p.grad is not None})
    assert set(grads[0]) == set(grads[1]) and len(grads[0]) > 0
    for n in grads[0]:
        torch.testing.assert_close(grads[1][n], grads[0][n], atol=1e-6, rtol=1e-5)
