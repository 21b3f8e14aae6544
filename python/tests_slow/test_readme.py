"""A new Python user's first hour, as python/README.md tells it: `pip install ./python` into a fresh
virtualenv (from PyPI, nothing of the repository's venv), then every ```python block of the README, in
order, in one interpreter of that venv (the blocks build on each other, as in a notebook).

What the README leaves to the reader is provided, and only that: the server its ```sh block starts
(`npx palestra serve refund-desk --port 8000`, on a free port instead of 8000, which the blocks are
rewritten to), and the run folder `runs/rd` the repository's README makes (`palestra run refund-desk
--agent random --episodes 20 --seed 1 --out runs/rd`). A block preceded by
`<!-- readme-test: skip: <reason> -->` is not run; the reason is printed and there are at most two.

Slow (the install downloads gymnasium, pandas, datasets and their dependencies, or takes them from
pip's cache), so it runs with the e2e suites: `npm test -- python/tests_slow/test_readme.py`.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]
CHECKOUT = PACKAGE.parent
README = PACKAGE / "README.md"
CLI = CHECKOUT / "runtime" / "bin" / "palestra.js"
MAX_SKIPS = 2

_BLOCK = re.compile(r"(?:<!-- readme-test: skip: (?P<skip>[^>]*?) -->\s*\n)?```(?P<lang>\w*)\n(?P<body>.*?)```", re.S)


def readme_blocks() -> list[tuple[str, str, str | None]]:
    """(language, code, skip reason or None) for every fenced block of the README, in order."""
    return [(m["lang"], m["body"], m["skip"]) for m in _BLOCK.finditer(README.read_text())]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def fresh_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new venv with `pip install ./python` done exactly as the README says."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    started = time.monotonic()
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "-q", "./python"],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert install.returncode == 0, f"pip install ./python failed:\n{install.stdout[-3000:]}\n{install.stderr[-3000:]}"
    print(f"pip install ./python into a fresh venv: {time.monotonic() - started:.0f} s")
    return python


@pytest.fixture(scope="module")
def served_port() -> Iterator[int]:
    """The README's `npx palestra serve refund-desk --port 8000`, on a free port."""
    assert "npx palestra serve refund-desk --port 8000 --invalid-actions penalize" in README.read_text()
    port = free_port()
    server = subprocess.Popen(
        ["node", str(CLI), "serve", "refund-desk", "--port", str(port), "--invalid-actions", "penalize"],
        cwd=CHECKOUT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    failure = server.stderr.read() if server.stderr else ""
                    raise AssertionError(f"palestra serve did not start: {failure}")
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_a_fresh_venv_installs_the_package_and_runs_every_python_block(
    fresh_python: Path, served_port: int, tmp_path: Path
) -> None:
    blocks = readme_blocks()
    skipped = [(code.splitlines()[0], reason) for lang, code, reason in blocks if reason is not None]
    assert len(skipped) <= MAX_SKIPS, skipped
    for first_line, reason in skipped:
        print(f"not run: `{first_line}`: {reason}")
    runnable = [code for lang, code, reason in blocks if lang == "python" and reason is None]
    assert len(runnable) >= 4, "the README's python blocks were not found"

    # The run folder the repository's README makes, where the episodes block reads it.
    work = tmp_path / "reader"
    work.mkdir()
    subprocess.run(
        ["node", str(CLI), "run", "refund-desk", "--agent", "random"]
        + ["--episodes", "20", "--seed", "1", "--out", "runs/rd"],
        cwd=work,
        check=True,
        capture_output=True,
        timeout=300,
    )

    # One interpreter runs the blocks in order; each block's failure names it.
    script = ["import traceback, sys", "namespace = {}"]
    for i, code in enumerate(runnable):
        code = code.replace("127.0.0.1:8000", f"127.0.0.1:{served_port}")
        script += [
            f"print('--- block {i + 1}', flush=True)",
            "try:",
            f"    exec(compile({code!r}, 'python/README.md block {i + 1}', 'exec'), namespace)",
            "except Exception:",
            "    traceback.print_exc()",
            f"    sys.exit('block {i + 1} failed')",
        ]
    script += ["namespace['env'].close()", "print('--- all blocks ran')"]
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")},
        # Outside the checkout, the launcher is told where the Node CLI is (README: PALESTRA_CLI).
        "PALESTRA_CLI": f"{shutil.which('node')} {CLI}",
    }
    ran = subprocess.run(
        [str(fresh_python), "-c", "\n".join(script)],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert ran.returncode == 0, f"{ran.stdout[-3000:]}\n{ran.stderr[-4000:]}"
    assert "--- all blocks ran" in ran.stdout
    # The package came from the fresh venv, not from the repository's editable install.
    where = subprocess.run(
        [str(fresh_python), "-c", "import palestra; print(palestra.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.strip()
    assert str(fresh_python.parent.parent) in where, where
