"""Shared fixtures: the tiny model folder (built once per run) and a real policy server on loopback.

Threads are kept small: the suite shares two cores with other work, and tiny matrices gain nothing
from more threads.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import threading  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402

torch.set_num_threads(int(os.environ.get("PALESTRA_TEST_THREADS", "1")))


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from palestra_trainer.tiny import make_tiny

    return make_tiny(tmp_path_factory.mktemp("tiny"), seed=0)


@dataclass
class RunningServer:
    url: str
    service: object
    stop: Callable[[], None]


def launch(tiny_dir: Path, out: Path, name: str = "tiny", lora_rank: int = 4, seed: int = 0) -> RunningServer:
    """Start `PolicyService` + uvicorn in a thread on 127.0.0.1:0 (a real server on loopback)."""
    from palestra_trainer.model import load_policy
    from palestra_trainer.server import bind, make_server
    from palestra_trainer.service import PolicyService

    policy = load_policy(tiny_dir, lora_rank=lora_rank, device="cpu", seed=seed)
    service = PolicyService(policy, name, out)
    ready = threading.Event()
    address: list[str] = []

    def on_ready(host: str, port: int) -> None:
        address.append(f"http://{host}:{port}")
        ready.set()

    server = make_server(service, on_ready)
    sock = bind("127.0.0.1", 0)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert ready.wait(30), "the server did not start within 30 s"

    def stop() -> None:
        server.should_exit = True
        thread.join(10)
        service.close()
        sock.close()

    return RunningServer(address[0], service, stop)


@pytest.fixture
def start_server(tiny_dir: Path) -> Iterator[Callable[..., RunningServer]]:
    """A factory of servers (see `launch`); every one is stopped at teardown."""
    running: list[RunningServer] = []

    def start(out: Path, **kwargs) -> RunningServer:
        handle = launch(tiny_dir, out, **kwargs)
        running.append(handle)
        return handle

    yield start
    for handle in running:
        handle.stop()


def pytest_configure(config: pytest.Config) -> None:
    # transformers 5 warns about its own deprecated call inside peft; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore:.*is_gradient_checkpointing.*:FutureWarning")
