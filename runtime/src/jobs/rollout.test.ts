import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { startLlmServer } from '@palestra/testing/llm';
import { type RolloutProgress, rollout } from './rollout.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-rollout-job-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('rollout plays, scores and summarises, reporting the episodes and then the scores', async () => {
  const out = join(dir, 'lake');
  const events: RolloutProgress[] = [];
  const r = await rollout(
    { env: loadCatalog('frozen-lake'), episodes: 6, group: 2, seed: 3, out },
    { onProgress: (e) => events.push(e) },
  );
  assert.equal(r.interrupted, false);
  assert.equal(r.summary.complete, 6);
  assert.equal(r.summary.groups, 3);
  assert.equal(r.episodes.length, 6);
  assert.equal(r.workers, 0, 'a random agent plays on this thread');
  assert.deepEqual(JSON.parse(readFileSync(r.summaryPath, 'utf8')), JSON.parse(JSON.stringify(r.summary)));
  assert.equal(r.summaryPath, join(out, 'summary.json'));
  // Scored by the rules, and each score committed in its episode.
  assert.equal(r.summary.overseer?.episodes, 6);
  assert.equal(r.summary.overseer?.committed, 6);
  for (const e of r.episodes) assert.equal(readEpisode(e.file).scores?.length, 1, e.file);
  assert.ok(r.replayable && r.episodes.some((e) => e.file === r.replayable));

  const played = events.filter((e) => e.kind === 'episodes');
  assert.ok(played.length > 0);
  assert.ok(played.every((e) => e.total === 6));
  assert.equal(played.at(-1)!.done, 6);
  // The running totals of the last event are the summary's.
  const last = played.at(-1) as Extract<RolloutProgress, { kind: 'episodes' }>;
  assert.equal(last.successRate, r.summary.successRate);
  assert.ok(Math.abs((last.meanReturn ?? Number.NaN) - r.summary.returnMean) < 1e-9);
  assert.deepEqual(last.tokens, r.summary.tokens);
  assert.equal(last.cost, null, 'no prices, no cost');
  assert.equal((played[0] as typeof last).meanReturn === null || played[0]!.done > 0, true);
  const scores = events.filter((e) => e.kind === 'scores');
  assert.deepEqual(
    scores.map((e) => e.done),
    [1, 2, 3, 4, 5, 6],
  );
  // Scoring starts once every episode is played.
  assert.ok(events.findIndex((e) => e.kind === 'scores') > events.lastIndexOf(played.at(-1)!));
});

test('an aborted rollout returns interrupted; the same call again finishes it, playing no episode twice', async () => {
  const out = join(dir, 'resume');
  const options = { env: 'frozen-lake', episodes: 40, out, overseer: 'none' };
  const controller = new AbortController();
  const first = await rollout(options, {
    signal: controller.signal,
    onProgress: (e) => {
      if (e.kind === 'episodes' && e.done >= 5) controller.abort(new Error('stop'));
    },
  });
  assert.equal(first.interrupted, true);
  assert.equal(first.summary.interrupted, true);
  const kept = first.episodes.filter((e) => e.status === 'complete').map((e) => e.file);
  assert.ok(kept.length >= 5 && kept.length < 40, `stopped midway (${kept.length} complete)`);
  assert.ok(first.episodes.some((e) => e.status === 'pending' || e.status === 'interrupted'));
  const bytes = new Map(kept.map((f) => [f, readFileSync(f)]));

  const second = await rollout(options);
  assert.equal(second.interrupted, false);
  assert.equal(second.summary.complete, 40);
  assert.equal(second.summary.resumed, kept.length);
  const resumed = second.episodes.filter((e) => e.status === 'resumed').map((e) => e.file);
  assert.deepEqual(resumed.sort(), [...kept].sort(), 'the complete episodes are kept, not played again');
  assert.equal(second.episodes.filter((e) => e.status === 'complete').length, 40 - kept.length);
  for (const [f, b] of bytes) assert.ok(readFileSync(f).equals(b), `${f} is as the first call wrote it`);
  const files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
  assert.equal(files.length, 40, 'one file per planned episode');
  assert.equal(second.summary.overseer, undefined, 'overseer none: not scored');
});

test('rollout refuses what it cannot play before it plays anything', async () => {
  const out = join(dir, 'refused');
  await assert.rejects(rollout({ env: 'frozen-lake', agent: 'human', out }), { code: 'HUMAN_NOT_SUPPORTED' });
  await assert.rejects(rollout({ env: 'frozen-lake', agent: 'nobody', out }), { code: 'UNKNOWN_AGENT' });
  assert.equal(existsSync(out), false, 'no run folder for a refused rollout');
});

test('two rollouts at once, each against its own endpoint (baseUrl, no process-wide variable), in workers too', async () => {
  const servers = await Promise.all(
    ['down', 'right'].map((direction) =>
      startLlmServer({ script: () => ({ toolCalls: [{ name: 'move', arguments: { direction } }] }) }),
    ),
  );
  const saved = { url: process.env.OPENAI_BASE_URL, key: process.env.OPENAI_API_KEY };
  delete process.env.OPENAI_BASE_URL;
  process.env.OPENAI_API_KEY = 'local';
  try {
    const [a, b] = await Promise.all(
      servers.map((llm, i) =>
        rollout({
          env: 'frozen-lake',
          agent: 'openai:toy',
          baseUrl: llm.url,
          episodes: 4,
          seed: 5,
          out: join(dir, `endpoint-${i}`),
          overseer: 'none',
          workers: i === 0 ? 0 : 2,
        }),
      ),
    );
    assert.equal(b!.workers, 2);
    const moves = (r: typeof a) =>
      new Set(
        r!.episodes.flatMap((e) =>
          readEpisode(e.file).steps.map(
            (s) => (s.action as { arguments?: { direction?: string } }).arguments?.direction,
          ),
        ),
      );
    assert.deepEqual([...moves(a)], ['down']);
    assert.deepEqual([...moves(b)], ['right']);
  } finally {
    for (const llm of servers) await llm.close();
    if (saved.url === undefined) delete process.env.OPENAI_BASE_URL;
    else process.env.OPENAI_BASE_URL = saved.url;
    if (saved.key === undefined) delete process.env.OPENAI_API_KEY;
    else process.env.OPENAI_API_KEY = saved.key;
  }
});

/** Every file under `root`, recursively. */
function filesUnder(root: string): string[] {
  return readdirSync(root, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name));
}

test('apiKey reaches the endpoint on this thread and in workers, and no file of the run holds it', async () => {
  const key = 'sk-palestra-test-3f9a1c77e2';
  const llm = await startLlmServer({
    script: () => ({ toolCalls: [{ name: 'move', arguments: { direction: 'down' } }] }),
  });
  const saved = process.env.OPENAI_API_KEY;
  delete process.env.OPENAI_API_KEY;
  try {
    for (const workers of [0, 2]) {
      const out = join(dir, `key-${workers}`);
      const before = llm.requests.length;
      const r = await rollout({
        env: 'frozen-lake',
        agent: 'openai:toy',
        baseUrl: llm.url,
        apiKey: key,
        episodes: 4,
        out,
        workers,
      });
      assert.equal(r.summary.complete, 4);
      assert.equal(r.workers, workers);
      const mine = llm.requests.slice(before);
      assert.ok(mine.length >= 4);
      for (const req of mine) assert.equal(req.headers.authorization, `Bearer ${key}`);
      const files = filesUnder(out);
      assert.ok(files.length >= 5, 'episodes and summary.json were written');
      for (const f of files) assert.ok(!readFileSync(f, 'utf8').includes(key), `${f} holds the key`);
    }
    assert.equal(process.env.OPENAI_API_KEY, undefined, 'process.env was not touched');
  } finally {
    await llm.close();
    if (saved !== undefined) process.env.OPENAI_API_KEY = saved;
  }
});
