"""Starting and stopping a `palestra serve` process.

The Node CLI is found in this order: `PALESTRA_CLI` (a command line, e.g. ``node /x/runtime/bin/palestra.js``),
the checkout this package sits in (``runtime/bin/palestra.js`` above ``python/src/palestra``), the
checkout the current directory is in, then ``npx palestra``.
"""

from __future__ import annotations

import atexit
import os
import re
import shlex
import shutil
import signal
import subprocess
import threading
import weakref
from collections import deque
from pathlib import Path
from typing import Literal

from .errors import ServerStartError

_CLI = Path("runtime") / "bin" / "palestra.js"
_SERVING = re.compile(r"^serving (?P<env>\S+) on (?P<url>http://\S+)")

InvalidActions = Literal["reject", "penalize"]


def find_checkout() -> Path | None:
    """The Palestra checkout holding this package or the current directory, if any."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / _CLI).is_file():
                return folder
    return None


def cli_command() -> list[str]:
    """The command that runs the `palestra` CLI (see the module's doc for the order)."""
    explicit = os.environ.get("PALESTRA_CLI")
    if explicit:
        return shlex.split(explicit)
    checkout = find_checkout()
    node = shutil.which("node")
    if checkout is not None and node is not None:
        return [node, str(checkout / _CLI)]
    npx = shutil.which("npx")
    if npx is not None:
        return [npx, "--no-install", "palestra"]
    raise ServerStartError(
        "CLI_NOT_FOUND",
        "found neither a Palestra checkout (runtime/bin/palestra.js) with `node` nor `npx`",
        {"hint": "set PALESTRA_CLI, e.g. PALESTRA_CLI='node /path/to/palestra/runtime/bin/palestra.js'"},
    )


class ServerProcess:
    """A `palestra serve <env> --port 0` child process: its URL, and `close()` to stop it.

    The process is stopped on `close()`, when this object is garbage-collected, and at interpreter
    exit. Its output is drained by a thread (a full pipe would block the server); the last lines are
    kept for error messages.

    Example:
        >>> server = ServerProcess("frozen-lake")
        >>> server.url  # doctest: +SKIP
        'http://127.0.0.1:40123'
        >>> server.close()
    """

    def __init__(
        self,
        env: str,
        *,
        max_sessions: int = 8,
        invalid_actions: InvalidActions = "penalize",
        idle_timeout: float = 0,
        start_timeout: float = 60.0,
    ) -> None:
        args = [
            *cli_command(),
            "serve",
            env,
            "--port",
            "0",
            "--max-sessions",
            str(max_sessions),
            "--invalid-actions",
            invalid_actions,
            "--idle-timeout",
            str(idle_timeout),
        ]
        self.args = args
        self._output: deque[str] = deque(maxlen=40)
        try:
            self._process = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
            )
        except OSError as e:
            raise ServerStartError("SERVER_START_FAILED", f"could not run {shlex.join(args)}: {e}") from e
        self._finalizer = weakref.finalize(self, _stop, self._process)
        atexit.register(self._finalizer)
        ready = threading.Event()
        found: dict[str, str] = {}
        threading.Thread(target=self._drain, args=(ready, found), daemon=True).start()
        if not ready.wait(start_timeout) or "url" not in found:
            self.close()
            output = "\n".join(self._output).strip()
            raise ServerStartError(
                "SERVER_START_FAILED",
                f"`palestra serve {env}` did not start"
                + (f":\n{output}" if output else f" within {start_timeout:g} s"),
                {"env": env, "command": shlex.join(args), "output": output},
            )
        self.url: str = found["url"]
        self.env: str = found["env"]

    def _drain(self, ready: threading.Event, found: dict[str, str]) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._output.append(line.rstrip("\n"))
            if not ready.is_set():
                match = _SERVING.match(line)
                if match:
                    found.update(match.groupdict())
                    ready.set()
        ready.set()  # the process ended: wake the waiter, which finds no URL

    @property
    def running(self) -> bool:
        """Whether the server process is still running."""
        return self._process.poll() is None

    def close(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s). Safe to call more than once."""
        self._finalizer()


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # `palestra serve` closes its sessions and exits 0
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
