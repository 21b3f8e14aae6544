import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { goldenFiles, readEpisode, replay, scoredRoot } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { type LlmServer, type ScriptedReply, startLlmServer } from '@palestra/testing/llm';
import { randomAgent } from '../agents/random.ts';
import { planGroups } from '../rollout/plan.ts';
import { rollout } from '../rollout/rollout.ts';
import { scoreFiles } from './scoreFiles.ts';
import { verifyFiles } from './verifyFiles.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-score-files-'));
const source = loadCatalog('refund-desk');
let llm: LlmServer;
let verdict = 0.6;
before(async () => {
  llm = await startLlmServer({
    script: (request): ScriptedReply => {
      const tool = (request.body.tools as { function: { name: string; parameters: Json } }[])[0]!.function;
      if (tool.name !== 'submit_verdicts')
        return {
          toolCalls: [{ name: 'submit_verdict', arguments: { score: verdict, rationale: 'checked' } }],
        };
      // A group verdict: one score per episode shown, ranked by position.
      const n = tool.parameters.properties.scores.minItems as number;
      const scores = Array.from({ length: n }, (_, i) => ({
        episode: i,
        score: i / n,
        rationale: `rank ${i}`,
      }));
      return { toolCalls: [{ name: 'submit_verdicts', arguments: { scores } }] };
    },
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

// biome-ignore lint/suspicious/noExplicitAny: a request body as the test server received it
type Json = any;

function judgeConfig(cacheDir: string, withRules = true): string {
  const path = join(mkdtempSync(join(dir, 'config-')), 'overseer.json');
  writeFileSync(
    path,
    JSON.stringify({
      members: [
        ...(withRules ? [{ kind: 'rules' }] : []),
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

test('with groups, each GRPO group is judged in one request (RULER-like), and verified with its whole group', async () => {
  const out = mkdtempSync(join(dir, 'groups-'));
  const plans = planGroups(source.spec, { episodes: 6, group: 3, seed: 2, out });
  await rollout(source, { plans, agent: (p) => randomAgent(source.spec, p.agentSeed) });
  const files = plans.map((p) => p.file).reverse(); // any order: a group is judged in file order
  const cache = mkdtempSync(join(dir, 'verdicts-'));
  const config = judgeConfig(cache); // rules gate, then the judge on what they let through
  const sent = llm.requests.length;
  const { scored, stats } = await scoreFiles(files, config, { source, groups: true });
  assert.equal(llm.requests.length - sent, 2, 'one request per group of three');
  assert.equal(stats.committed, 6);
  assert.deepEqual(
    scored.map((s) => s.file),
    files,
    'results in the order the files were given',
  );
  for (const g of [0, 1]) {
    const members = plans.filter((p) => p.group === g).map((p) => readEpisode(p.file).scores![0]!);
    assert.deepEqual(
      members.map((r) => r.components.find((c) => c.name.endsWith('rubric (group-relative)'))?.micros),
      [0, 333_333, 666_667],
      'the judge ranked them by position in the group, in file order',
    );
    assert.ok(members.every((r) => r.verdicts[0]!.judge.endsWith('#group')));
    assert.equal(new Set(members.map((r) => r.verdicts[0]!.entry)).size, 1, 'one verdict for the group');
  }

  const before = llm.requests.length;
  const { results } = await verifyFiles(files, config, { source });
  assert.ok(
    results.every((r) => r.ok),
    results.map((r) => r.message).join('; '),
  );
  const part = await verifyFiles(
    plans.filter((p) => p.group === 0 && p.member > 0).map((p) => p.file),
    config,
    { source },
  );
  for (const r of part.results) {
    assert.equal(r.ok, false);
    assert.match(r.message, /VERDICT_NOT_CACHED/);
    assert.match(r.hint ?? '', /whole group: pass the same files/);
  }
  assert.equal(llm.requests.length, before, 'verifying sent no request');
});
