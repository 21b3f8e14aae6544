"""The policy server over real HTTP on loopback: vLLM's response shape, exact log-probabilities,
seeded sampling, errors in OpenAI's shape, batching of concurrent requests, runtime LoRA."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
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


def _request(**extra) -> dict:
    body = {
        "model": "tiny",
        "messages": [{"role": "user", "content": "Call the echo tool with the word: apple"}],
        "tools": [ECHO],
        "max_tokens": 12,
        "logprobs": True,
        "return_token_ids": True,
        "seed": 7,
    }
    body.update(extra)
    return body


def _fresh_logprobs(service, prompt_ids: list[int], completion_ids: list[int]) -> torch.Tensor:
    """What the trainer recomputes: log-softmax at temperature 1 of one unpadded forward pass."""
    ids = torch.tensor([prompt_ids + completion_ids])
    with torch.no_grad():
        logits = service.policy.model(input_ids=ids).logits[0].float()
    logp = torch.log_softmax(logits[len(prompt_ids) - 1 : -1], dim=-1)
    return logp.gather(-1, torch.tensor(completion_ids)[:, None]).squeeze(-1)


@pytest.fixture(scope="module")
def server(tiny_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """One server for the module: these tests only read (the LoRA test restores what it changes)."""
    from conftest import launch

    handle = launch(tiny_dir, tmp_path_factory.mktemp("out"))
    yield handle
    handle.stop()


def test_response_has_vllms_shape_and_exact_logprobs(server) -> None:
    r = httpx.post(f"{server.url}/v1/chat/completions", json=_request(n=2, top_logprobs=3), timeout=60)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["object"] == "chat.completion" and body["model"] == "tiny@0"
    prompt = body["prompt_token_ids"]
    assert isinstance(prompt, list) and prompt and body["usage"]["prompt_tokens"] == len(prompt)
    assert len(body["choices"]) == 2
    tok = server.service.policy.tokenizer
    for i, choice in enumerate(body["choices"]):
        assert choice["index"] == i
        assert set(choice["message"]) == {"role", "content", "tool_calls"}
        assert choice["finish_reason"] in ("stop", "length", "tool_calls")
        ids = choice["token_ids"]
        content = choice["logprobs"]["content"]
        assert len(ids) == len(content) > 0
        for tid, entry in zip(ids, content, strict=True):
            assert set(entry) == {"token", "logprob", "bytes", "top_logprobs"}
            assert entry["token"] == tok.decode([tid])
            assert len(entry["top_logprobs"]) == 3
            assert entry["top_logprobs"][0]["logprob"] >= entry["logprob"] - 1e-6
        fresh = _fresh_logprobs(server.service, prompt, ids)
        got = torch.tensor([e["logprob"] for e in content])
        assert torch.allclose(got, fresh, atol=1e-4), (got - fresh).abs().max()
    assert body["usage"]["completion_tokens"] == sum(len(c["token_ids"]) for c in body["choices"])


def test_tokens_as_token_ids_and_no_ids_unless_asked(server) -> None:
    r = httpx.post(
        f"{server.url}/v1/chat/completions", json=_request(return_tokens_as_token_ids=True), timeout=60
    ).json()
    ids = r["choices"][0]["token_ids"]
    assert [e["token"] for e in r["choices"][0]["logprobs"]["content"]] == [f"token_id:{i}" for i in ids]
    plain = httpx.post(
        f"{server.url}/v1/chat/completions", json=_request(return_token_ids=False, logprobs=False), timeout=60
    ).json()
    assert plain["prompt_token_ids"] is None
    assert plain["choices"][0]["token_ids"] is None and plain["choices"][0]["logprobs"] is None


def test_seeded_sampling_is_reproducible(server) -> None:
    def ids(seed: int) -> list[list[int]]:
        body = httpx.post(f"{server.url}/v1/chat/completions", json=_request(seed=seed, n=2), timeout=60).json()
        return [c["token_ids"] for c in body["choices"]]

    first = ids(11)
    assert ids(11) == first
    assert ids(12) != first
    assert first[0] != first[1]  # the n choices are different samples


def test_temperature_zero_is_greedy(server) -> None:
    body = httpx.post(
        f"{server.url}/v1/chat/completions", json=_request(temperature=0, max_tokens=6), timeout=60
    ).json()
    ids = body["choices"][0]["token_ids"]
    prompt = body["prompt_token_ids"]
    context = list(prompt)
    for tid in ids:
        with torch.no_grad():
            logits = server.service.policy.model(input_ids=torch.tensor([context])).logits[0, -1]
        assert int(logits.argmax()) == tid
        context.append(tid)


def test_unknown_model_is_404_in_openai_shape(server) -> None:
    r = httpx.post(f"{server.url}/v1/chat/completions", json=_request(model="gpt-9"), timeout=60)
    assert r.status_code == 404
    err = r.json()["error"]
    assert err["code"] == 404 and err["param"] == "model" and "gpt-9" in err["message"] and "tiny@0" in err["message"]


def test_stream_and_bad_requests_are_400(server) -> None:
    r = httpx.post(f"{server.url}/v1/chat/completions", json=_request(stream=True), timeout=60)
    assert r.status_code == 400 and r.json()["error"]["param"] == "stream"
    r = httpx.post(f"{server.url}/v1/chat/completions", json=_request(n=0), timeout=60)
    assert r.status_code == 400 and r.json()["error"]["param"] == "n"
    r = httpx.post(f"{server.url}/v1/chat/completions", json=_request(stop=["\n"]), timeout=60)
    assert r.status_code == 400 and r.json()["error"]["param"] == "stop"
    r = httpx.post(f"{server.url}/v1/chat/completions", json=_request(tool_choice="required"), timeout=60)
    assert r.status_code == 400 and r.json()["error"]["param"] == "tool_choice"
    ok = httpx.post(f"{server.url}/v1/chat/completions", json=_request(tool_choice="auto", stop=None), timeout=60)
    assert ok.status_code == 200
    r = httpx.post(f"{server.url}/v1/chat/completions", content=b"{not json", timeout=60)
    assert r.status_code == 400 and "not JSON" in r.json()["error"]["message"]


def test_health_and_models(server) -> None:
    health = httpx.get(f"{server.url}/health", timeout=10).json()
    assert health["status"] == "ok" and health["policy"] == "tiny@0" and health["step"] == 0
    assert health["device"] == "cpu" and health["quantize"] == "none" and health["adapter"] is None
    ids = [m["id"] for m in httpx.get(f"{server.url}/v1/models", timeout=10).json()["data"]]
    assert ids == ["tiny@0", "tiny"]
    ok = httpx.post(f"{server.url}/v1/chat/completions", json=_request(model="tiny@0", max_tokens=2), timeout=60)
    assert ok.status_code == 200 and ok.json()["model"] == "tiny@0"


def test_concurrent_requests_share_a_batch_and_keep_their_logprobs(server) -> None:
    words = ["apple", "river", "stone", "cloud", "maple", "tiger", "ocean", "ember"]
    bodies = [
        _request(messages=[{"role": "user", "content": f"Call the echo tool with the word: {w}"}], seed=i)
        for i, w in enumerate(words)
    ]
    service = server.service
    service.batch_sizes.clear()
    # Hold the model, as a running batch or training step would, until all 8 requests are queued:
    # then they must be answered in fewer than 8 batches, whatever the timing of their arrival.
    with httpx.Client(timeout=120) as client, ThreadPoolExecutor(len(bodies)) as pool:
        with service.lock:
            before = service.submitted
            futures = [pool.submit(client.post, f"{server.url}/v1/chat/completions", json=b) for b in bodies]
            for _ in range(600):
                if service.submitted - before == len(bodies):
                    break
                time.sleep(0.1)  # waiting for a condition, bounded; not a timing assumption
            assert service.submitted - before == len(bodies)
        results = [f.result().json() for f in futures]
    assert len(service.batch_sizes) < len(bodies) and sum(service.batch_sizes) == len(bodies), service.batch_sizes
    for body in results:
        choice = body["choices"][0]
        fresh = _fresh_logprobs(server.service, body["prompt_token_ids"], choice["token_ids"])
        got = torch.tensor([e["logprob"] for e in choice["logprobs"]["content"]])
        assert torch.allclose(got, fresh, atol=1e-4)


def test_load_and_unload_a_lora_adapter_by_name(server, tmp_path: Path) -> None:
    from palestra_trainer.adapters import save_adapter

    model = server.service.policy.model
    # Make a different adapter: perturb the B matrices, save, then restore the served policy.
    saved = {n: p.detach().clone() for n, p in model.named_parameters() if "lora_B" in n}
    with torch.no_grad():
        for n, p in model.named_parameters():
            if "lora_B" in n:
                p.add_(0.5 * torch.randn_like(p))
    _, folder = save_adapter(model, tmp_path / "adapters")
    with torch.no_grad():
        for n, p in model.named_parameters():
            if n in saved:
                p.copy_(saved[n])
    r = httpx.post(
        f"{server.url}/v1/load_lora_adapter", json={"lora_name": "other", "lora_path": str(folder)}, timeout=60
    )
    assert r.status_code == 200, r.text
    assert "other" in [m["id"] for m in httpx.get(f"{server.url}/v1/models", timeout=10).json()["data"]]
    greedy = {"temperature": 0, "max_tokens": 8}
    a = httpx.post(f"{server.url}/v1/chat/completions", json=_request(model="other", **greedy), timeout=60).json()
    b = httpx.post(f"{server.url}/v1/chat/completions", json=_request(model="tiny", **greedy), timeout=60).json()
    assert a["model"] == "other" and b["model"] == "tiny@0"
    la = [e["logprob"] for e in a["choices"][0]["logprobs"]["content"]]
    lb = [e["logprob"] for e in b["choices"][0]["logprobs"]["content"]]
    assert la != lb
    # The served policy is untouched by serving the other adapter, and only `default` trains.
    assert all(torch.equal(p, saved[n]) for n, p in model.named_parameters() if n in saved)
    assert not any(p.requires_grad for n, p in model.named_parameters() if ".other." in n)
    r = httpx.post(f"{server.url}/v1/unload_lora_adapter", json={"lora_name": "other"}, timeout=60)
    assert r.status_code == 200
    gone = httpx.post(f"{server.url}/v1/chat/completions", json=_request(model="other"), timeout=60)
    assert gone.status_code == 404
    missing = httpx.post(
        f"{server.url}/v1/load_lora_adapter", json={"lora_name": "x", "lora_path": str(tmp_path / "nope")}, timeout=60
    )
    assert missing.status_code == 400 and "does not exist" in missing.json()["error"]["message"]
