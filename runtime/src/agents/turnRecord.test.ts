import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { EpisodeWriter, makeEnv, PalestraError, readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { TURN_GOLDEN_PATH, type TurnGolden } from '@palestra/testing/turn-record';
import { episodeConversation } from '../train/conversations.ts';
import { episodeRows } from '../train/rows.ts';
import { parseTurnRecord, TURN_RECORD_VERSION } from './turnRecord.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-turn-record-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const golden = (): TurnGolden => JSON.parse(readFileSync(TURN_GOLDEN_PATH, 'utf8')) as TurnGolden;

/**
 * The golden episode's actions played again on refund-desk and written through the real writer,
 * each turn record beside the first step it caused (`edit` may break the records first), then read
 * back through the real reader: the file is a valid episode, only its turn records are in question.
 */
async function writtenEpisode(name: string, edit: (records: Record<string, unknown>[]) => void = () => {}) {
  const source = loadCatalog('refund-desk');
  const { seed, turns } = golden();
  const records = turns.map((t) => structuredClone(t.record) as unknown as Record<string, unknown>);
  edit(records);
  const env = await makeEnv(source);
  const file = join(dir, `${name}.jsonl`);
  try {
    const writer = new EpisodeWriter(
      file,
      { spec: source.spec, seed, agent: 'openai:palestra-toy@step0' },
      env.reset({ seed }),
    );
    for (const [t, turn] of turns.entries())
      for (const [j, step] of turn.steps.entries())
        writer.step(step.action, env.step(step.action), j === 0 ? records[t] : undefined);
    writer.close();
  } finally {
    env.close();
  }
  return { episode: readEpisode(file), file };
}

/** The TURN_RECORD_INVALID error `fn` throws; a failed assertion if it throws nothing or something else. */
function invalidRecord(fn: () => unknown): PalestraError {
  let error: unknown;
  assert.throws(
    fn,
    (e) => {
      error = e;
      return true;
    },
    'a malformed turn record was accepted',
  );
  assert.ok(error instanceof PalestraError, `expected a PalestraError, got ${String(error)}`);
  assert.equal(error.code, 'TURN_RECORD_INVALID', error.message);
  return error;
}

describe('parseTurnRecord', () => {
  it('reads every record of the golden fixture as it is, at the current version', () => {
    for (const [k, { record }] of golden().turns.entries()) {
      const parsed = parseTurnRecord(record, { path: ['turns', k, 'record'] });
      assert.equal(parsed.v, TURN_RECORD_VERSION);
      assert.deepEqual(parsed, record);
    }
  });

  it('reads a record written before `v` existed as version 1', () => {
    const { v: _v, ...old } = golden().turns[1]!.record;
    const parsed = parseTurnRecord(old, { path: ['steps', 1, 'turn'] });
    assert.equal(parsed.v, 1);
    assert.deepEqual(parsed, golden().turns[1]!.record);
  });

  it('locates each problem by its JSON path: the offending value, an unknown key itself, a missing field', () => {
    const record = golden().turns[2]!.record as unknown as Record<string, unknown>;
    const cases: [unknown, string][] = [
      [{ ...record, promptTokenIds: [1, 2, -3] }, '$.failure.turn.promptTokenIds[2]'],
      [
        { ...record, completion: { text: null, toolCalls: [{ id: 'c', name: 'x', arguments: {} }] } },
        '$.failure.turn.completion.toolCalls[0].arguments',
      ],
      [
        { ...record, completion: { text: null, toolCalls: [], reasoning: 'hm' } },
        '$.failure.turn.completion.reasoning',
      ],
      [
        { ...record, usage: { promptTokens: 3, completionTokens: true } },
        '$.failure.turn.usage.completionTokens',
      ],
      [{ ...record, latencyMs: undefined }, '$.failure.turn.latencyMs'],
      [{ ...record, v: 0 }, '$.failure.turn.v'],
      [{ ...record, v: true }, '$.failure.turn.v'],
      ['a string', '$.failure.turn'],
    ];
    for (const [value, path] of cases) {
      const e = invalidRecord(() => parseTurnRecord(value, { path: ['failure', 'turn'], file: 'ep.jsonl' }));
      assert.equal(e.details.path, path, e.message);
      assert.ok(e.message.startsWith(`ep.jsonl: ${path}: `), e.message);
      assert.ok(e.hint);
    }
  });

  it('refuses a record from a newer Palestra, saying to upgrade', () => {
    const e = invalidRecord(() =>
      parseTurnRecord(
        { ...golden().turns[0]!.record, v: TURN_RECORD_VERSION + 1 },
        { path: ['steps', 0, 'turn'] },
      ),
    );
    assert.equal(e.details.path, '$.steps[0].turn.v');
    assert.match(e.hint ?? '', /upgrade/);
  });
});

describe('reading turn records back from an episode file', () => {
  it('the golden episode, written and read back, gives rows and a conversation', async () => {
    const { episode, file } = await writtenEpisode('intact');
    assert.ok(episodeRows(episode, { file }).length > 0);
    assert.ok(episodeConversation(episode, loadCatalog('refund-desk').spec.tools).messages.length > 2);
  });

  it('a malformed record fails training rows and SFT conversations with TURN_RECORD_INVALID at its path', async () => {
    // The record of the third turn sits on step 3 (index 2); one of its log-probabilities is a string.
    const { episode, file } = await writtenEpisode('bad-logprob', (records) => {
      (records[2]!.logprobs as unknown[])[2] = '-0.5';
    });
    const rows = invalidRecord(() => episodeRows(episode, { file }));
    assert.equal(rows.details.path, '$.steps[2].turn.logprobs[2]');
    assert.equal(rows.details.file, file);
    const chat = invalidRecord(() => episodeConversation(episode, loadCatalog('refund-desk').spec.tools));
    assert.equal(chat.details.path, '$.steps[2].turn.logprobs[2]');
  });

  it('a record missing its completion is refused, not read as a scripted step', async () => {
    const { episode, file } = await writtenEpisode('no-completion', (records) => {
      delete records[3]!.completion;
    });
    assert.equal(
      invalidRecord(() => episodeRows(episode, { file })).details.path,
      '$.steps[4].turn.completion',
    );
    assert.equal(
      invalidRecord(() => episodeConversation(episode, loadCatalog('refund-desk').spec.tools)).details.path,
      '$.steps[4].turn.completion',
    );
  });

  it('an episode with records written before `v` existed stays readable', async () => {
    const { episode, file } = await writtenEpisode('old', (records) => {
      for (const r of records) delete r.v;
    });
    const intact = await writtenEpisode('intact-again');
    assert.deepEqual(episodeRows(episode, { file }), episodeRows(intact.episode, { file: intact.file }));
  });
});
