"""Command line: `python -m palestra_trainer serve ...` and `python -m palestra_trainer make-tiny DIR`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DESCRIPTION = """\
Palestra's trainer: serves a model being trained with LoRA as an OpenAI-compatible endpoint
(with token ids and log-probabilities, as vLLM returns them) and trains it one step at a time.

  serve       load a local model folder (or the built-in tiny model), serve it, accept /train
  make-tiny   write the tiny test model (a Qwen2-architecture folder made in code) to a folder

Models are never downloaded: --model is a local Hugging Face folder (config.json, weights,
tokenizer with a chat template), or `tiny`.
"""

SERVE_EXAMPLE = """\
example:
  python -m palestra_trainer serve --model tiny --name echo-policy --port 8008 --out .palestra/trainer
  curl localhost:8008/health
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m palestra_trainer", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser(
        "serve",
        help="serve the policy and accept training steps",
        description="Serve NAME@STEP over HTTP (OpenAI /v1/chat/completions, /train, /health).",
        epilog=SERVE_EXAMPLE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--model", required=True, help="local model folder, or `tiny` for the built-in test model")
    serve.add_argument(
        "--name", default="policy", help="name the policy is served under, as NAME@STEP (default: policy)"
    )
    serve.add_argument("--lora-rank", type=int, default=8, help="LoRA rank r (default: 8)")
    serve.add_argument("--lora-alpha", type=int, default=None, help="LoRA alpha (default: 2 × rank)")
    serve.add_argument(
        "--target-modules", default=None, help="comma-separated modules to adapt (default: all linear projections)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8008, help="port; 0 picks a free one and prints it (default: 8008)")
    serve.add_argument(
        "--gpu", choices=("auto", "cpu", "cuda"), default="auto", help="auto takes CUDA when present (default: auto)"
    )
    serve.add_argument(
        "--quantize", choices=("none", "nf4"), default="none", help="nf4 = QLoRA's 4-bit base (default: none)"
    )
    serve.add_argument("--out", required=True, help="folder for adapters and state.json; an existing one is resumed")
    serve.add_argument("--seed", type=int, default=0, help="seed for the adapter's initial weights (default: 0)")
    serve.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: torch's choice; 1 for --model tiny)"
    )
    tiny = sub.add_parser(
        "make-tiny", help="write the tiny test model folder", description="Write the tiny Qwen2 test model to DIR."
    )
    tiny.add_argument("dir", help="folder to write (created if missing)")
    tiny.add_argument("--seed", type=int, default=0, help="weights seed (default: 0)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "make-tiny":
        from .tiny import make_tiny

        print(make_tiny(args.dir, seed=args.seed))
        return 0

    def log(line: str) -> None:
        print(f"palestra-trainer: {line}", file=sys.stderr, flush=True)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    elif args.model == "tiny" and "OMP_NUM_THREADS" not in os.environ:
        # The tiny model's matrices are too small to split: one thread is several times faster than
        # two (about 10x on a busy 2-core machine, measured), and leaves the rollouts a core.
        torch.set_num_threads(1)
    from .model import DEFAULT_TARGET_MODULES, ModelFolderError, load_policy
    from .server import bind, make_server
    from .service import PolicyService

    sock = bind(args.host, args.port)  # fail on a taken port before spending time loading the model
    targets = tuple(args.target_modules.split(",")) if args.target_modules else DEFAULT_TARGET_MODULES
    try:
        policy = load_policy(args.model, args.lora_rank, args.lora_alpha, targets, args.gpu, args.quantize, args.seed)
    except (ModelFolderError, RuntimeError, ValueError) as err:
        log(str(err))
        return 2
    try:
        service = PolicyService(policy, args.name, Path(args.out), log=log)
    except RuntimeError as err:  # a state.json that cannot be resumed
        log(str(err))
        return 2
    log(f"serving {service.policy_id} ({args.model} on {policy.device}, quantize {args.quantize}, out {args.out})")

    def ready(host: str, port: int) -> None:
        print(f"palestra-trainer listening on http://{host}:{port}", flush=True)

    make_server(service, ready).run(sockets=[sock])
    service.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
