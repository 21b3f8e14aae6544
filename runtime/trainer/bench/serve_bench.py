"""Policy-server throughput on the tiny model: one request at a time vs a group arriving at once.

    runtime/trainer/.venv/bin/python runtime/trainer/bench/serve_bench.py [--group 8] [--tokens 32]

A group of episodes asks for its turns at the same moment; the server gathers concurrent requests
into one batch (service.py). This prints completion tokens per second over real HTTP for:
sequential requests, the same requests sent concurrently, and one request with n = group.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import httpx  # noqa: E402
import torch  # noqa: E402

from palestra_trainer.model import load_policy  # noqa: E402
from palestra_trainer.server import bind, make_server  # noqa: E402
from palestra_trainer.service import PolicyService  # noqa: E402
from palestra_trainer.tiny import make_tiny  # noqa: E402

ECHO = {"type": "function", "function": {"name": "echo", "parameters": {"type": "object"}}}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--group", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tmp = Path(tempfile.mkdtemp(prefix="palestra-serve-bench-"))
    service = PolicyService(load_policy(make_tiny(tmp / "tiny"), lora_rank=8, device="cpu"), "bench", tmp / "out")
    ready = threading.Event()
    url: list[str] = []
    server = make_server(service, lambda h, p: (url.append(f"http://{h}:{p}"), ready.set()))
    threading.Thread(target=server.run, kwargs={"sockets": [bind("127.0.0.1", 0)]}, daemon=True).start()
    ready.wait(60)

    def body(i: int, n: int = 1) -> dict:
        # Temperature 1 on an untrained model almost never samples <|im_end|>: completions run to max_tokens.
        return {"messages": [{"role": "user", "content": f"Call the echo tool with the word: w{i}"}], "tools": [ECHO],
                "max_tokens": args.tokens, "n": n, "seed": i, "logprobs": True, "return_token_ids": True}

    def post(b: dict) -> int:
        r = httpx.post(f"{url[0]}/v1/chat/completions", json=b, timeout=600).json()
        return sum(len(c["token_ids"]) for c in r["choices"])

    post(body(0))  # warm-up
    rows = []
    t0 = time.perf_counter()
    tokens = sum(post(body(i)) for i in range(args.group))
    rows.append(("sequential", args.group, tokens, time.perf_counter() - t0))
    service.batch_sizes.clear()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.group) as pool:
        tokens = sum(pool.map(post, [body(i) for i in range(args.group)]))
    rows.append((f"concurrent (batches {service.batch_sizes})", args.group, tokens, time.perf_counter() - t0))
    t0 = time.perf_counter()
    tokens = post(body(0, n=args.group))
    rows.append((f"one request, n={args.group}", 1, tokens, time.perf_counter() - t0))
    print(f"tiny Qwen2 ({sum(p.numel() for p in service.policy.model.parameters()):,} params), CPU, "
          f"{args.threads} torch threads, max_tokens {args.tokens}")
    print(f"| {'mode':<34} | requests | tokens | seconds | tokens/s |")
    print(f"|{'-' * 36}|----------|--------|---------|----------|")
    for mode, n, tok, s in rows:
        print(f"| {mode:<34} | {n:>8} | {tok:>6} | {s:>7.2f} | {tok / s:>8.1f} |")
    server.should_exit = True
    service.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
