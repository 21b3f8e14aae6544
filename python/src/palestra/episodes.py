"""Episode files in Python: read and verify them, and turn run folders into tables.

An episode file (``episode-000000.jsonl``, written by ``palestra run``, ``rollout``, ``eval``, …) is
JSONL: a header, one line per step (or a failure line), a footer, then any score lines. Every line
but the footer carries ``hash``: SHA-256 over the previous hash (32 raw bytes; nothing for the
header) followed by the line without its ``hash``, in RFC 8785 canonical JSON (envs/README.md,
envs/src/episode/chain.ts). `read` checks all of it exactly as the TypeScript reader
(``envs/src/episode/parseEpisode.ts``) does, and names the line of the first thing that does not add
up.

`to_pandas` and `to_dataset` turn a run folder into a table, one row per step (``by="step"``, the
default) or per episode (``by="episode"``, with a ``messages`` column for SFT).

Example:
    >>> from palestra import episodes
    >>> episode = episodes.read("runs/rd/episode-000000.jsonl")  # doctest: +SKIP
    >>> episode.return_, episode.length, episode.complete  # doctest: +SKIP
    (1.0, 3, True)
    >>> steps = episodes.to_pandas("runs/rd")  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeGuard

import rfc8785

from .errors import PalestraError

if TYPE_CHECKING:  # heavy imports, only for the conversions that need them
    import datasets
    import pandas

JsonObject = dict[str, Any]
Granularity = Literal["step", "episode"]

#: The limits of one line (``RECORD_LINE_LIMITS`` in envs/src/spec/limits.ts): nesting and length.
MAX_LINE_DEPTH = 128
MAX_LINE_CHARS = 64 * 1024 * 1024
#: Error codes the agent's output provokes (envs/src/kernel/fault.ts); every other code is the
#: environment's fault.
AGENT_FAULT_CODES = frozenset({"ACTION_TOO_LARGE", "OBSERVATION_TOO_LARGE", "RECORD_CORRUPT", "RECORD_FORGED"})
SCORE_RECORD_VERSION = 1
#: Rewards are integers of micro-units (10⁻⁶).
MICROS = 1_000_000

_SAFE_INT = 2**53 - 1
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


class EpisodeError(PalestraError):
    """An episode file that cannot be read or does not verify; ``details["line"]`` is the 1-based
    line of a corrupt record (codes as the TypeScript reader's: RECORD_CORRUPT, RECORD_EMPTY,
    RECORD_TRUNCATED, RECORD_VERSION, RECORD_UNREADABLE; RUN_EMPTY for a folder with no episode)."""


def fault_of(code: str) -> Literal["agent", "environment"]:
    """Whose fault an error code is: ``agent`` (its output provoked it) or ``environment``."""
    return "agent" if code in AGENT_FAULT_CODES else "environment"


@dataclass(frozen=True)
class Episode:
    """One verified episode file. The lines are kept as written (dicts, ``hash`` included)."""

    path: str
    header: JsonObject
    steps: list[JsonObject]
    footer: JsonObject | None
    #: The failure line, when a step failed (the environment's code threw, an oversized action, …).
    failure: JsonObject | None = None
    #: The overseer's committed scores, in order (score lines after the footer).
    scores: list[JsonObject] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """False when the file ended before its footer (a crash mid-episode)."""
        return self.footer is not None

    @property
    def failed(self) -> bool:
        """Whether a step failed: complete as a file, but never a finished episode."""
        return self.failure is not None or bool(self.footer and self.footer.get("error"))

    @property
    def length(self) -> int:
        """Completed steps."""
        return len(self.steps)

    @property
    def return_micros(self) -> int:
        """The return in micro-units: the exact sum of the steps' rewards."""
        return sum(int(s["reward"]) for s in self.steps)

    @property
    def return_(self) -> float:
        """The return as a float (``return_micros / 10⁶``)."""
        return self.return_micros / MICROS

    @property
    def root(self) -> str:
        """The last hash of the step chain (the header's when there is no step)."""
        last = self.failure or (self.steps[-1] if self.steps else self.header)
        return str(last["hash"])

    @property
    def scored_root(self) -> str:
        """The hash the episode commits to once scored: the last score line's, else the root."""
        return str(self.scores[-1]["hash"]) if self.scores else self.root


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) canonical JSON, as UTF-8: the encoding every hash in Palestra is taken over."""
    return rfc8785.dumps(value)


def chain_hash(previous_hex: str | None, entry: JsonObject) -> str:
    """SHA-256 of the previous hash's 32 bytes (none for a header) then ``canonical_json(entry)``."""
    h = hashlib.sha256()
    if previous_hex is not None:
        h.update(bytes.fromhex(previous_hex))
    h.update(canonical_json(entry))
    return h.hexdigest()


def read(path: str | Path) -> Episode:
    """Read an episode file and verify it: every hash, the chain, the footer's sums, a failed
    step's line, the score lines. A file that stops early (no footer, maybe half a last line) is
    *truncated* and returns with ``complete`` false; anything else that does not add up raises
    `EpisodeError` ``RECORD_CORRUPT`` naming the line (``path:line: why``).

    Example:
        >>> read("envs/catalog/echo-target/golden/seed-0.jsonl").length  # doctest: +SKIP
        1
    """
    name = str(path)
    p = Path(path)
    if p.is_dir():
        first = next(iter(episode_files(p)), None)
        raise EpisodeError(
            "RECORD_UNREADABLE",
            f"cannot read {name}: it is a folder, and an episode file (.jsonl) is expected",
            {"path": name, "hint": f"pass one episode of this run, e.g. {first}" if first else "pass an episode file"},
        )
    try:
        # As Node's readFileSync(path, 'utf8'): bytes that are not UTF-8 become U+FFFD.
        text = p.read_bytes().decode("utf-8", errors="replace")
    except OSError as e:
        raise EpisodeError("RECORD_UNREADABLE", f"cannot read {name}: {e.strerror or e}", {"path": name}) from e
    return parse(text, name)


def parse(text: str, name: str = "episode") -> Episode:
    """`read` for an episode's text already in memory; `name` goes into error messages."""
    return _Parser(name).parse(text)


def episode_files(run: str | Path) -> list[Path]:
    """A run folder's episode files (``episode-*.jsonl``), in order; a file is itself."""
    p = Path(run)
    if p.is_file():
        return [p]
    return sorted(f for f in p.glob("episode-*.jsonl") if f.is_file())


def read_run(run: str | Path | Iterable[str | Path]) -> list[Episode]:
    """Every episode of a run folder (or of the files given), read and verified."""
    files = [f for r in ([run] if isinstance(run, str | Path) else run) for f in episode_files(r)]
    if not files:
        raise EpisodeError(
            "RUN_EMPTY",
            f"no episode files (episode-*.jsonl) in {run}",
            {"path": str(run), "hint": "palestra run and rollout write them into their --out folder"},
        )
    return [read(f) for f in files]


def step_rows(episodes: Iterable[Episode]) -> list[JsonObject]:
    """One row per step: the episode's identity, the action (``action`` as JSON text, ``tool`` and
    ``text`` split out), the observation the step produced, its reward, and how the episode stands."""
    rows = []
    for e in episodes:
        base = _identity(e)
        total = 0
        for s in e.steps:
            total += int(s["reward"])
            action = s.get("action")
            observation = s.get("observation") or {}
            rows.append(
                {
                    **base,
                    "step": int(s["i"]),
                    "action": _action_json(action),
                    "tool": action.get("tool") if isinstance(action, dict) else None,
                    "text": action.get("text") if isinstance(action, dict) else None,
                    "observation": observation.get("text"),
                    "observation_json": _json(observation.get("json")),
                    "reward": int(s["reward"]) / MICROS,
                    "reward_micros": int(s["reward"]),
                    "return_so_far": total / MICROS,
                    "terminated": bool(s.get("terminated")),
                    "truncated": bool(s.get("truncated")),
                    "state": _json(s.get("state")),
                    "invalid_action": _json(s.get("invalidAction")),
                    "hash": s["hash"],
                }
            )
    return rows


def episode_rows(episodes: Iterable[Episode]) -> list[JsonObject]:
    """One row per episode: identity, outcome (return, length, terminated, truncated, complete,
    failed, the error), the roots, the last committed score, and ``messages``: the episode as a
    chat (``user``: the reset observation, then each step's observation; ``assistant``: each
    action, a text reply as its text and a tool call as ``{"tool", "arguments"}`` JSON), the
    ``messages`` column TRL's SFTTrainer reads."""
    rows = []
    for e in episodes:
        footer = e.footer or {}
        error = (e.failure or {}).get("error") or footer.get("error") or {}
        score = e.scores[-1] if e.scores else None
        rows.append(
            {
                **_identity(e),
                "instructions": (e.header.get("info") or {}).get("instructions"),
                "length": e.length,
                "return": e.return_,
                "return_micros": e.return_micros,
                "terminated": bool(footer.get("terminated")),
                "truncated": bool(footer.get("truncated")),
                "complete": e.complete,
                "failed": e.failed,
                "error_code": error.get("code"),
                "fault": error.get("fault") or (fault_of(error["code"]) if error.get("code") else None),
                "score": int(score["reward"]) / MICROS if score else None,
                "judge": score.get("judge") if score else None,
                "root": e.root,
                "scored_root": e.scored_root,
                "messages": messages(e),
            }
        )
    return rows


def messages(episode: Episode) -> list[dict[str, str]]:
    """The episode as chat messages (see `episode_rows`)."""
    first = (episode.header.get("observation") or {}).get("text") or ""
    out = [{"role": "user", "content": str(first)}]
    for s in episode.steps:
        action = s.get("action")
        if isinstance(action, dict) and set(action) == {"text"}:
            said = str(action["text"])
        else:
            said = _action_json(action) or ""
        out.append({"role": "assistant", "content": said})
        out.append({"role": "user", "content": str((s.get("observation") or {}).get("text") or "")})
    return out


def to_pandas(run: str | Path | Iterable[str | Path], by: Granularity = "step") -> pandas.DataFrame:
    """A run folder's episodes (verified) as a pandas DataFrame: one row per step (`step_rows`) or,
    with ``by="episode"``, per episode (`episode_rows`).

    Example:
        >>> df = to_pandas("runs/rd")  # doctest: +SKIP
        >>> df.groupby("task_id").reward.sum()  # doctest: +SKIP
    """
    import pandas

    return pandas.DataFrame(_rows(run, by), columns=_columns(by))


def to_dataset(run: str | Path | Iterable[str | Path], by: Granularity = "step") -> datasets.Dataset:
    """The same table as `to_pandas`, as a Hugging Face `datasets.Dataset` (for SFT: ``by="episode"``
    and its ``messages`` column).

    Example:
        >>> ds = to_dataset("runs/rd", by="episode")  # doctest: +SKIP
        >>> ds[0]["messages"][0]["role"]  # doctest: +SKIP
        'user'
    """
    import datasets

    rows = _rows(run, by)
    columns = {c: [r[c] for r in rows] for c in _columns(by)}
    return datasets.Dataset.from_dict(columns, features=_features(by))


# -- verification -------------------------------------------------------------------------------


class _Parser:
    """The TypeScript reader's checks, in its order (envs/src/episode/parseEpisode.ts)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def corrupt(self, line: int, why: str) -> EpisodeError:
        return EpisodeError(
            "RECORD_CORRUPT",
            f"{self.name}:{line}: {why}",
            {"line": line, "path": self.name, "hint": "the file was changed after it was written; re-run the episode"},
        )

    def parse(self, text: str) -> Episode:
        ends_clean = text.endswith("\n")
        lines = text.split("\n")
        if lines[-1] == "":
            lines.pop()
        if not lines:
            raise EpisodeError("RECORD_EMPTY", f"{self.name} is empty", {"path": self.name})
        parsed: list[JsonObject] = []
        for i, line in enumerate(lines):
            last_and_cut = i == len(lines) - 1 and not ends_clean
            self._check_limits(line, i + 1)
            try:
                value = json.loads(line, parse_int=_js_int, parse_constant=_no_constant)
            except (ValueError, RecursionError):
                if last_and_cut:  # only the very last line may be cut short, in a file without a final newline
                    break
                raise self.corrupt(i + 1, "not valid JSON") from None
            if not isinstance(value, dict):
                if last_and_cut:
                    break
                raise self.corrupt(i + 1, "a line is a JSON object")
            parsed.append(value)
        if not parsed or parsed[0].get("kind") != "header":
            if not parsed:
                raise EpisodeError("RECORD_TRUNCATED", f"{self.name} stops inside its header", {"path": self.name})
            raise self.corrupt(1, "the first line is not a header")
        return self._verify(parsed)

    def _check_limits(self, line: str, number: int) -> None:
        """``checkJsonText`` with ``RECORD_LINE_LIMITS``: before anything recurses over the line."""
        if len(line) * 2 > MAX_LINE_CHARS:  # JavaScript counts UTF-16 code units
            size = len(line.encode("utf-16-le")) // 2
            if size > MAX_LINE_CHARS:
                raise self.corrupt(number, f"the line is {size} characters; the limit is {MAX_LINE_CHARS}")
        depth = 0
        for m in _JSON_TOKENS.finditer(line):
            c = m.group()
            if c in "[{":
                depth += 1
                if depth > MAX_LINE_DEPTH:
                    raise self.corrupt(
                        number, f"the line nests deeper than {MAX_LINE_DEPTH} levels (at character {m.start()})"
                    )
            elif c in "]}":
                depth -= 1

    def _verify(self, parsed: list[JsonObject]) -> Episode:
        header = parsed[0]
        header_body = {k: v for k, v in header.items() if k != "hash"}
        last = self._hash(None, header_body, 1)
        if last != header.get("hash"):
            raise self.corrupt(1, "header hash does not match its content")
        steps: list[JsonObject] = []
        footer: JsonObject | None = None
        failure: JsonObject | None = None
        scores: list[JsonObject] = []
        total = 0
        for index in range(1, len(parsed)):
            line = index + 1
            entry = parsed[index]
            kind = entry.get("kind")
            if kind == "score":
                if footer is None:
                    raise self.corrupt(line, "a score line before the footer (only a finished episode is scored)")
                v = entry.get("v")
                if _is_number(v) and v > SCORE_RECORD_VERSION:
                    raise EpisodeError(
                        "RECORD_VERSION",
                        f"{self.name}:{line}: score line version {v} is newer than this Palestra reads "
                        f"({SCORE_RECORD_VERSION})",
                        {"line": line, "v": v, "hint": "upgrade Palestra to read this episode"},
                    )
                problems = _score_problems(entry)
                if problems:
                    raise self.corrupt(line, f"invalid score line: {'; '.join(problems)}")
                body = {k: v for k, v in entry.items() if k != "hash"}
                if body["n"] != len(scores) + 1:
                    raise self.corrupt(line, f"score {_js(body['n'])} where score {len(scores) + 1} was expected")
                last = self._hash(last, body, line)
                if last != entry["hash"]:
                    raise self.corrupt(
                        line, f"score {_js(body['n'])}: hash does not match (the committed score changed)"
                    )
                scores.append(entry)
                continue
            if footer is not None:
                raise self.corrupt(line, "a line after the footer that is not a score line")
            if failure is not None and kind != "footer":
                raise self.corrupt(line, "a line after the failure line that is not the footer")
            if kind == "failure":
                problems = _failure_problems(entry)
                if problems:
                    raise self.corrupt(line, f"invalid failure line: {'; '.join(problems)}")
                body = {k: v for k, v in entry.items() if k != "hash"}
                if body["i"] != len(steps) + 1:
                    raise self.corrupt(
                        line, f"the failure of step {_js(body['i'])} where step {len(steps) + 1} was expected"
                    )
                last = self._hash(last, body, line)
                if last != entry["hash"]:
                    raise self.corrupt(line, f"failure of step {_js(body['i'])}: hash does not match its content")
                error = body["error"]
                if error["fault"] != fault_of(error["code"]):
                    raise self.corrupt(
                        line,
                        f"failure of step {_js(body['i'])}: {error['code']} is an {fault_of(error['code'])} fault, "
                        f"not an {error['fault']} one",
                    )
                failure = entry
            elif kind == "step":
                body = {k: v for k, v in entry.items() if k != "hash"}
                if body.get("i") != len(steps) + 1 or not _is_number(body.get("i")):
                    raise self.corrupt(line, f"step {_js(body.get('i'))} where step {len(steps) + 1} was expected")
                last = self._hash(last, body, line)
                if last != entry.get("hash"):
                    raise self.corrupt(
                        line, f"step {_js(body['i'])}: hash does not match (content changed or a step is missing)"
                    )
                if not _is_safe_int(body.get("reward")):
                    raise self.corrupt(line, "reward is not an integer number of micro-units")
                total += int(body["reward"])
                steps.append(entry)
            elif kind == "footer":
                problems = _footer_problems(entry)
                if problems:
                    raise self.corrupt(line, f"invalid footer: {'; '.join(problems)}")
                footer = entry
                if entry["root"] != last:
                    raise self.corrupt(line, f"footer root is not the last {'failure' if failure else 'step'} hash")
                if entry["length"] != len(steps):
                    raise self.corrupt(line, f"footer says {_js(entry['length'])} steps, the file has {len(steps)}")
                if entry["return"] != total:
                    raise self.corrupt(
                        line, f"footer return {_js(entry['return'])} is not the sum of the rewards ({total})"
                    )
                error = entry.get("error")
                if error is not None:
                    derived = fault_of(error["code"])
                    if error.get("fault") is not None and error["fault"] != derived:
                        raise self.corrupt(
                            line, f"footer error {error['code']} is an {derived} fault, not an {error['fault']} one"
                        )
                    # Old records (a footer error without a failure line) carry no fault: derive it.
                    footer = {**entry, "error": {"code": error["code"], "message": error["message"], "fault": derived}}
                if failure is not None:
                    if footer.get("error") is None or canonical_json(footer["error"]) != canonical_json(
                        failure["error"]
                    ):
                        raise self.corrupt(line, "the footer's error is not the failure line's")
                    if entry["terminated"] or entry["truncated"]:
                        raise self.corrupt(line, "a failed episode is neither terminated nor truncated")
            else:
                raise self.corrupt(line, f"unknown line kind {_js(kind)}")
        return Episode(self.name, header, steps, footer, failure, scores)

    def _hash(self, previous: str | None, body: JsonObject, line: int) -> str:
        try:
            return chain_hash(previous, body)
        except (rfc8785.CanonicalizationError, UnicodeEncodeError, ValueError) as e:
            raise self.corrupt(line, f"no canonical JSON form: {e}") from None


# -- the zod schemas of the failure line, the footer and the score line, as checks ----------------


def _failure_problems(entry: JsonObject) -> list[str]:
    problems = _unknown_keys(entry, {"kind", "i", "action", "error", "turn", "hash"})
    if not (_is_int(entry.get("i")) and entry["i"] >= 1):
        problems.append("$.i: an integer of at least 1")
    if "action" not in entry:
        problems.append("$.action: the failing action is missing")
    problems += _error_problems(entry.get("error"), "$.error", fault_required=True)
    if not _is_hex64(entry.get("hash")):
        problems.append("$.hash: a SHA-256 hex digest")
    return problems


def _footer_problems(entry: JsonObject) -> list[str]:
    problems = []  # not strict: a footer is not hashed, and may grow optional fields
    if not _is_safe_int(entry.get("return")):
        problems.append("$.return: a safe integer of micro-units")
    if not (_is_int(entry.get("length")) and entry["length"] >= 0):
        problems.append("$.length: an integer of at least 0")
    for key in ("terminated", "truncated"):
        if not isinstance(entry.get(key), bool):
            problems.append(f"$.{key}: a boolean")
    if not _is_hex64(entry.get("root")):
        problems.append("$.root: a SHA-256 hex digest")
    if "error" in entry:
        problems += _error_problems(entry.get("error"), "$.error", fault_required=False)
    return problems


def _error_problems(error: Any, path: str, *, fault_required: bool) -> list[str]:
    if not isinstance(error, dict):
        return [f"{path}: an object {{code, message, fault}}"]
    problems = _unknown_keys(error, {"code", "message", "fault"}, path)
    if not (isinstance(error.get("code"), str) and error["code"]):
        problems.append(f"{path}.code: a non-empty string")
    if not isinstance(error.get("message"), str):
        problems.append(f"{path}.message: a string")
    if (fault_required or "fault" in error) and error.get("fault") not in ("agent", "environment"):
        problems.append(f"{path}.fault: agent or environment")
    return problems


def _score_problems(entry: JsonObject) -> list[str]:
    keys = {"kind", "v", "n", "overseer", "judge", "reward", "components", "rules", "verdicts", "veto", "fault"}
    problems = _unknown_keys(entry, keys | {"confidence", "rationale", "hash"})
    if entry.get("v") != SCORE_RECORD_VERSION or not _is_number(entry.get("v")):
        problems.append(f"$.v: {SCORE_RECORD_VERSION}")
    if not (_is_int(entry.get("n")) and entry["n"] >= 1):
        problems.append("$.n: an integer of at least 1")
    for key in ("overseer", "hash"):
        if not _is_hex64(entry.get(key)):
            problems.append(f"$.{key}: a SHA-256 hex digest")
    if not (isinstance(entry.get("judge"), str) and entry["judge"]):
        problems.append("$.judge: a non-empty string")
    if not _is_safe_int(entry.get("reward")):
        problems.append("$.reward: a safe integer of micro-units")
    components = entry.get("components")
    if not isinstance(components, list) or not all(
        isinstance(c, dict)
        and set(c) == {"name", "micros"}
        and isinstance(c["name"], str)
        and _is_safe_int(c["micros"])
        for c in components
    ):
        problems.append("$.components: a list of {name, micros}")
    rules = entry.get("rules")
    if rules is not None and not (
        isinstance(rules, dict)
        and set(rules) == {"micros", "veto"}
        and _is_safe_int(rules["micros"])
        and isinstance(rules["veto"], bool)
    ):
        problems.append("$.rules: {micros, veto} or null")
    if "rules" not in entry:
        problems.append("$.rules: required")
    verdicts = entry.get("verdicts")
    if not isinstance(verdicts, list) or not all(
        isinstance(d, dict)
        and set(d) == {"judge", "key", "entry"}
        and isinstance(d["judge"], str)
        and d["judge"]
        and _is_hex64(d["key"])
        and _is_hex64(d["entry"])
        for d in verdicts
    ):
        problems.append("$.verdicts: a list of {judge, key, entry}")
    if not isinstance(entry.get("veto"), bool):
        problems.append("$.veto: a boolean")
    if "fault" in entry and entry["fault"] not in ("agent", "environment"):
        problems.append("$.fault: agent or environment")
    confidence = entry.get("confidence")
    if not (_is_safe_int(confidence) and 0 <= confidence <= MICROS):
        problems.append("$.confidence: between 0 and 10⁶")
    if not isinstance(entry.get("rationale"), str):
        problems.append("$.rationale: a string")
    return problems


def _unknown_keys(value: JsonObject, allowed: set[str], path: str = "$") -> list[str]:
    return [f"{path}: unrecognized key {k!r}" for k in value if k not in allowed]


def _is_number(v: Any) -> TypeGuard[int | float]:
    """A JSON number (JavaScript has no bool-as-int)."""
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_int(v: Any) -> TypeGuard[int | float]:
    """A JSON number with an integral value (``5.0`` is the integer 5 in JavaScript)."""
    return _is_number(v) and float(v).is_integer()


def _is_safe_int(v: Any) -> TypeGuard[int | float]:
    return _is_int(v) and abs(v) <= _SAFE_INT


def _is_hex64(v: Any) -> bool:
    return isinstance(v, str) and _HEX64.match(v) is not None


def _js_int(text: str) -> int | float:
    """JSON integers as JavaScript reads them: exact up to 2⁵³, a double beyond (so that canonical
    JSON, which writes every number as JavaScript does, gives the writer's bytes)."""
    value = int(text)
    return value if abs(value) <= _SAFE_INT else float(value)


def _no_constant(text: str) -> Any:
    raise ValueError(f"{text} is not JSON")


def _js(value: Any) -> str:
    """A value as JavaScript's template literal shows it in the TypeScript reader's messages."""
    if _is_int(value):
        return str(int(value))
    return json.dumps(value) if not isinstance(value, str) else value


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _action_json(action: Any) -> str | None:
    """An action as an agent writes it: ``{"tool", "arguments"}`` in that order (the file's lines are
    canonical JSON, keys sorted), anything else as it is."""
    if isinstance(action, dict) and "tool" in action:
        action = {"tool": action["tool"], "arguments": action.get("arguments", {}), **action}
    return _json(action)


# -- tables -------------------------------------------------------------------------------------


def _identity(e: Episode) -> JsonObject:
    h = e.header
    spec = h.get("spec") or {}
    return {
        "episode": Path(e.path).name,
        "path": e.path,
        "env": spec.get("name"),
        "version": spec.get("version"),
        "seed": h.get("seed"),
        "task_id": h.get("taskId"),
        "task_index": h.get("taskIndex"),
        "agent": h.get("agent"),
    }


_IDENTITY = ["episode", "path", "env", "version", "seed", "task_id", "task_index", "agent"]
_STEP_COLUMNS = [
    *_IDENTITY,
    *("step", "action", "tool", "text", "observation", "observation_json", "reward", "reward_micros"),
    *("return_so_far", "terminated", "truncated", "state", "invalid_action", "hash"),
]
_EPISODE_COLUMNS = [
    *_IDENTITY,
    *("instructions", "length", "return", "return_micros", "terminated", "truncated", "complete", "failed"),
    *("error_code", "fault", "score", "judge", "root", "scored_root", "messages"),
]


def _columns(by: Granularity) -> list[str]:
    if by == "step":
        return _STEP_COLUMNS
    if by == "episode":
        return _EPISODE_COLUMNS
    raise PalestraError("TABLE_GRANULARITY", f'by must be "step" or "episode", not {by!r}', {"by": by})


def _rows(run: str | Path | Iterable[str | Path], by: Granularity) -> list[JsonObject]:
    _columns(by)
    episodes = read_run(run)
    return step_rows(episodes) if by == "step" else episode_rows(episodes)


def _features(by: Granularity) -> datasets.Features:
    """Explicit column types, so that an empty column (no score yet, no failure) keeps its type."""
    from datasets import Features, List, Value

    string, i64, f64, flag = Value("string"), Value("int64"), Value("float64"), Value("bool")
    identity = {
        "episode": string,
        "path": string,
        "env": string,
        "version": string,
        "seed": i64,
        "task_id": string,
        "task_index": i64,
        "agent": string,
    }
    if by == "step":
        return Features(
            {
                **identity,
                **{"step": i64, "action": string, "tool": string, "text": string, "observation": string},
                **{"observation_json": string, "reward": f64, "reward_micros": i64, "return_so_far": f64},
                **{"terminated": flag, "truncated": flag, "state": string, "invalid_action": string, "hash": string},
            }
        )
    return Features(
        {
            **identity,
            **{"instructions": string, "length": i64, "return": f64, "return_micros": i64},
            **{"terminated": flag, "truncated": flag, "complete": flag, "failed": flag},
            **{"error_code": string, "fault": string, "score": f64, "judge": string},
            **{"root": string, "scored_root": string},
            "messages": List({"role": string, "content": string}),
        }
    )


__all__ = [
    "Episode",
    "EpisodeError",
    "canonical_json",
    "chain_hash",
    "episode_files",
    "episode_rows",
    "fault_of",
    "messages",
    "parse",
    "read",
    "read_run",
    "step_rows",
    "to_dataset",
    "to_pandas",
]
