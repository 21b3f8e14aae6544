"""/train over real HTTP: NDJSON progress, hot swap to NAME@STEP+1, saved state, exact resume."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import httpx
import pytest
import torch

ECHO = {
    "type": "function",
    "function": {
        "name": "echo",
        "description": "Say one word back.",
        "parameters": {"type": "object", "properties": {"word": {"type": "string"}}, "required": ["word"]},
    },
}
IDS = torch.tensor([[1, 7, 42, 300, 12, 5]])


def _conversation(word: str) -> dict:
    call = {"id": "c", "type": "function", "function": {"name": "echo", "arguments": json.dumps({"word": word})}}
    return {
        "tools": [ECHO],
        "messages": [
            {"role": "user", "content": f"Call the echo tool with the word: {word}"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
        ],
    }


SFT = {
    "algo": "sft",
    "config": {"learning_rate": 0.01},
    "conversations": [_conversation(w) for w in ("apple", "river", "stone", "cloud")],
}


def _train(url: str, body: dict) -> list[dict]:
    with httpx.stream("POST", f"{url}/train", json=body, timeout=120) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("application/x-ndjson")
        return [json.loads(line) for line in r.iter_lines() if line.strip()]


def _logits(server) -> torch.Tensor:
    with torch.no_grad():
        return server.service.policy.model(input_ids=IDS).logits.clone()


def test_sft_step_hot_swaps_saves_and_resumes(start_server, tmp_path: Path) -> None:
    out = tmp_path / "out"
    server = start_server(out, name="echo")
    before = _logits(server)
    events = _train(server.url, SFT)
    assert [e["type"] for e in events][-1] == "done", events
    assert any(e["type"] == "progress" for e in events)
    done = events[-1]
    assert done["step"] == 1 and done["policy"] == "echo@1"
    assert done["metrics"]["loss"] > 0 and "tokens_per_s" in done["metrics"]
    after = _logits(server)
    assert not torch.allclose(before, after)

    health = httpx.get(f"{server.url}/health", timeout=10).json()
    assert health["policy"] == "echo@1" and health["adapter"] == done["adapter"]
    chat = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={"model": "echo", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2},
        timeout=60,
    ).json()
    assert chat["model"] == "echo@1"
    stale = httpx.post(
        f"{server.url}/v1/chat/completions",
        json={"model": "echo@0", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2},
        timeout=60,
    )
    assert stale.status_code == 404

    state = json.loads((out / "state.json").read_text())
    assert state["step"] == 1 and state["adapter"] == done["adapter"] and state["algo"] == "sft"
    assert (out / "adapters" / done["adapter"] / "adapter_model.safetensors").is_file()
    assert (out / state["trainer_state"]).is_file()

    # A copy of the output folder after step 1, to resume from while the first server goes on.
    snapshot = tmp_path / "snapshot"
    shutil.copytree(out, snapshot)
    second = _train(server.url, SFT)[-1]
    assert second["policy"] == "echo@2"
    continued = _logits(server)
    server.stop()

    restarted = start_server(snapshot, name="echo", seed=9)  # another seed: the adapter must come from disk
    assert httpx.get(f"{restarted.url}/health", timeout=10).json()["policy"] == "echo@1"
    assert torch.equal(_logits(restarted), after)
    # The optimizer state came back too: the same second step lands on the same weights.
    resumed_second = _train(restarted.url, SFT)[-1]
    assert resumed_second["policy"] == "echo@2" and resumed_second["adapter"] == second["adapter"]
    assert torch.allclose(_logits(restarted), continued, atol=1e-6)


def test_bad_rows_and_configs_are_400_naming_the_path(start_server, tmp_path: Path) -> None:
    server = start_server(tmp_path / "out")
    row = {
        "prompt_ids": [1, 2],
        "completion_ids": [3, 4],
        "logprobs": [-1.0, -1.0],
        "env_mask": [1, 1],
        "rewards": [1.0],
        "group": "g",
    }
    bad = dict(row, env_mask=[1])
    r = httpx.post(f"{server.url}/train", json={"algo": "grpo", "rows": [row, bad]}, timeout=60)
    assert r.status_code == 400 and "rows[1].env_mask" in r.json()["error"]["message"]
    r = httpx.post(f"{server.url}/train", json={"algo": "grpo", "config": {"no_such": 1}, "rows": [row]}, timeout=60)
    assert r.status_code == 400 and "no_such" in r.json()["error"]["message"]
    r = httpx.post(f"{server.url}/train", json={"algo": "dpo", "rows": [row]}, timeout=60)
    assert r.status_code == 400 and r.json()["error"]["param"] == "algo"
    r = httpx.post(f"{server.url}/train", json={"algo": "grpo", "conversations": [_conversation("apple")]}, timeout=60)
    assert r.status_code == 400 and "only for algo sft" in r.json()["error"]["message"]
    r = httpx.post(
        f"{server.url}/train",
        json={"algo": "sft", "conversations": [{"messages": [{"role": "user", "content": "x"}]}]},
        timeout=60,
    )
    assert r.status_code == 400 and "conversations[0]" in r.json()["error"]["message"]
    assert httpx.get(f"{server.url}/health", timeout=10).json()["step"] == 0


def _server_rows(url: str, temperature: float = 1.0) -> list[dict]:
    """Rows built exactly from the server's own answers: prompt ids, sampled ids, their logprobs."""
    rows = []
    for g, word in enumerate(("apple", "river")):
        body = httpx.post(
            f"{url}/v1/chat/completions",
            json={
                "messages": [{"role": "user", "content": f"Call the echo tool with the word: {word}"}],
                "tools": [ECHO],
                "temperature": temperature,
                "n": 4,
                "max_tokens": 8,
                "seed": g,
                "logprobs": True,
                "return_token_ids": True,
            },
            timeout=60,
        ).json()
        for i, choice in enumerate(body["choices"]):
            ids = choice["token_ids"]
            rows.append(
                {
                    "prompt_ids": body["prompt_token_ids"],
                    "completion_ids": ids,
                    "logprobs": [e["logprob"] for e in choice["logprobs"]["content"]],
                    "env_mask": [1] * len(ids),
                    "rewards": [float(i % 2)],
                    "group": word,
                }
            )
    return rows


def test_grpo_rows_from_the_server_train_a_step(start_server, tmp_path: Path) -> None:
    """Token in, token out: rows built from the server's own ids and logprobs train as they are."""
    server = start_server(tmp_path / "out")
    done = _train(server.url, {"algo": "grpo", "config": {}, "rows": _server_rows(server.url)})[-1]
    assert done["type"] == "done" and done["policy"] == "tiny@1", done
    # The ratio starts at 1: the server's logprobs are what the trainer recomputes.
    assert done["metrics"]["clip_fraction"] == 0.0


def test_rows_sampled_below_temperature_one_need_recomputed_old_logprobs(start_server, tmp_path: Path) -> None:
    """The server reports raw (T = 1) logprobs, as vLLM does; a loss at the sampling temperature
    against them starts with ratios far from 1. `palestra train` therefore sends `temperature` with
    `old_logprobs: "recompute"` (runtime/src/train/train.ts, rlConfig): the ratio starts at 1."""
    server = start_server(tmp_path / "out")
    rows = _server_rows(server.url, temperature=0.5)
    mismatched = _train(server.url, {"algo": "grpo", "config": {"temperature": 0.5}, "rows": rows})[-1]
    assert mismatched["metrics"]["clip_fraction"] > 0.05, mismatched
    server.stop()
    server = start_server(tmp_path / "again")
    config = {"temperature": 0.5, "old_logprobs": "recompute"}
    matched = _train(server.url, {"algo": "grpo", "config": config, "rows": rows})[-1]
    assert matched["metrics"]["clip_fraction"] == 0.0, matched


def test_grpo_kl_anchors_to_the_warm_start_also_after_a_restart(start_server, tmp_path: Path) -> None:
    """After an SFT warm start, GRPO's KL reference is the warm-started policy (a frozen copy of the
    adapter GRPO took over), recorded in state.json so a restarted service keeps the same anchor."""
    grpo = {"algo": "grpo", "config": {"beta": 0.1, "learning_rate": 0.01}}
    a = start_server(tmp_path / "a")
    warm = _train(a.url, SFT)[-1]["adapter"]
    rows = _server_rows(a.url)
    first = _train(a.url, {**grpo, "rows": rows})[-1]
    assert first["metrics"]["kl"] < 1e-7, first  # at the take-over the policy is its own reference
    assert json.loads((tmp_path / "a" / "state.json").read_text())["reference"] == warm
    a.stop()
    a = start_server(tmp_path / "a")
    resumed = _train(a.url, {**grpo, "rows": rows})[-1]["metrics"]["kl"]
    a.stop()

    b = start_server(tmp_path / "b")  # the same steps, never stopped
    _train(b.url, SFT)
    _train(b.url, {**grpo, "rows": rows})
    straight = _train(b.url, {**grpo, "rows": rows})[-1]["metrics"]["kl"]
    b.stop()
    assert resumed > 1e-5 and resumed == pytest.approx(straight, rel=1e-4), (resumed, straight)

    c = start_server(tmp_path / "c")  # TRL's PEFT anchor: the adapter switched off
    _train(c.url, SFT)
    base = {"algo": "grpo", "config": {**grpo["config"], "ref_policy": "base"}, "rows": rows}
    assert _train(c.url, base)[-1]["metrics"]["kl"] > 1e-3


def test_ppo_saves_its_value_head_beside_the_adapter(start_server, tmp_path: Path) -> None:
    out = tmp_path / "out"
    server = start_server(out)
    done = _train(server.url, {"algo": "ppo", "config": {}, "rows": _server_rows(server.url)})[-1]
    assert done["type"] == "done" and done["policy"] == "tiny@1", done
    folder = out / "adapters" / done["adapter"]
    assert (folder / "value_head.safetensors").is_file()
    assert json.loads((out / "state.json").read_text())["algo"] == "ppo"


def test_a_state_whose_adapter_is_gone_is_a_clear_error(start_server, tmp_path: Path) -> None:
    out = tmp_path / "out"
    server = start_server(out)
    sha = _train(server.url, SFT)[-1]["adapter"]
    server.stop()
    shutil.rmtree(out / "adapters" / sha)
    with pytest.raises(RuntimeError, match="fresh --out") as err:
        start_server(out)
    assert sha in str(err.value)
