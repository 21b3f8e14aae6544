import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { parseTurnRecord, turnRecordSchema } from '../../../runtime/src/agents/turnRecord.ts';
import { recordTurnGolden, TURN_GOLDEN_PATH, type TurnGolden } from './turnRecordGolden.ts';

test('the golden turn-record fixture is what the server + openai agent produce today', async () => {
  const fresh = await recordTurnGolden();
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(TURN_GOLDEN_PATH)) {
    mkdirSync(dirname(TURN_GOLDEN_PATH), { recursive: true });
    writeFileSync(TURN_GOLDEN_PATH, `${JSON.stringify(fresh, null, 2)}\n`);
  }
  const golden = JSON.parse(readFileSync(TURN_GOLDEN_PATH, 'utf8')) as TurnGolden;
  // A round trip through JSON, as the file went: no undefined fields, no -0.
  assert.deepEqual(JSON.parse(JSON.stringify(fresh)), golden);
});

test('the fixture covers what the trainer reads: ids and logprobs per turn, invalid and multi-call turns', () => {
  const golden = JSON.parse(readFileSync(TURN_GOLDEN_PATH, 'utf8')) as TurnGolden;
  assert.equal(golden.terminated, true);
  assert.equal(golden.turns.length, 4);
  for (const { record } of golden.turns) {
    assert.equal(record.latencyMs, 0);
    assert.ok(record.promptTokenIds && record.promptTokenIds.length > 0);
    assert.ok(record.completionTokenIds && record.completionTokenIds.length > 0);
    assert.equal(record.logprobs?.length, record.completionTokenIds.length);
    assert.ok(record.logprobs.every((l) => l < 0));
    assert.deepEqual(record.usage, {
      promptTokens: record.promptTokenIds.length,
      completionTokens: record.completionTokenIds.length,
    });
  }
  const [text, malformed, two, last] = golden.turns;
  assert.deepEqual(
    text!.steps.map((s) => s.action),
    [{ text: 'Let me look into this ticket first.' }],
  );
  assert.equal(malformed!.steps[0]!.invalidAction?.code, 'INVALID_ARGUMENTS');
  assert.equal(typeof malformed!.record.completion.toolCalls[0]?.arguments, 'string');
  assert.equal(two!.steps.length, 2);
  assert.equal(last!.record.completion.toolCalls[0]?.name, 'escalate');
  // Each turn's prompt holds the whole conversation so far: it only grows.
  const lengths = golden.turns.map((t) => t.record.promptTokenIds!.length);
  assert.deepEqual(
    lengths,
    [...lengths].sort((a, b) => a - b),
  );
});

test('every record of the fixture parses with the turn-record schema, and uses exactly its fields', () => {
  // The trainer's pytest (runtime/trainer/tests/test_turn_record.py) holds its own field list to
  // this same file: both equal to the fixture's, the two languages agree on the contract.
  const golden = JSON.parse(readFileSync(TURN_GOLDEN_PATH, 'utf8')) as TurnGolden;
  const keys = (o: object) => Object.keys(o).sort();
  const shape = turnRecordSchema.shape;
  assert.ok(golden.turns.some((t) => t.record.completion.toolCalls.length > 0));
  for (const [k, { record }] of golden.turns.entries()) {
    assert.deepEqual(parseTurnRecord(record, { path: ['turns', k, 'record'] }), record);
    assert.deepEqual(keys(record), keys(shape));
    assert.deepEqual(keys(record.completion), keys(shape.completion.shape));
    for (const call of record.completion.toolCalls)
      assert.deepEqual(keys(call), keys(shape.completion.shape.toolCalls.element.shape));
    assert.ok(record.usage);
    assert.deepEqual(keys(record.usage), keys(shape.usage.unwrap().shape));
  }
});
