import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { goldenFiles, readEpisode } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import {
  closedPort,
  type LlmRequest,
  type LlmServer,
  type ScriptedReply,
  startLlmServer,
} from '@palestra/testing/llm';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'palestra-score-cli-'));

function palestra(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('palestra score commits, keeps its summary, and --verify fails (exit 1) on a changed score line', () => {
  const files = goldenFiles(join(CATALOG_DIR, 'frozen-lake')).map((g, i) => {
    const f = join(dir, `episode-${i}.jsonl`);
    copyFileSync(g, f);
    return f;
  });
  const scored = palestra('score', ...files);
  assert.equal(scored.code, 0, scored.err);
  assert.match(scored.out, /episodes │ mean/);
  assert.match(scored.out, new RegExp(`${files.length}/${files.length} scores committed in their episodes`));
  assert.ok(files.every((f) => readEpisode(f).scores!.length === 1));

  const verified = palestra('score', '--verify', ...files);
  assert.equal(verified.code, 0, verified.out + verified.err);
  assert.match(verified.out, new RegExp(`${files.length}/${files.length} committed scores re-derived`));

  const lines = readFileSync(files[0]!, 'utf8').trimEnd().split('\n');
  lines[lines.length - 1] = lines[lines.length - 1]!.replace('"rationale":"', '"rationale":"great! ');
  writeFileSync(files[0]!, `${lines.join('\n')}\n`);
  const tampered = palestra('score', '--verify', ...files);
  assert.equal(tampered.code, 1);
  assert.match(tampered.out, /NO: RECORD_CORRUPT: .*episode-0\.jsonl:\d+: score 1: hash does not match/);
});

/** The CLI run asynchronously, so a wire server in this process can answer it. */
function palestraAsync(...args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
    });
    p.stderr.on('data', (d) => {
      err += d;
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/** A Node stack line ("    at fn (file:1:2)"): a user must never see one without --debug. */
const STACK_LINE = /^\s+at /m;

function judgeFile(name: string, baseURL: string, over: Record<string, unknown> = {}): string {
  const f = join(dir, name);
  writeFileSync(
    f,
    JSON.stringify({
      provider: 'openai',
      model: 'judge-x',
      rubric: 'Did the agent do its task?',
      baseURL,
      samples: 1,
      maxRetries: 0,
      ...over,
    }),
  );
  return f;
}

const verdict = (score: number): ScriptedReply => ({
  toolCalls: [{ name: 'submit_verdict', arguments: { score, rationale: 'r' } }],
});

describe('a judge that fails is an error with its code, never a pass, and never a stack trace', () => {
  let llm: LlmServer;
  let script: (r: LlmRequest) => ScriptedReply;
  let unreachable: string;
  before(async () => {
    llm = await startLlmServer({ script: (r) => script(r) });
    unreachable = `http://127.0.0.1:${await closedPort()}/v1`;
  });
  after(() => llm.close());

  test('overseer redteam, unreachable judge: exit 1, REDTEAM_INCOMPLETE with JUDGE_UNREACHABLE, no rate', async () => {
    const r = await palestraAsync('overseer', 'redteam', '--judge', judgeFile('down.json', unreachable));
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /REDTEAM_INCOMPLETE: .*14 of 14 red-team fixtures got no verdict/);
    assert.match(
      r.err,
      /First: JUDGE_UNREACHABLE: cannot reach the openai judge judge-x at http:\/\/127\.0\.0\.1:\d+\/v1/,
    );
    assert.match(r.err, /→ check "baseURL"/);
    assert.doesNotMatch(r.err, STACK_LINE);
    assert.doesNotMatch(r.out, /false-positive rate/, 'no rate is reported for a run that measured nothing');
  });

  test('overseer redteam, a judge failing on one fixture (HTTP 500): exit 1, 1 of 14, the code', async () => {
    let n = 0;
    script = () => (n++ === 4 ? { error: { status: 500, message: 'overloaded' } } : verdict(0));
    const r = await palestraAsync('overseer', 'redteam', '--judge', judgeFile('flaky.json', llm.url));
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /REDTEAM_INCOMPLETE: .*1 of 14 red-team fixtures got no verdict/);
    assert.match(r.err, /First: JUDGE_HTTP_ERROR: .*HTTP 500.*overloaded/);
    assert.doesNotMatch(r.err, STACK_LINE);
  });

  test('control: overseer redteam with a judge that answers every fixture passes (exit 0, 0/14 fooled)', async () => {
    script = () => verdict(0);
    const r = await palestraAsync('overseer', 'redteam', '--judge', judgeFile('fine.json', llm.url));
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /judge:openai:judge-x: 0\/14 fooled \(false-positive rate 0\.0%/);
  });

  test('score, unreachable judge: exit 1, JUDGE_UNREACHABLE with the URL and model, the episode untouched', async () => {
    const file = join(dir, 'unscored.jsonl');
    copyFileSync(goldenFiles(join(CATALOG_DIR, 'frozen-lake'))[0]!, file);
    const before = readFileSync(file, 'utf8');
    const config = join(dir, 'overseer-down.json');
    writeFileSync(
      config,
      JSON.stringify({
        members: [
          { kind: 'rules', gate: 'outcome' },
          {
            kind: 'judge',
            provider: 'openai',
            model: 'judge-x',
            rubric: 'r',
            baseURL: unreachable,
            maxRetries: 0,
          },
        ],
      }),
    );
    const r = await palestraAsync('score', '--overseer', config, '--cache', join(dir, 'verdicts'), file);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(
      r.err,
      /JUDGE_UNREACHABLE: cannot reach the openai judge judge-x at http:\/\/127\.0\.0\.1:\d+\/v1/,
    );
    assert.match(r.err, /→ check "baseURL"/);
    assert.doesNotMatch(r.err, STACK_LINE);
    assert.doesNotMatch(r.err, /APIConnectionError/);
    assert.equal(readFileSync(file, 'utf8'), before, 'no score line for a score that was never given');

    // The stack is there for whoever asks for it.
    const debug = await palestraAsync(
      '--debug',
      'score',
      '--overseer',
      config,
      '--cache',
      join(dir, 'verdicts'),
      file,
    );
    assert.equal(debug.code, 1);
    assert.match(debug.err, /JUDGE_UNREACHABLE/);
    assert.match(debug.err, STACK_LINE);
  });

  test('overseer calibrate: an unreachable judge is CALIBRATE_INCOMPLETE (exit 1); a judge that answers is measured', async () => {
    const files = goldenFiles(join(CATALOG_DIR, 'frozen-lake')).map((g, i) => {
      const f = join(dir, `labelled-${i}.jsonl`);
      copyFileSync(g, f);
      return f;
    });
    const labels = join(dir, 'labels.json');
    writeFileSync(labels, JSON.stringify(files.map((episode, i) => ({ episode, label: i % 2 }))));

    const down = await palestraAsync(
      'overseer',
      'calibrate',
      '--labels',
      labels,
      '--judge',
      judgeFile('down.json', unreachable),
    );
    assert.equal(down.code, 1, down.out + down.err);
    assert.match(down.out, /could not run: JUDGE_UNREACHABLE \(after 0 of 3\)/);
    assert.match(
      down.err,
      /CALIBRATE_INCOMPLETE: the calibration of judge:openai:judge-x could not run: 3 of 3 labelled episodes got no verdict/,
    );
    assert.match(down.err, /First: JUDGE_UNREACHABLE: .*labelled-0\.jsonl/);
    assert.doesNotMatch(down.err, STACK_LINE);

    let n = 0;
    script = () => verdict(n++ % 2);
    const up = await palestraAsync(
      'overseer',
      'calibrate',
      '--labels',
      labels,
      '--judge',
      judgeFile('fine.json', llm.url),
    );
    assert.equal(up.code, 0, up.out + up.err);
    assert.match(up.out, /judge:openai:judge-x │ 1\.000 +│ 1\.000 +│ 1\.000/);

    writeFileSync(labels, JSON.stringify([{ episode: files[0], label: 2 }]));
    const bad = await palestraAsync(
      'overseer',
      'calibrate',
      '--labels',
      labels,
      '--judge',
      judgeFile('fine.json', llm.url),
    );
    assert.equal(bad.code, 1);
    assert.match(bad.err, /LABELS_INVALID: .*labels\.json: \$\[0\]\.label: /);
    assert.doesNotMatch(bad.err, STACK_LINE);
  });
});
