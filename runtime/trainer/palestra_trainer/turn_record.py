"""The turn record, the trainer's contract with the runtime: what a model saw and said at one turn.

The runtime writes one beside the first episode step each model turn caused and defines it with a zod
schema (`runtime/src/agents/turnRecord.ts`); the training rows the trainer receives are built from
these records. This is the same contract in Python, so a record can be checked on this side too:
the same fields, the same types, unknown fields refused, and a record written before `v` existed read
as version 1. Both sides hold themselves to the golden fixture `runtime/fixtures/turn-record.golden.json`
(`tests/test_turn_record.py` here, `turnRecordGolden.test.ts` there).

pydantic (already here through fastapi) does the checking: strict models with `extra="forbid"` give a
located error for every wrong type, missing field or unknown key, which `parse_turn_record` turns into
a JSON path like the runtime's (`$.steps[3].turn.logprobs[2]`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

#: The version of the turn record this trainer reads (the runtime's `TURN_RECORD_VERSION`).
TURN_RECORD_VERSION = 1

# Strict: no coercion ("3" is not 3, true is not 1); an int is still a valid float, as in JSON.
_STRICT = ConfigDict(extra="forbid", strict=True)

TokenId = Annotated[int, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]
LogProb = Annotated[float, Field(allow_inf_nan=False)]


class ToolCall(BaseModel):
    """One tool call as the model wrote it (`arguments` verbatim, malformed JSON included)."""

    model_config = _STRICT

    id: str
    name: str
    arguments: str


class Completion(BaseModel):
    """What the model said: text and tool calls, as returned."""

    model_config = _STRICT

    text: str | None
    toolCalls: list[ToolCall]


class Usage(BaseModel):
    model_config = _STRICT

    promptTokens: Count
    completionTokens: Count


class TurnRecord(BaseModel):
    """One model turn. Nullable fields are required (null when the endpoint did not return them);
    only `v` may be absent, in records written before it existed. Field names are the record's own
    (camelCase, as the runtime writes them), so no aliases stand between the two."""

    model_config = _STRICT

    #: Exactly 1 (an int range, not Literal[1]: a Literal accepts True, which equals 1 in Python).
    v: Annotated[int, Field(ge=TURN_RECORD_VERSION, le=TURN_RECORD_VERSION)] = TURN_RECORD_VERSION
    #: The agent, e.g. `openai:gpt-4o-mini`.
    agent: Annotated[str, Field(min_length=1)]
    #: The policy version that answered (`model@step` for a trained adapter), when known.
    policy: str | None
    #: The request's messages, in the provider's own format (what the model saw).
    messages: list[Any]
    completion: Completion
    finishReason: str | None
    promptTokenIds: list[TokenId] | None
    completionTokenIds: list[TokenId] | None
    #: One log-probability per completion token.
    logprobs: list[LogProb] | None
    usage: Usage | None
    latencyMs: Annotated[float, Field(ge=0, allow_inf_nan=False)]


def _json_path(base: str, loc: tuple[int | str, ...]) -> str:
    """`$.steps[3].turn` + `("logprobs", 2)` → `$.steps[3].turn.logprobs[2]`."""
    out = base
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def parse_turn_record(obj: Any, path: str = "$") -> TurnRecord:
    """Validates one turn record (a parsed JSON object) against the contract.

    Raises ValueError naming the JSON path of the first problem, e.g.
    `$.steps[3].turn.logprobs[2]: Input should be a valid number`, or saying the record is from a
    newer Palestra than this trainer reads.
    """
    if isinstance(obj, dict) and isinstance(obj.get("v"), int) and obj["v"] > TURN_RECORD_VERSION:
        raise ValueError(
            f"{path}.v: turn record version {obj['v']} is newer than this trainer reads ({TURN_RECORD_VERSION}); "
            "upgrade palestra-trainer"
        )
    try:
        return TurnRecord.model_validate(obj)
    except ValidationError as err:
        first = err.errors()[0]
        raise ValueError(f"{_json_path(path, first['loc'])}: {first['msg']}") from err
