"""The turn record on the Python side: the runtime's golden fixture validates against this package's
model, uses exactly its fields (the runtime's `turnRecordGolden.test.ts` holds its zod schema to the
same file, so the two languages agree), and malformed records fail with their JSON path."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from palestra_trainer.turn_record import (
    TURN_RECORD_VERSION,
    Completion,
    ToolCall,
    TurnRecord,
    Usage,
    parse_turn_record,
)

# runtime/trainer/tests → runtime/fixtures: the file the runtime's golden test writes and checks.
GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "turn-record.golden.json"


def golden_records() -> list[dict[str, Any]]:
    # No skip when the file is missing: open() fails the test loudly.
    with GOLDEN.open(encoding="utf-8") as f:
        golden = json.load(f)
    records = [t["record"] for t in golden["turns"]]
    assert len(records) == 4, "the golden fixture has four model turns"
    return records


def test_every_golden_record_validates_and_round_trips():
    for k, record in enumerate(golden_records()):
        parsed = parse_turn_record(record, f"$.turns[{k}].record")
        assert parsed.v == TURN_RECORD_VERSION
        assert parsed.model_dump() == record


def test_the_golden_uses_exactly_the_fields_of_the_model():
    records = golden_records()
    assert any(r["completion"]["toolCalls"] for r in records), "the fixture has tool calls to compare"
    for record in records:
        assert sorted(record) == sorted(TurnRecord.model_fields)
        assert sorted(record["completion"]) == sorted(Completion.model_fields)
        for call in record["completion"]["toolCalls"]:
            assert sorted(call) == sorted(ToolCall.model_fields)
        assert record["usage"] is not None
        assert sorted(record["usage"]) == sorted(Usage.model_fields)


def test_the_golden_values_have_the_types_the_model_declares():
    # What model_validate checks, stated per field, so a loosened model (say, Any) fails here.
    for record in golden_records():
        parsed = parse_turn_record(record)
        assert isinstance(parsed.agent, str) and parsed.agent
        assert all(isinstance(t, int) and t >= 0 for t in parsed.promptTokenIds or [])
        assert all(isinstance(t, int) and t >= 0 for t in parsed.completionTokenIds or [])
        assert parsed.logprobs is not None and all(isinstance(x, float) for x in parsed.logprobs)
        assert isinstance(parsed.completion.toolCalls, list)
        assert all(isinstance(c.arguments, str) for c in parsed.completion.toolCalls)


def test_a_record_written_before_v_existed_is_version_1():
    record = copy.deepcopy(golden_records()[1])
    del record["v"]
    assert parse_turn_record(record).v == 1


def test_nullable_fields_accept_null_and_are_still_required():
    base = golden_records()[0]
    for field in ("policy", "finishReason", "promptTokenIds", "completionTokenIds", "logprobs", "usage"):
        assert getattr(parse_turn_record({**base, field: None}), field) is None
        missing = {k: v for k, v in base.items() if k != field}
        with pytest.raises(ValueError, match=rf"^\$\.{field}: Field required"):
            parse_turn_record(missing)


def mutated(edit) -> dict[str, Any]:
    record = copy.deepcopy(golden_records()[2])
    edit(record)
    return record


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda r: r["logprobs"].__setitem__(2, "-0.5"), r"^\$\.steps\[2\]\.turn\.logprobs\[2\]: "),
        (lambda r: r["logprobs"].__setitem__(0, float("nan")), r"^\$\.steps\[2\]\.turn\.logprobs\[0\]: "),
        (lambda r: r["promptTokenIds"].__setitem__(1, -3), r"^\$\.steps\[2\]\.turn\.promptTokenIds\[1\]: "),
        (lambda r: r["promptTokenIds"].__setitem__(1, True), r"^\$\.steps\[2\]\.turn\.promptTokenIds\[1\]: "),
        (lambda r: r["completion"]["toolCalls"][0].__setitem__("arguments", {}), r"toolCalls\[0\]\.arguments: "),
        (lambda r: r["completion"].__setitem__("reasoning", "hm"), r"^\$\.steps\[2\]\.turn\.completion\.reasoning: "),
        (lambda r: r.__setitem__("extra", 1), r"^\$\.steps\[2\]\.turn\.extra: "),
        (lambda r: r["usage"].__setitem__("completionTokens", "3"), r"\.usage\.completionTokens: "),
        (lambda r: r.__setitem__("v", 0), r"^\$\.steps\[2\]\.turn\.v: "),
        (lambda r: r.__setitem__("v", True), r"^\$\.steps\[2\]\.turn\.v: "),
        (lambda r: r.__setitem__("v", TURN_RECORD_VERSION + 1), r"newer than this trainer reads"),
        (lambda r: r.pop("completion"), r"^\$\.steps\[2\]\.turn\.completion: Field required"),
    ],
)
def test_malformed_records_fail_with_their_json_path(edit, message):
    with pytest.raises(ValueError, match=message):
        parse_turn_record(mutated(edit), "$.steps[2].turn")


def test_a_record_that_is_not_an_object_fails_at_its_own_path():
    with pytest.raises(ValueError, match=r"^\$\.failure\.turn: "):
        parse_turn_record("a string", "$.failure.turn")
