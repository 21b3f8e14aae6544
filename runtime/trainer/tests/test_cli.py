"""The command line, as a newcomer and `palestra train` use it: a real process on a free port."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import httpx

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}


def test_help_explains_the_commands() -> None:
    out = subprocess.run([sys.executable, "-m", "palestra_trainer", "--help"], capture_output=True, text=True, env=ENV)
    assert (
        out.returncode == 0 and "serve" in out.stdout and "make-tiny" in out.stdout and "never downloaded" in out.stdout
    )
    serve = subprocess.run(
        [sys.executable, "-m", "palestra_trainer", "serve", "--help"], capture_output=True, text=True, env=ENV
    )
    for flag in ("--model", "--name", "--lora-rank", "--port", "--gpu", "--quantize", "--out", "--seed"):
        assert flag in serve.stdout


def test_a_missing_model_folder_exits_with_a_clear_error(tmp_path: Path, capsys) -> None:
    """In-process (`main(argv)`): a second process would only add its imports' start-up time."""
    from palestra_trainer.__main__ import main

    missing = tmp_path / "nowhere"
    assert main(["serve", "--model", str(missing), "--port", "0", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(missing) in err and "never downloads" in err


def test_serve_on_port_zero_prints_the_address_and_answers(tiny_dir: Path, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "palestra_trainer",
            "serve",
            "--model",
            str(tiny_dir),
            "--name",
            "cli",
            "--lora-rank",
            "2",
            "--port",
            "0",
            "--out",
            str(tmp_path / "out"),
            "--gpu",
            "auto",
            "--threads",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        line: list[str] = []
        reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(120)
        assert line and line[0].startswith("palestra-trainer listening on http://127.0.0.1:"), (line, proc.poll())
        url = line[0].split(" on ", 1)[1].strip()
        assert not url.endswith(":0")
        health = httpx.get(f"{url}/health", timeout=10).json()
        assert health["policy"] == "cli@0" and health["model"] == str(tiny_dir) and health["device"] == "cpu"
    finally:
        proc.terminate()
        proc.wait(30)
