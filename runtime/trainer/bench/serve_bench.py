"""Policy-server throughput on the tiny model: one request at a time vs a group arriving at once.

    runtime/trainer/.venv/bin/python runtime/trainer/bench/serve_bench.py [--group 8] [--tokens 32]

A group of episodes asks for its turns at the same moment; the server gathers concurrent requests
into one batch (service.py). This prints completion tokens per second for the sampler alone (no
HTTP) and over real HTTP against a server in its own process (as `palestra train` runs it):
sequential requests, the same requests sent concurrently, and one request with n = group.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402
import torch  # noqa: E402

from palestra_trainer.chat import render_prompt  # noqa: E402
from palestra_trainer.model import load_policy  # noqa: E402
from palestra_trainer.sampling import SampleRequest, sample  # noqa: E402
from palestra_trainer.tiny import make_tiny  # noqa: E402

ECHO = {"type": "function", "function": {"name": "echo", "parameters": {"type": "object"}}}


def _messages(i: int) -> list[dict]:
    return [{"role": "user", "content": f"Call the echo tool with the word: w{i}"}]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="palestra-serve-bench-"))
    tiny = make_tiny(tmp / "tiny")
    rows: list[tuple[str, int, int, float]] = []

    # The sampler alone. Temperature 1 on an untrained model almost never samples <|im_end|>, so
    # completions run to max_tokens.
    policy = load_policy(tiny, lora_rank=8, device="cpu")
    stop = {policy.tokenizer.convert_tokens_to_ids("<|im_end|>")}
    prompts = [render_prompt(policy.tokenizer, _messages(i), [ECHO]) for i in range(args.group)]
    sample(policy.model, [SampleRequest(prompts[0], max_tokens=4)], stop, 0, policy.device)  # warm-up
    for mode, reqs in [
        ("sampler: 1 sequence", [SampleRequest(prompts[0], max_tokens=args.tokens, seed=0)]),
        (
            f"sampler: {args.group} prompts, one batch",
            [SampleRequest(p, max_tokens=args.tokens, seed=i) for i, p in enumerate(prompts)],
        ),
    ]:
        t0 = time.perf_counter()
        out = sample(policy.model, reqs, stop, 0, policy.device)
        rows.append((mode, len(reqs), sum(len(s.token_ids) for r in out for s in r), time.perf_counter() - t0))

    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "palestra_trainer",
            "serve",
            "--model",
            str(tiny),
            "--name",
            "bench",
            "--port",
            "0",
            "--out",
            str(tmp / "out"),
            "--threads",
            str(args.threads),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        url = server.stdout.readline().split(" on ", 1)[1].strip()
        # One pooled client, as the rollout engine's HTTP agent keeps its connections: a fresh httpx
        # client per request spends ~10-50 ms building an SSL context, which staggers a group's arrivals.
        client = httpx.Client(timeout=600, limits=httpx.Limits(max_connections=args.group))

        def post(i: int, n: int = 1) -> int:
            body = {
                "messages": _messages(i),
                "tools": [ECHO],
                "max_tokens": args.tokens,
                "n": n,
                "seed": i,
                "logprobs": True,
                "return_token_ids": True,
            }
            r = client.post(f"{url}/v1/chat/completions", json=body).json()
            return sum(len(c["token_ids"]) for c in r["choices"])

        post(0)  # warm-up
        t0 = time.perf_counter()
        tokens = sum(post(i) for i in range(args.group))
        rows.append(("HTTP: sequential requests", args.group, tokens, time.perf_counter() - t0))
        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.group) as pool:
            tokens = sum(pool.map(post, range(args.group)))
        rows.append(("HTTP: concurrent requests", args.group, tokens, time.perf_counter() - t0))
        t0 = time.perf_counter()
        tokens = post(0, n=args.group)
        rows.append((f"HTTP: one request, n={args.group}", 1, tokens, time.perf_counter() - t0))
    finally:
        server.terminate()
        server.wait(30)

    params = sum(p.numel() for p in policy.model.parameters())
    print(
        f"tiny Qwen2 ({params:,} params incl. LoRA r=8), CPU, {args.threads} torch thread(s), max_tokens {args.tokens}"
    )
    print(f"| {'mode':<36} | requests | tokens | seconds | tokens/s |")
    print(f"|{'-' * 38}|----------|--------|---------|----------|")
    for mode, n, tok, s in rows:
        print(f"| {mode:<36} | {n:>8} | {tok:>6} | {s:>7.2f} | {tok / s:>8.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
