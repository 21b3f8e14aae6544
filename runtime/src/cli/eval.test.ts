import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { closedPort, type LlmServer, startLlmServer } from '@palestra/testing/llm';

// `palestra eval` as a user runs it, against the local OpenAI-wire server or a port nothing listens on.
const dir = mkdtempSync(join(tmpdir(), 'palestra-eval-cli-'));
const CLI = new URL('../../bin/palestra.js', import.meta.url).pathname;
const STACK_LINE = /\n\s+at .+:\d+:\d+/;

/** Asynchronously: the test server answers from this process's event loop. */
async function palestra(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const r = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: { ...process.env, NO_COLOR: '1', OPENAI_API_KEY: 'none' },
    });
    return { code: 0, out: r.stdout, err: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout, err: x.stderr };
  }
}

let llm: LlmServer;
before(async () => {
  // Says the target word it reads in the instructions.
  llm = await startLlmServer({
    script: (r) => ({
      toolCalls: [
        { name: 'echo', arguments: { word: /word: (\w+)/.exec(JSON.stringify(r.body))?.[1] ?? '' } },
      ],
    }),
  });
});
after(() => llm.close());

test('an agent whose every call fails: EVAL_INCOMPLETE with the first failure and a hint, exit 3, no comparison', async () => {
  const down = `http://127.0.0.1:${await closedPort()}/v1`;
  const out = join(dir, 'down');
  const r = await palestra(
    'eval',
    'echo-target',
    '--agent',
    'openai:x',
    '--base-url',
    down,
    '--vs',
    'random',
    '--episodes-per-task',
    '1',
    '--retries',
    '0',
    '--out',
    out,
  );
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(
    r.err,
    /^✖ EVAL_INCOMPLETE: the evaluation measured nothing: none of the 2 episodes of a \(openai:x\) completed \(2 failed, 2 by the agent\)\. First failure: \w+: .*cannot reach http:\/\/127\.0\.0\.1:\d+\/v1/m,
  );
  assert.match(r.err, /^ {2}→ check the base URL \(--base-url, or OPENAI_BASE_URL\)/m);
  // The old report printed "no difference shown at 95%" and "the agents score the same on every task".
  assert.doesNotMatch(r.out, /difference|score the same|success/);
  assert.doesNotMatch(r.out + r.err, STACK_LINE);
  assert.ok(existsSync(join(out, 'eval.json')), 'the report is kept for a reader who wants the counts');
  assert.equal(existsSync(join(out, 'b')), false, 'the baseline is not played against nothing');
});

test('the baseline failing every call is refused the same way, naming it', async () => {
  const down = `http://127.0.0.1:${await closedPort()}/v1`;
  const r = await palestra(
    'eval',
    'echo-target',
    '--agent',
    'random',
    '--vs',
    'openai:x',
    '--base-url',
    down,
    '--episodes-per-task',
    '1',
    '--retries',
    '0',
    '--out',
    join(dir, 'down-b'),
  );
  assert.equal(r.code, 3, r.out + r.err);
  assert.match(r.err, /EVAL_INCOMPLETE: .*none of the 2 episodes of b \(openai:x\) completed/);
});

test('control: the same command against a server that answers measures the agent (exit 0, 100%)', async () => {
  const r = await palestra(
    'eval',
    'echo-target',
    '--agent',
    'openai:toy',
    '--base-url',
    llm.url,
    '--vs',
    'random',
    '--episodes-per-task',
    '1',
    '--out',
    join(dir, 'up'),
  );
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /a: openai:toy +│ 2 +│ 0 +│ 100% /);
  assert.match(r.out, /a is better/);
});
