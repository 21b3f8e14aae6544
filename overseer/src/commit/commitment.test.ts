import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  appendScore,
  canonicalJson,
  goldenFiles,
  PalestraError,
  readEpisode,
  type ScoreRecord,
  scoreLine,
  sha256Hex,
} from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import {
  type LlmRequest,
  type LlmServer,
  recordEpisode,
  type ScriptedReply,
  startLlmServer,
} from '@palestra/testing/llm';
import { buildOverseer, type OverseerConfig } from '../config/config.ts';
import { overseerConfigHash } from '../config/configHash.ts';
import { EnsembleOverseer } from '../ensemble/ensemble.ts';
import { RulesOverseer, vetoWhen } from '../rules/rules.ts';
import { scoreCommitment, verifyScore } from './commitment.ts';

const source = loadCatalog('refund-desk');
const dir = mkdtempSync(join(tmpdir(), 'palestra-commit-'));
let copies = 0;
/** A fresh copy of a refund-desk golden episode (goldens themselves are never written). */
const episodeFile = (k = 0): string => {
  const path = join(dir, `ep-${copies++}.jsonl`);
  copyFileSync(goldenFiles(join(CATALOG_DIR, 'refund-desk'))[k]!, path);
  return path;
};

let llm: LlmServer;
const script: (r: LlmRequest) => ScriptedReply = () => ({
  toolCalls: [{ name: 'submit_verdict', arguments: { score: 0.75, rationale: 'mostly right' } }],
});
before(async () => {
  llm = await startLlmServer({ script: (r) => script(r) });
});
after(() => llm.close());

const ensemble = (cacheDir: string): OverseerConfig => ({
  members: [
    { kind: 'rules' },
    {
      kind: 'judge',
      provider: 'openai',
      model: 'judge-1',
      rubric: 'Did the agent follow the refund policy?',
      baseURL: llm.url,
      cacheDir,
      weight: 2,
    },
    {
      kind: 'judge',
      provider: 'anthropic',
      model: 'claude-test',
      rubric: 'Was the agent polite?',
      baseURL: llm.anthropicUrl,
      cacheDir,
      samples: 1,
    },
  ],
});

/** Scores with the paying overseer and commits, as `palestra score` does. */
async function commit(file: string, config: OverseerConfig): Promise<ScoreRecord> {
  const overseer = await buildOverseer(config, source);
  try {
    const score = await overseer.scoreEpisode(readEpisode(file));
    return appendScore(file, scoreCommitment(score, overseerConfigHash(config))).record;
  } finally {
    await (overseer as { close?: () => Promise<void> }).close?.();
  }
}

/** Verifies with judges in cache-only mode; returns the result and the requests it sent. */
async function verify(file: string, config: OverseerConfig, cacheDir?: string) {
  const overseer = await buildOverseer(config, source, {
    cacheOnly: true,
    ...(cacheDir ? { cacheDir } : {}),
  });
  const before = llm.requests.length;
  try {
    const result = await verifyScore(readEpisode(file), overseer, overseerConfigHash(config));
    return { result, requests: llm.requests.length - before };
  } finally {
    await (overseer as { close?: () => Promise<void> }).close?.();
  }
}

/** A cache-only overseer kept for several checks (each build replays in a fresh worker). */
async function verifier(config: OverseerConfig) {
  const overseer = await buildOverseer(config, source, { cacheOnly: true });
  return {
    check: (file: string) => verifyScore(readEpisode(file), overseer, overseerConfigHash(config)),
    close: async () => (overseer as { close?: () => Promise<void> }).close?.(),
  };
}

/** Rewrites a file's last score line as a forger would: changed content, chain recomputed. */
function forge(file: string, change: (r: ScoreRecord) => ScoreRecord): void {
  const ep = readEpisode(file);
  const last = ep.scores!.at(-1)!;
  const { kind: _k, v: _v, n, hash: _h, ...commitment } = change(structuredClone(last));
  const previous = n === 1 ? ep.footer!.root : ep.scores![n - 2]!.hash;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  lines[lines.length - 1] = JSON.stringify(scoreLine(previous, n, commitment));
  writeFileSync(file, `${lines.join('\n')}\n`);
  assert.doesNotThrow(
    () => readEpisode(file),
    'the forged chain is consistent, so only verification can tell',
  );
}

describe('score commitments', () => {
  test('the config hash covers what decides a score, not where or how the judges run', () => {
    const a = overseerConfigHash(ensemble('/tmp/one'));
    const moved = ensemble('/elsewhere');
    Object.assign(moved.members[1]!, {
      baseURL: 'https://api.example.com/v1',
      concurrency: 9,
      maxRetries: 0,
    });
    assert.equal(overseerConfigHash(moved), a);
    const reworded = ensemble('/tmp/one');
    Object.assign(reworded.members[1]!, { rubric: 'Be lenient.' });
    assert.notEqual(overseerConfigHash(reworded), a);
    const reweighted = ensemble('/tmp/one');
    Object.assign(reweighted.members[2]!, { weight: 3 });
    assert.notEqual(overseerConfigHash(reweighted), a);
    assert.equal(
      overseerConfigHash({ members: [{ kind: 'rules' }] }),
      overseerConfigHash({ members: [{ kind: 'rules', weight: 1, gate: true }] }),
      'defaults are applied before hashing',
    );
  });

  test('an LLM-judged episode commits each verdict cache entry hash; verification re-derives it with zero calls', async () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const file = episodeFile();
    const config = ensemble(cache);
    const sent = llm.requests.length;
    const record = await commit(file, config);
    assert.equal(llm.requests.length - sent, 4, 'scoring paid: 3 samples + 1');
    assert.equal(record.overseer, overseerConfigHash(config));
    assert.equal(record.verdicts.length, 2, 'every judge of the ensemble, not only the first');
    assert.deepEqual(
      record.verdicts.map((v) => v.judge),
      ['judge:openai:judge-1', 'judge:anthropic:claude-test'],
    );
    for (const v of record.verdicts) {
      const entry = readFileSync(join(cache, `${v.key}.json`), 'utf8').trim();
      assert.equal(
        v.entry,
        sha256Hex(canonicalJson(JSON.parse(entry))),
        'the committed hash is the cache entry’s',
      );
    }
    const rules = await new RulesOverseer(source).scoreEpisode(readEpisode(file));
    assert.deepEqual(record.rules, { micros: rules.micros, veto: false });
    assert.equal(record.reward, Math.round((rules.micros + 2 * 750_000 + 750_000) / 4));
    assert.equal(readdirSync(cache).length, 2);

    const { result, requests } = await verify(file, config);
    assert.equal(result.ok, true, result.message);
    assert.equal(requests, 0, 'verification sends no request');
  });

  test('a forged verdict hash, a changed cache entry or a changed reward fails verification', async () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const config = ensemble(cache);
    const file = episodeFile();
    await commit(file, config);

    const forgedVerdict = episodeFile();
    copyFileSync(file, forgedVerdict);
    forge(forgedVerdict, (r) => ({
      ...r,
      verdicts: [{ ...r.verdicts[0]!, entry: '0'.repeat(64) }, r.verdicts[1]!],
    }));
    const v1 = await verify(forgedVerdict, config);
    assert.equal(v1.result.ok, false);
    assert.equal(v1.result.mismatch?.field, 'verdicts');
    assert.equal(v1.requests, 0);

    const forgedReward = episodeFile();
    copyFileSync(file, forgedReward);
    forge(forgedReward, (r) => ({ ...r, reward: 1_000_000 }));
    const v2 = await verify(forgedReward, config);
    assert.equal(v2.result.mismatch?.field, 'reward');

    const key = readEpisode(file).scores![0]!.verdicts[0]!.key;
    const path = join(cache, `${key}.json`);
    const entry = JSON.parse(readFileSync(path, 'utf8'));
    entry.verdict.samples[0].score = 1;
    writeFileSync(path, `${canonicalJson(entry)}\n`);
    const v3 = await verify(file, config);
    assert.equal(v3.result.ok, false, 'a cache entry changed after the commitment');
    assert.equal(v3.result.mismatch?.field, 'verdicts');
    assert.equal(v3.requests, 0);
  });

  test('a verdict missing from the cache: VERDICT_NOT_CACHED says what re-judging would cost, and nothing is sent', async () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const config = ensemble(cache);
    const file = episodeFile(1);
    await commit(file, config);
    const empty = mkdtempSync(join(dir, 'empty-'));
    const sent = llm.requests.length;
    await assert.rejects(verify(file, config, empty), (e: unknown) => {
      assert.ok(e instanceof PalestraError);
      assert.equal(e.code, 'VERDICT_NOT_CACHED');
      assert.match(e.hint ?? '', /re-judging would cost 3 calls to judge-1/);
      return true;
    });
    assert.equal(llm.requests.length, sent);
  });

  test('a rules-only score commits its rules part and verifies by replay', async () => {
    const config: OverseerConfig = { members: [{ kind: 'rules' }] };
    const file = episodeFile(2);
    const record = await commit(file, config);
    assert.deepEqual(record.verdicts, []);
    assert.equal(record.judge, 'rules');
    assert.deepEqual(record.rules, { micros: record.reward, veto: false });
    assert.equal('fault' in record, false, "an intact episode's score line is as it was before the field");
    assert.equal((await verify(file, config)).result.ok, true);
    forge(file, (r) => ({ ...r, rules: { micros: r.rules!.micros + 1, veto: false } }));
    const { result } = await verify(file, config);
    assert.equal(result.mismatch?.field, 'rules');
    const other = await verify(file, ensemble(mkdtempSync(join(dir, 'cache-'))));
    assert.match(other.result.message, /no score from overseer .* it was scored by/);
  });

  test('a broken episode commits who broke it; --verify re-derives it, and a forged fault fails', async () => {
    const config: OverseerConfig = { members: [{ kind: 'rules' }] };
    const file = join(dir, `broken-${copies++}.jsonl`);
    await recordEpisode(source, file, { actions: [{ text: 'x'.repeat(300_000) }] });
    const record = await commit(file, config);
    assert.equal(record.fault, 'agent');
    assert.equal(record.reward, -1_120_001, 'the declared minimum return minus one micro-unit');
    assert.deepEqual(record.rules, { micros: -1_120_001, veto: true });
    const v = await verifier(config);
    try {
      assert.equal((await v.check(file)).ok, true);
      forge(file, (r) => ({ ...r, fault: 'environment' }));
      const result = await v.check(file);
      assert.equal(result.mismatch?.field, 'fault', 'calling it an environment fault is caught');
    } finally {
      await v.close();
    }
  });

  test('an outcome-gated ensemble commits its banded score and verifies from the cache with zero calls', async () => {
    const cache = mkdtempSync(join(dir, 'cache-'));
    const base = ensemble(cache);
    const config: OverseerConfig = {
      members: [{ kind: 'rules', gate: 'outcome' }, ...base.members.slice(1)],
    };
    assert.notEqual(
      overseerConfigHash(config),
      overseerConfigHash(base),
      'gating changes what a score means',
    );
    const file = episodeFile(1);
    const record = await commit(file, config);
    assert.ok(
      record.reward >= 0 && record.reward <= 400_000,
      `a failure stays in its band: ${record.reward}`,
    );
    const v = await verifier(config);
    try {
      const sent = llm.requests.length;
      const result = await v.check(file);
      assert.equal(result.ok, true, result.message);
      assert.equal(llm.requests.length, sent, 'no judge call');
      forge(file, (r) => ({ ...r, reward: 600_000 }));
      assert.equal((await v.check(file)).mismatch?.field, 'reward');
    } finally {
      await v.close();
    }
  });

  test('an ONNX member is committed by the bytes of its model, not by its path', () => {
    const member = (model: string) => ({
      members: [{ kind: 'onnx' as const, model, transform: { kind: 'identity' as const } }],
    });
    const a = join(dir, 'a.onnx');
    const b = join(dir, 'b.onnx');
    const c = join(dir, 'c.onnx');
    writeFileSync(a, 'model bytes');
    writeFileSync(b, 'model bytes');
    writeFileSync(c, 'other model bytes');
    assert.equal(overseerConfigHash(member(a)), overseerConfigHash(member(b)));
    assert.notEqual(overseerConfigHash(member(a)), overseerConfigHash(member(c)));
    assert.throws(
      () => overseerConfigHash(member(join(dir, 'missing.onnx'))),
      (e: unknown) => e instanceof PalestraError && e.code === 'OVERSEER_CONFIG',
    );
  });

  test('a vetoed episode commits the veto and the rules part, and no judge is paid', async () => {
    const overseer = await buildOverseer(ensemble(mkdtempSync(join(dir, 'cache-'))), source);
    const sent = llm.requests.length;
    try {
      const lake = readEpisode(goldenFiles(join(CATALOG_DIR, 'frozen-lake'))[0]!);
      const c = scoreCommitment(await overseer.scoreEpisode(lake), 'f'.repeat(64));
      assert.equal(c.veto, true);
      // A frozen-lake record under refund-desk does not belong here: an agent fault (broken record).
      assert.deepEqual(c.rules, { micros: -1_120_001, veto: true });
      assert.equal(c.fault, 'agent');
      assert.deepEqual(c.verdicts, []);
      assert.equal(c.judge, 'ensemble:rules');
    } finally {
      await (overseer as { close?: () => Promise<void> }).close?.();
    }
    assert.equal(llm.requests.length, sent);
    const rules = new RulesOverseer(source);
    try {
      const late = new EnsembleOverseer([
        { overseer: rules, weight: 1, gate: true },
        { overseer: vetoWhen('always', () => true), weight: 1 },
      ]);
      const ep = readEpisode(episodeFile());
      const c = scoreCommitment(await late.scoreEpisode(ep), 'f'.repeat(64));
      assert.equal(c.veto, true);
      assert.deepEqual(
        c.rules,
        { micros: (await rules.scoreEpisode(ep)).micros, veto: false },
        'a later veto keeps the rules part',
      );
    } finally {
      await rules.close();
    }
  });
});
