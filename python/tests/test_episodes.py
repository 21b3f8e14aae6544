"""`palestra.episodes`: the catalog's golden episodes verify, tampered copies fail at their line, and
run folders written by the real CLI become tables."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from palestra import episodes
from palestra.episodes import EpisodeError
from palestra.server import cli_command, find_checkout

CHECKOUT = find_checkout()
assert CHECKOUT is not None
GOLDENS = sorted((CHECKOUT / "envs" / "catalog").glob("*/golden/*.jsonl"))


def _cli(*args: str) -> None:
    subprocess.run([*cli_command(), *args], cwd=CHECKOUT, check=True, capture_output=True, timeout=120)


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _write(path: Path, lines: list[dict]) -> Path:
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def _multi_step_golden() -> Path:
    return next(g for g in GOLDENS if len(_lines(g)) >= 5)  # header, ≥ 3 steps, footer


@pytest.mark.parametrize("golden", GOLDENS, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_every_golden_episode_verifies(golden: Path) -> None:
    episode = episodes.read(golden)
    lines = _lines(golden)
    assert episode.complete and not episode.failed
    assert episode.root == lines[-1]["root"] == episode.footer["root"]
    assert episode.length == lines[-1]["length"] == len(lines) - 2
    assert episode.return_micros == lines[-1]["return"]


def test_there_are_goldens_for_every_catalog_environment() -> None:
    assert len(GOLDENS) >= 18
    assert {g.parent.parent.name for g in GOLDENS} >= {"echo-target", "frozen-lake", "refund-desk", "tally"}


def test_the_hash_is_over_canonical_json_not_the_lines_bytes(tmp_path: Path) -> None:
    golden = _multi_step_golden()
    # Keys in another order, other spacing, a number written 1.0 instead of 1: the same JSON values.
    lines = [dict(reversed(list(line.items()))) for line in _lines(golden)]
    text = "".join(json.dumps(line, indent=None, separators=(" ,", ": ")) + "\n" for line in lines)
    path = tmp_path / "reordered.jsonl"
    path.write_text(text.replace('"v": 1', '"v": 1.0'), encoding="utf-8")
    assert episodes.read(path).root == episodes.read(golden).root


@pytest.mark.parametrize(
    ("line", "change", "why"),
    [
        (1, lambda e: e["info"].update(seed=e["info"]["seed"] + 1), "header hash does not match its content"),
        (3, lambda e: e["observation"].update(text=e["observation"]["text"] + "!"), "step 2: hash does not match"),
        (2, lambda e: e.update(reward=e["reward"] + 1), "step 1: hash does not match"),
        (-1, lambda e: e.update(root="0" * 64), "footer root is not the last step hash"),
        (-1, lambda e: e.update(length=e["length"] + 1), "footer says"),
    ],
)
def test_a_tampered_copy_fails_at_the_changed_line(tmp_path: Path, line: int, change, why: str) -> None:
    golden = _multi_step_golden()
    lines = _lines(golden)
    change(lines[line - 1 if line > 0 else line])
    path = _write(tmp_path / "tampered.jsonl", lines)
    with pytest.raises(EpisodeError) as caught:
        episodes.read(path)
    number = line if line > 0 else len(lines)
    assert caught.value.code == "RECORD_CORRUPT" and caught.value.details["line"] == number
    assert f"tampered.jsonl:{number}: " in str(caught.value) and why in str(caught.value)


def test_a_missing_step_is_named_at_the_line_where_it_shows(tmp_path: Path) -> None:
    lines = _lines(_multi_step_golden())
    del lines[2]  # step 2
    with pytest.raises(EpisodeError, match=r"gone\.jsonl:3: step 3 where step 2 was expected"):
        episodes.read(_write(tmp_path / "gone.jsonl", lines))


def test_a_file_cut_short_is_truncated_not_corrupt(tmp_path: Path) -> None:
    golden = _multi_step_golden()
    text = golden.read_text(encoding="utf-8")
    cut = text[: text.rindex("\n", 0, len(text) - 1) + 1]  # without the footer
    cut += text[len(cut) : len(cut) + 20]  # and half a last line, no final newline
    path = tmp_path / "cut.jsonl"
    path.write_text(cut, encoding="utf-8")
    episode = episodes.read(path)
    assert not episode.complete and episode.length == len(_lines(golden)) - 2
    path.write_text(cut + "\n", encoding="utf-8")  # a broken line that ends cleanly was not cut: corrupt
    with pytest.raises(EpisodeError, match="not valid JSON"):
        episodes.read(path)


def test_hostile_lines_are_refused_with_their_line(tmp_path: Path) -> None:
    lines = (_multi_step_golden()).read_text(encoding="utf-8").splitlines()
    deep = tmp_path / "deep.jsonl"
    deep.write_text("\n".join([lines[0], "[" * 100_000 + "]" * 100_000, *lines[1:]]) + "\n", encoding="utf-8")
    with pytest.raises(EpisodeError, match=r"deep\.jsonl:2: the line nests deeper than 128 levels"):
        episodes.read(deep)
    nan = tmp_path / "nan.jsonl"
    step = re.sub(r'"reward":-?\d+', '"reward":NaN', lines[1], count=1)  # JSON has no NaN; Python's json reads it
    assert step != lines[1]
    nan.write_text("\n".join([lines[0], step, *lines[2:]]) + "\n")
    with pytest.raises(EpisodeError, match=r"nan\.jsonl:2: "):
        episodes.read(nan)


def test_errors_for_what_is_not_an_episode_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(EpisodeError, match="RECORD_EMPTY"):
        episodes.read(tmp_path / "empty.jsonl")
    with pytest.raises(EpisodeError, match=r"RECORD_UNREADABLE.*no-such"):
        episodes.read(tmp_path / "no-such.jsonl")
    with pytest.raises(EpisodeError, match=r"RECORD_UNREADABLE.*it is a folder"):
        episodes.read(tmp_path)
    with pytest.raises(EpisodeError, match="RUN_EMPTY"):
        episodes.to_pandas(tmp_path)


@pytest.fixture(scope="module")
def random_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """refund-desk played by the random agent through the real CLI: episodes of several steps."""
    out = tmp_path_factory.mktemp("runs") / "rd"
    _cli("run", "refund-desk", "--agent", "random", "--episodes", "6", "--seed", "3", "--out", str(out))
    return out


@pytest.fixture(scope="module")
def scored_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """echo-target played right by a scripted agent, then scored by the rules overseer (score lines)."""
    root = tmp_path_factory.mktemp("runs")
    script = root / "echo.json"
    script.write_text(json.dumps([{"tool": "echo", "arguments": {"word": "cloud"}}]))
    out = root / "echo"
    _cli("run", "echo-target", "--agent", f"scripted:{script}", "--episodes", "3", "--seed", "1", "--out", str(out))
    _cli("score", *(str(p) for p in sorted(out.glob("episode-*.jsonl"))), "--overseer", "rules")
    return out


def test_a_run_folder_becomes_one_row_per_step(random_run: Path) -> None:
    summary = json.loads((random_run / "summary.json").read_text())
    df = episodes.to_pandas(random_run)
    assert len(df) == summary["throughput"]["steps"] > summary["episodes"]
    assert df.episode.nunique() == summary["episodes"] == 6
    for _, group in df.groupby("episode"):
        assert list(group.step) == list(range(1, len(group) + 1))
        assert group.return_so_far.iloc[-1] == pytest.approx(group.reward.sum())
    returns = df.groupby("episode").reward.sum()
    assert returns.mean() == pytest.approx(summary["returnMean"], abs=1e-9)
    assert set(df.tool.dropna()) <= {"lookup_order", "issue_refund", "deny_refund", "escalate", "reply"}
    first = json.loads(df.action.iloc[0])
    assert list(first)[:2] == ["tool", "arguments"] and first["tool"] == df.tool.iloc[0]


def test_a_run_folder_becomes_one_row_per_episode_with_messages(random_run: Path) -> None:
    summary = json.loads((random_run / "summary.json").read_text())
    ds = episodes.to_dataset(random_run, by="episode")
    assert ds.num_rows == 6 and ds.features["messages"] is not None
    assert sum(ds["length"]) == summary["throughput"]["steps"]
    per_task = {t["taskId"]: t["episodes"] for t in summary["perTask"]}
    assert {t: ds["task_id"].count(t) for t in set(ds["task_id"])} == per_task
    for row in ds:
        assert len(row["messages"]) == 1 + 2 * row["length"]
        assert row["messages"][0]["content"].startswith("You work the refund desk")
        assert [m["role"] for m in row["messages"][1:3]] == ["assistant", "user"]
        assert row["complete"] and row["score"] is None


def test_a_scored_run_has_its_scores_and_the_exact_rewards(scored_run: Path) -> None:
    df = episodes.to_pandas(scored_run, by="episode")
    cloud = df[df.task_id == "cloud"]
    assert len(cloud) >= 1 and (cloud["return"] == 1.0).all() and (cloud.return_micros == 1_000_000).all()
    assert df.score.notna().all() and (df.judge == "rules").all()
    assert (df.scored_root != df.root).all()
    steps = episodes.to_dataset(scored_run)
    assert steps.num_rows == 3 and set(steps["action"]) == {'{"tool": "echo", "arguments": {"word": "cloud"}}'}
    assert all(o.endswith("You said: cloud") for o in steps["observation"])


def test_a_changed_score_line_fails_at_its_line(scored_run: Path, tmp_path: Path) -> None:
    path = sorted(scored_run.glob("episode-*.jsonl"))[0]
    lines = _lines(path)
    assert lines[-1]["kind"] == "score"
    lines[-1]["reward"] += 1
    with pytest.raises(EpisodeError) as caught:
        episodes.read(_write(tmp_path / "rescored.jsonl", lines))
    assert caught.value.details["line"] == len(lines) and "the committed score changed" in str(caught.value)


def _forged_failure(tmp_path: Path, name: str, fault: str) -> Path:
    """A golden whose last step became a failure line (hashes recomputed, so only the fault can be wrong)."""
    lines = _lines(_multi_step_golden())
    header, steps = lines[0], lines[1:-2]
    last = lines[-2]
    body = {
        "kind": "failure",
        "i": last["i"],
        "action": last["action"],
        "error": {"code": "ACTION_TOO_LARGE", "message": "the action is too large", "fault": fault},
    }
    failure = {**body, "hash": episodes.chain_hash(steps[-1]["hash"], body)}
    footer = {
        "kind": "footer",
        "return": sum(s["reward"] for s in steps),
        "length": len(steps),
        "terminated": False,
        "truncated": False,
        "root": failure["hash"],
        "error": body["error"],
    }
    return _write(tmp_path / name, [header, *steps, failure, footer])


def test_a_failed_episode_reads_as_failed_and_a_wrong_fault_is_corrupt(tmp_path: Path) -> None:
    failed = episodes.read(_forged_failure(tmp_path, "failed.jsonl", "agent"))
    assert failed.complete and failed.failed and failed.root == failed.failure["hash"]
    with pytest.raises(EpisodeError, match=r"ACTION_TOO_LARGE is an agent fault, not an environment one"):
        episodes.read(_forged_failure(tmp_path, "wrong-fault.jsonl", "environment"))


def test_the_python_and_typescript_readers_agree_on_every_variant(
    tmp_path: Path, scored_run: Path, random_run: Path
) -> None:
    """The same files through `readEpisode` (envs/src/episode/reader.ts): the same verdict and line."""
    golden = _multi_step_golden()
    variants = [*GOLDENS[:3], golden, *sorted(scored_run.glob("*.jsonl")), *sorted(random_run.glob("*.jsonl"))]
    for i, change in enumerate(
        [
            lambda ls: ls[0]["info"].update(seed=99),
            lambda ls: ls[2]["observation"].update(text="changed"),
            lambda ls: ls[-1].update(root="0" * 64),
            lambda ls: ls[-1].update(length=ls[-1]["length"] + 1),
            lambda ls: ls[-1].update(**{"return": ls[-1]["return"] + 1}),
            lambda ls: ls.__delitem__(2),
            lambda ls: ls.insert(2, ls[1]),
            lambda ls: ls.append(ls[1]),
            lambda ls: ls[1].update(kind="stepp"),
        ]
    ):
        lines = _lines(golden)
        change(lines)
        variants.append(_write(tmp_path / f"tampered-{i}.jsonl", lines))
    text = golden.read_text(encoding="utf-8")
    (tmp_path / "cut.jsonl").write_text(text[: len(text) - 30], encoding="utf-8")
    (tmp_path / "float.jsonl").write_text(text.replace('"v":1,', '"v":1.0,'), encoding="utf-8")
    (tmp_path / "spaced.jsonl").write_text(text.replace('":', '" : '), encoding="utf-8")
    scored = _lines(sorted(scored_run.glob("*.jsonl"))[0])
    scored[-1]["rationale"] += "!"
    variants += [
        tmp_path / "cut.jsonl",
        tmp_path / "float.jsonl",
        tmp_path / "spaced.jsonl",
        _write(tmp_path / "rescored.jsonl", scored),
        _forged_failure(tmp_path, "failed.jsonl", "agent"),
        _forged_failure(tmp_path, "wrong-fault.jsonl", "environment"),
    ]
    script = f"""
      import {{ readEpisode }} from {json.dumps((CHECKOUT / "envs" / "src" / "node.ts").as_uri())};
      const out = [];
      for (const f of JSON.parse(process.argv[1])) {{
        try {{
          const e = readEpisode(f);
          out.push({{ ok: true, complete: e.complete, steps: e.steps.length, root: e.footer?.root ?? null }});
        }} catch (err) {{
          out.push({{ ok: false, code: err.code, line: err.details?.line ?? null }});
        }}
      }}
      console.log(JSON.stringify(out));
    """
    node = subprocess.run(
        ["node", "--import", "tsx", "--input-type=module", "-e", script, json.dumps([str(v) for v in variants])],
        cwd=CHECKOUT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    typescript = json.loads(node.stdout)
    python = []
    for v in variants:
        try:
            e = episodes.read(v)
            python.append({"ok": True, "complete": e.complete, "steps": e.length, "root": (e.footer or {}).get("root")})
        except EpisodeError as err:
            python.append({"ok": False, "code": err.code, "line": err.details.get("line")})
    assert python == typescript, (python, typescript)
    assert sum(not r["ok"] for r in python) == 11  # the nine tampered copies, the rescored one, the wrong fault
    assert [r["complete"] for r in python if r["ok"]].count(False) == 1  # the cut one
