"""The policy service's state: the model being trained, its version, named adapters, training steps.

One `PolicyService` owns the model. Inference and training never overlap (one lock: a training step
pauses inference, as in OpenPipe ART's backend); concurrent chat requests are gathered into batches
by a worker thread (`submit`), because the agents of a group ask at the same moment.

Versions follow ART: the served policy is `NAME@STEP`. After every step the adapter is saved under
`OUT/adapters/<sha256>/`, the in-memory model is already the new policy (hot swap for free), and
`OUT/state.json` is rewritten atomically last, so a crash at any point resumes from a consistent
step: the adapter, the step number and the optimizer state of the same step.
"""

from __future__ import annotations

import json
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .adapters import check_adapter_folder, load_adapter_weights, save_adapter
from .model import Policy
from .sampling import Sample, SampleRequest, sample

STATE_FILE = "state.json"
#: The frozen adapter that holds GRPO's KL reference (`ref_policy = "warm_start"`); never served.
REFERENCE_ADAPTER = "palestra-reference"
STATE_VERSION = 1


class UnknownModelError(LookupError):
    """A request named a model this server does not serve."""


@dataclass
class _Pending:
    request: SampleRequest
    adapter: str
    future: Future


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class PolicyService:
    """Serves `NAME@STEP` (and adapters loaded by name) and trains the `default` LoRA adapter."""

    def __init__(
        self,
        policy: Policy,
        name: str,
        out_dir: Path,
        max_batch_rows: int = 64,
        batch_quiet_s: float = 0.02,
        batch_window_s: float = 0.08,
        log: Callable[[str], None] = lambda s: None,
    ) -> None:
        self.policy = policy
        self.name = name
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.step = 0
        self.adapter_sha: str | None = None
        self.last_algo: str | None = None
        #: Extra adapters served by name (vLLM's /v1/load_lora_adapter): name -> folder.
        self.named_adapters: dict[str, Path] = {}
        self.lock = threading.Lock()
        self.log = log
        self._trainers: dict[str, tuple[str, Any]] = {}  # algo -> (config json, Trainer)
        self._pending_trainer_state: tuple[str, Path] | None = None
        #: The adapter the current algorithm took over (its KL anchor); None: the base model.
        self.reference_sha: str | None = None
        self._loaded_reference: str | None = None
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._max_batch_rows = max_batch_rows
        self._batch_quiet_s = batch_quiet_s
        self._batch_window_s = batch_window_s
        self._stop = threading.Event()
        self.batch_sizes: list[int] = []  # rows per generation batch, for measurements
        self.submitted = 0  # sampling requests received, for measurements and tests
        tok = policy.tokenizer
        # A turn ends at <|im_end|> (chat models), the tokenizer's eos, or any eos the model's
        # generation config names (Qwen lists both <|im_end|> and <|endoftext|>).
        gen_eos = getattr(getattr(policy.model, "generation_config", None), "eos_token_id", None)
        candidates = [tok.convert_tokens_to_ids("<|im_end|>"), tok.eos_token_id]
        candidates += gen_eos if isinstance(gen_eos, list) else [gen_eos]
        self.stop_ids = {i for i in candidates if isinstance(i, int) and i != tok.unk_token_id}
        self.pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        self.max_positions = getattr(policy.model.config, "max_position_embeddings", None)
        self._resume()
        self._worker = threading.Thread(target=self._run_batches, name="palestra-sampler", daemon=True)
        self._worker.start()

    # ---- versions -------------------------------------------------------------------------
    @property
    def policy_id(self) -> str:
        return f"{self.name}@{self.step}"

    def resolve(self, model: str | None) -> str:
        """Map a requested model name to an adapter: `default` for NAME / NAME@STEP, else a loaded name."""
        if model in (None, "", self.name, self.policy_id):
            return "default"
        if model in self.named_adapters:
            return model
        served = [self.policy_id, self.name, *self.named_adapters]
        raise UnknownModelError(f"The model `{model}` does not exist. This server serves: {', '.join(served)}.")

    def model_ids(self) -> list[str]:
        return [self.policy_id, self.name, *self.named_adapters]

    # ---- inference --------------------------------------------------------------------------
    def submit(self, request: SampleRequest, adapter: str = "default") -> Future:
        """Queue a sampling request; the future resolves to (its `Sample`s, the policy id that answered)."""
        fut: Future = Future()
        self._queue.put(_Pending(request, adapter, fut))
        self.submitted += 1
        return fut

    def _run_batches(self) -> None:
        held: list[_Pending] = []
        while not self._stop.is_set():
            if not held:
                try:
                    held.append(self._queue.get(timeout=0.2))
                except queue.Empty:
                    continue
                # The agents of a group send their requests within a few milliseconds of each other:
                # keep gathering while they keep coming (each within `quiet` of the last), up to `window`.
                deadline = time.monotonic() + self._batch_window_s
                while (left := deadline - time.monotonic()) > 0:
                    try:
                        held.append(self._queue.get(timeout=min(self._batch_quiet_s, left)))
                    except queue.Empty:
                        break
            while True:
                try:
                    held.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            adapter = held[0].adapter
            batch, rows, rest = [], 0, []
            for p in held:
                if p.adapter == adapter and (not batch or rows + p.request.n <= self._max_batch_rows):
                    batch.append(p)
                    rows += p.request.n
                else:
                    rest.append(p)
            held = rest
            try:
                results, served = self._generate([p.request for p in batch], adapter)
                self.batch_sizes.append(rows)
                for p, r in zip(batch, results, strict=True):
                    p.future.set_result((r, served))
            except Exception as err:  # noqa: BLE001 - handed to every waiting request
                for p in batch:
                    p.future.set_exception(err)

    def _generate(self, requests: list[SampleRequest], adapter: str) -> tuple[list[list[Sample]], str]:
        """Sample under the lock; also returns the id of the policy that answered (read under the same
        lock, so a request queued before a training step and answered after it says `NAME@STEP+1`)."""
        model = self.policy.model
        with self.lock:
            served = self.policy_id if adapter == "default" else adapter
            if adapter != "default":
                model.set_adapter(adapter, inference_mode=True)
            try:
                model.eval()
                samples = sample(model, requests, self.stop_ids, self.pad_id, self.policy.device, self.max_positions)
                return samples, served
            finally:
                if adapter != "default":
                    model.set_adapter("default")
                    self._freeze_named()

    def _freeze_named(self) -> None:
        """Only the `default` adapter is ever trained; keep loaded adapters out of the optimizer."""
        frozen = [*self.named_adapters, REFERENCE_ADAPTER]
        for pname, param in self.policy.model.named_parameters():
            if any(f".{n}." in pname for n in frozen):
                param.requires_grad_(False)

    def close(self) -> None:
        self._stop.set()
        self._worker.join(timeout=5)

    # ---- named adapters (vLLM's runtime LoRA API) -------------------------------------------
    def load_named(self, name: str, folder: Path) -> None:
        if name in ("default", self.name, self.policy_id, REFERENCE_ADAPTER):
            raise ValueError(f"lora_name `{name}` is taken by the policy being trained; choose another name")
        check_adapter_folder(folder)
        with self.lock:
            if name in self.named_adapters:
                self.policy.model.delete_adapter(name)
            self.policy.model.load_adapter(str(folder), adapter_name=name, is_trainable=False)
            self.policy.model.set_adapter("default")
            self.named_adapters[name] = folder
            self._freeze_named()

    def unload_named(self, name: str) -> None:
        if name not in self.named_adapters:
            raise UnknownModelError(f"The lora adapter `{name}` is not loaded.")
        with self.lock:
            self.policy.model.delete_adapter(name)
            del self.named_adapters[name]

    # ---- training -----------------------------------------------------------------------------
    def prepare(self, algo: str, config: dict[str, Any]) -> None:
        """Build (or reuse) the trainer now, so a bad config is refused before any step starts."""
        with self.lock:
            self._trainer(algo, config)

    def train(self, algo: str, config: dict[str, Any], rows: list[Any]) -> Iterator[dict[str, Any]]:
        """Run one optimisation step in a worker thread; yields NDJSON events as they happen.

        The step runs to completion and is saved even if the client goes away mid-stream.
        """
        events: queue.Queue[dict[str, Any] | None] = queue.Queue()

        def job() -> None:
            try:
                with self.lock:  # pauses inference until the new adapter is in place
                    events.put({"type": "progress", "stage": "training", "rows": len(rows), "step": self.step})
                    t0 = time.perf_counter()
                    trainer = self._trainer(algo, config)
                    self.policy.model.train()
                    try:
                        metrics = dict(trainer.step(rows))
                    finally:
                        self.policy.model.eval()
                    metrics.setdefault("step_seconds", time.perf_counter() - t0)
                    events.put({"type": "progress", "stage": "saving", "step": self.step + 1})
                    self._commit_step(algo, trainer)
                events.put(
                    {
                        "type": "done",
                        "step": self.step,
                        "policy": self.policy_id,
                        "adapter": self.adapter_sha,
                        "metrics": {k: float(v) for k, v in metrics.items()},
                    }
                )
            except Exception as err:  # noqa: BLE001 - reported in the stream (the status is already 200)
                events.put({"type": "error", "message": f"{type(err).__name__}: {err}", "step": self.step})
            finally:
                events.put(None)

        threading.Thread(target=job, name="palestra-train", daemon=True).start()
        while (event := events.get()) is not None:
            yield event

    def _trainer(self, algo: str, config: dict[str, Any]) -> Any:
        """One trainer per algorithm, kept across steps (its optimizer state is the point)."""
        from .algorithms import make_trainer  # imported late: the server runs without training too

        key = json.dumps(config, sort_keys=True)
        cached = self._trainers.get(algo)
        if cached and cached[0] == key:
            return cached[1]
        trainer = make_trainer(algo, self.policy.model, config)
        if cached:  # same algorithm, new config: carry the optimizer state over
            trainer.load_state_dict(cached[1].state_dict())
        elif self._pending_trainer_state and self._pending_trainer_state[0] == algo:
            trainer.load_state_dict(torch.load(self._pending_trainer_state[1], weights_only=False))
            self._pending_trainer_state = None
        else:
            # This algorithm takes the adapter over as it is now: that is its KL anchor.
            self.reference_sha = self.adapter_sha
            if self.last_algo and self.last_algo in self._trainers:
                # Another algorithm trained this adapter last (SFT warm start → GRPO): continue its moments.
                n = trainer.adopt_adapter_moments(self._trainers[self.last_algo][1].state_dict())
                self.log(f"{algo} continues {self.last_algo}'s optimizer moments ({n} tensors)")
            elif self._pending_trainer_state:  # the same, after a restart
                trainer.adopt_adapter_moments(torch.load(self._pending_trainer_state[1], weights_only=False))
                self._pending_trainer_state = None
        cfg = getattr(trainer, "config", None)
        if hasattr(trainer, "reference_adapter") and cfg.beta != 0 and cfg.ref_policy == "warm_start":
            trainer.reference_adapter = self._load_reference()
        self._trainers[algo] = (key, trainer)
        return trainer

    def _load_reference(self) -> str | None:
        """Load `reference_sha` as the frozen reference adapter (once per sha); None for the base."""
        if self.reference_sha is None:
            return None
        if self._loaded_reference != self.reference_sha:
            model = self.policy.model
            if self._loaded_reference is not None:
                model.delete_adapter(REFERENCE_ADAPTER)
            folder = self.out_dir / "adapters" / self.reference_sha
            check_adapter_folder(folder)
            model.load_adapter(str(folder), adapter_name=REFERENCE_ADAPTER, is_trainable=False)
            model.set_adapter("default")
            self._freeze_named()
            self._loaded_reference = self.reference_sha
            self.log(f"KL reference: adapter {self.reference_sha[:12]} (the policy this algorithm started from)")
        return REFERENCE_ADAPTER

    def _commit_step(self, algo: str, trainer: Any) -> None:
        """Save adapter and trainer state, then state.json last (the commit point)."""
        extra = trainer.extra_modules() if hasattr(trainer, "extra_modules") else {}
        sha, _ = save_adapter(self.policy.model, self.out_dir / "adapters", extra)
        step = self.step + 1
        trainer_dir = self.out_dir / "trainer"
        trainer_dir.mkdir(exist_ok=True)
        trainer_file = trainer_dir / f"{algo}-step-{step}.pt"
        tmp = trainer_dir / f".{trainer_file.name}.tmp"
        torch.save(trainer.state_dict(), tmp)
        os.replace(tmp, trainer_file)
        state = {
            "version": STATE_VERSION,
            "step": step,
            "adapter": sha,
            "algo": algo,
            "policy": f"{self.name}@{step}",
            "trainer_state": str(trainer_file.relative_to(self.out_dir)),
            "reference": self.reference_sha,
            "model": self.policy.model_name,
        }
        _write_atomic(self.out_dir / STATE_FILE, (json.dumps(state, indent=2) + "\n").encode())
        for old in trainer_dir.glob("*-step-*.pt"):
            if old != trainer_file:
                old.unlink(missing_ok=True)
        self.step, self.adapter_sha, self.last_algo = step, sha, algo

    def _resume(self) -> None:
        path = self.out_dir / STATE_FILE
        if not path.is_file():
            return
        state = json.loads(path.read_text())
        folder = self.out_dir / "adapters" / state["adapter"]
        try:
            load_adapter_weights(self.policy.model, folder)
        except (FileNotFoundError, ValueError) as err:
            raise RuntimeError(
                f"{path} says step {state['step']} served adapter {state['adapter']}, but it cannot be loaded "
                f"({err}). Restore that folder, or start with a fresh --out."
            ) from err
        self.step, self.adapter_sha, self.last_algo = int(state["step"]), state["adapter"], state.get("algo")
        self.reference_sha = state.get("reference")
        trainer_state = self.out_dir / state.get("trainer_state", "")
        if state.get("algo") and trainer_state.is_file():
            self._pending_trainer_state = (state["algo"], trainer_state)
        self.log(f"resumed {self.policy_id} from {path} (adapter {self.adapter_sha[:12]})")

    def health(self) -> dict[str, Any]:
        return {
            "status": "ok",
            "model": self.policy.model_name,
            "policy": self.policy_id,
            "step": self.step,
            "device": str(self.policy.device),
            "quantize": self.policy.quantize,
            "adapter": self.adapter_sha,
            "adapters": sorted(self.named_adapters),
        }
