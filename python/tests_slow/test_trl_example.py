"""TRL 1.16 against `palestra serve`: the example python/examples/trl_grpo.py trains for two GRPO steps,
and every catalog environment's tool methods pass through transformers' `get_json_schema` (what
GRPOTrainer renders into the prompt) into the JSON Schema the server declares.

Slow (TRL, transformers and torch start in ~10 s; the example takes ~30 s more), so it runs with the
e2e suites: `npm test -- python/tests_slow`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from transformers.utils import get_json_schema

from palestra import Client
from palestra.registration import catalog_names
from palestra.trl import environment_factory

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "trl_grpo.py"


def test_the_example_trains_two_grpo_steps_on_the_environments_rewards(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), "echo-target", "--steps", "2", "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TOKENIZERS_PARALLELISM": "false"},
    )
    assert run.returncode == 0, run.stderr[-4000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["env"] == "echo-target" and summary["tools"] == ["echo", "reply"]
    assert summary["steps"] == 2 and len(summary["rewards"]) == 2
    # The warm-started model calls the echo tool: TRL played the calls on the server, the episodes'
    # returns came back through get_reward, and some group's rewards differed (a gradient to follow).
    assert sum(summary["tool_calls"]) > 0, summary
    assert max(summary["rewards"]) > 0, summary
    assert max(summary["grad_norms"]) > 0, summary


@pytest.mark.parametrize("name", catalog_names())
def test_every_catalog_tool_renders_as_the_schema_the_server_declares(name: str) -> None:
    env_class = environment_factory(name, max_sessions=2)
    try:
        schema = Client(env_class.url).get("/schema")
        served = {
            a["properties"]["tool"]["const"]: a["properties"]["arguments"]
            for a in schema["action"]["oneOf"]
            if "const" in (a.get("properties", {}).get("tool") or {})
        }
        instance = env_class()
        rendered = {}
        for method, spec in env_class.tools.items():
            function = get_json_schema(getattr(instance, method))["function"]
            assert function["name"] == method and function["description"]
            rendered[spec["tool"]] = function["parameters"]
        assert set(rendered) == {*served, None}  # every tool, plus the text reply
        for tool, arguments in served.items():
            got = rendered[tool]
            assert set(got.get("properties", {})) == set(arguments.get("properties", {}))
            assert set(got.get("required", [])) == set(arguments.get("required", []))
            for arg, declared in arguments.get("properties", {}).items():
                if "enum" in declared:
                    assert got["properties"][arg]["enum"] == declared["enum"]
                elif declared.get("type") in ("string", "integer", "number", "boolean", "array", "object"):
                    assert got["properties"][arg]["type"] == declared["type"]
    finally:
        env_class.shutdown()
