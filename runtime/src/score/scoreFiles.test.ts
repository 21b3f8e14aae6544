import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { goldenFiles, readEpisode, replay, scoredRoot } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { type LlmServer, type ScriptedReply, startLlmServer } from '@palestra/overseer/testing';
import { scoreFiles } from './scoreFiles.ts';
import { verifyFiles } from './verifyFiles.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-score-files-'));
const source = loadCatalog('refund-desk');
let llm: LlmServer;
let verdict = 0.6;
before(async () => {
  llm = await startLlmServer({
    script: (): ScriptedReply => ({
      toolCalls: [{ name: 'submit_verdict', arguments: { score: verdict, rationale: 'checked' } }],
    }),
  });
});
after(() => llm.close());

/** Fresh copies of the refund-desk goldens in their own folder (the goldens are never written). */
function episodes(name: string): string[] {
  const out = mkdtempSync(join(dir, `${name}-`));
  return goldenFiles(join(CATALOG_DIR, 'refund-desk')).map((g, i) => {
    const f = join(out, `episode-${String(i).padStart(6, '0')}.jsonl`);
    copyFileSync(g, f);
    return f;
  });
}

function judgeConfig(cacheDir: string): string {
  const path = join(mkdtempSync(join(dir, 'config-')), 'overseer.json');
  writeFileSync(
    path,
    JSON.stringify({
      members: [
        { kind: 'rules' },
        {
          kind: 'judge',
          provider: 'openai',
          model: 'judge-1',
          rubric: 'Policy followed?',
          baseURL: llm.url,
          cacheDir,
        },
      ],
    }),
  );
  return path;
}

test('palestra score commits LLM-judged scores into the episodes; --verify re-derives them with zero calls', async () => {
  const cache = mkdtempSync(join(dir, 'verdicts-'));
  const files = episodes('judged');
  const config = judgeConfig(cache);
  const sent = llm.requests.length;
  const { scored, stats } = await scoreFiles(files, config, { source });
  assert.equal(llm.requests.length - sent, 3 * files.length, 'scoring paid 3 samples per episode');
  assert.equal(stats.committed, files.length);
  assert.equal(stats.conflicts, 0);
  for (const s of scored) {
    const ep = readEpisode(s.file);
    assert.equal(ep.scores!.length, 1);
    const record = ep.scores![0]!;
    assert.equal(record.overseer, stats.overseer);
    assert.equal(record.reward, s.score.micros);
    assert.equal(record.verdicts.length, 1);
    assert.equal(record.verdicts[0]!.entry, s.score.verdictHash, 'the cache entry hash is what is committed');
    assert.equal(scoredRoot(ep), record.hash);
    assert.equal((await replay(source, ep)).root, ep.footer!.root, 'a scored episode still replays');
  }

  const before = llm.requests.length;
  const { results } = await verifyFiles(files, config, { source });
  assert.deepEqual(
    results.map((r) => r.ok),
    files.map(() => true),
    results.map((r) => r.message).join('; '),
  );
  const again = await scoreFiles(files, config, { source });
  assert.equal(llm.requests.length, before, 'verifying and re-scoring cost no request: the cache answers');
  assert.ok(
    again.scored.every((s) => s.committed && !s.committed.appended),
    'the same score again writes nothing',
  );

  rmSync(cache, { recursive: true });
  const missing = await verifyFiles(files, config, { source });
  assert.equal(llm.requests.length, before, 'a missing verdict is not fetched');
  for (const r of missing.results) {
    assert.equal(r.ok, false);
    assert.match(r.message, /VERDICT_NOT_CACHED/);
    assert.match(r.hint ?? '', /re-judging would cost 3 calls/);
  }
});

test('a different score from the same overseer is a conflict that writes nothing; force appends after it', async () => {
  const cache = mkdtempSync(join(dir, 'verdicts-'));
  const [file] = episodes('conflict');
  const config = judgeConfig(cache);
  verdict = 0.6;
  await scoreFiles([file!], config, { source });
  const committed = readFileSync(file!, 'utf8');
  rmSync(cache, { recursive: true });
  verdict = 0.1; // the judge changed its mind once its cached verdict was gone
  try {
    const r = await scoreFiles([file!], config, { source });
    assert.equal(r.stats.conflicts, 1);
    assert.equal(r.scored[0]!.conflict?.code, 'SCORE_CONFLICT');
    assert.equal(readFileSync(file!, 'utf8'), committed, 'the committed score is not overwritten');
    const forced = await scoreFiles([file!], config, { source, force: true });
    assert.equal(forced.scored[0]!.committed?.record.n, 2);
    const ep = readEpisode(file!);
    assert.deepEqual(
      ep.scores!.map((s) => s.verdicts[0]!.entry === ep.scores![0]!.verdicts[0]!.entry),
      [true, false],
    );
    assert.ok(readFileSync(file!, 'utf8').startsWith(committed), 'appended, never rewritten');
  } finally {
    verdict = 0.6;
  }
});

test('rules-only scores commit too; an unfinished episode is scored but cannot carry a score', async () => {
  const files = episodes('rules');
  const text = readFileSync(files[0]!, 'utf8').trimEnd().split('\n');
  writeFileSync(files[0]!, `${text.slice(0, -1).join('\n')}\n`); // drop the footer
  const { scored, stats } = await scoreFiles(files, 'rules', { source });
  assert.equal(stats.committed, files.length - 1);
  assert.equal(scored[0]!.committed, undefined);
  assert.equal(scored[0]!.score.veto, true, 'the rules veto an unfinished episode');
  for (const s of scored.slice(1)) assert.equal(readEpisode(s.file).scores![0]!.rules?.veto, false);
  const { results } = await verifyFiles(files.slice(1), 'rules', { source });
  assert.ok(results.every((r) => r.ok));
  const none = await verifyFiles([files[0]!], 'rules', { source });
  assert.match(none.results[0]!.message, /no committed score/);
});
