import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ContractsError, readChainInfo } from '@palestra/contracts';
import { PalestraError, ReplayDivergence } from '@palestra/envs';
import { throwIfAborted } from '../jobs/job.ts';
import { NothingMeasuredError } from '../rollout/nothingMeasured.ts';
import { BUG_LINE, exitCodeFor, formatError } from './printError.ts';

const stackLine = /^\s+at /m;

test('a known error reads code, message and hint, and shows its stack only with debug', () => {
  const e = new PalestraError('PORT_IN_USE', 'port 8000 on 127.0.0.1 is already in use', {
    hint: 'pass another --port, or --port 0',
    cause: new Error('listen EADDRINUSE'),
  });
  const plain = formatError(e, { debug: false });
  assert.equal(
    plain,
    '✖ PORT_IN_USE: port 8000 on 127.0.0.1 is already in use\n  → pass another --port, or --port 0',
  );
  const debug = formatError(e, { debug: true });
  assert.ok(debug.startsWith(plain), 'the same lines come first');
  assert.match(debug, stackLine);
  assert.match(debug, /\[cause\]: Error: listen EADDRINUSE/);
});

test('a divergence shows both values before the hint', () => {
  const text = formatError(new ReplayDivergence(3, 'reward', 1, 2), { debug: false });
  assert.match(text, /^✖ REPLAY_DIVERGED: replay diverged at step 3/);
  assert.match(text, /\n {2}expected: 1\n {2}actual: {3}2\n {2}→ /);
  assert.doesNotMatch(text, stackLine);
});

test('a contracts error reads code, message and hint like any known error: no stack, not a bug', () => {
  const built = new ContractsError('PORT_BUSY', 'port 8545 on 127.0.0.1 is already in use', {
    details: { port: 8545 },
    hint: 'stop what holds it, or pass another port',
  });
  assert.equal(
    formatError(built, { debug: false }),
    '✖ PORT_BUSY: port 8545 on 127.0.0.1 is already in use\n  → stop what holds it, or pass another port',
  );
  assert.equal(exitCodeFor(built), 1);
  // One thrown by the package itself, with a cause (the JSON parser's SyntaxError) that stays hidden.
  const dir = mkdtempSync(join(tmpdir(), 'palestra-chain-'));
  writeFileSync(join(dir, 'chain.json'), '{ not json');
  let thrown: unknown;
  try {
    readChainInfo(dir);
  } catch (e) {
    thrown = e;
  }
  assert.ok(thrown instanceof ContractsError, `readChainInfo threw ${String(thrown)}`);
  const text = formatError(thrown, { debug: false });
  assert.match(
    text,
    /^✖ CHAIN_INFO_INVALID: .*chain\.json is not valid JSON\n {2}→ delete .*palestra chain up/,
  );
  assert.ok(!text.includes(BUG_LINE), text);
  assert.doesNotMatch(text, stackLine);
  assert.doesNotMatch(text, /SyntaxError/);
  const debug = formatError(thrown, { debug: true });
  assert.match(debug, stackLine);
  assert.match(debug, /\[cause\]: SyntaxError/);
});

test('an error of no known kind shows its message (and Node code) and says it is a bug, with no stack', () => {
  const sys = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  assert.equal(formatError(sys, { debug: false }), `✖ connect ECONNREFUSED 127.0.0.1:9\n  ${BUG_LINE}`);
  const coded = Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
  assert.equal(formatError(coded, { debug: false }), `✖ ENOTDIR: not a directory\n  ${BUG_LINE}`);
  assert.equal(formatError('a thrown string', { debug: false }), `✖ a thrown string\n  ${BUG_LINE}`);
  assert.match(formatError(new TypeError('x is undefined'), { debug: true }), stackLine);
});

test('exit code 3 for failed episodes (one that stopped run, or all of an agent in eval and learnability), 1 for every other error', () => {
  assert.equal(exitCodeFor(new PalestraError('EPISODE_FAILED', 'episode 0 failed')), 3);
  const failed = { failed: 2, agent: 2, environment: 0 };
  assert.equal(
    exitCodeFor(
      NothingMeasuredError.noEpisode('EVAL_INCOMPLETE', 'the evaluation', { name: 'a', episodes: 2, failed }),
    ),
    3,
  );
  assert.equal(exitCodeFor(new PalestraError('PORT_IN_USE', 'in use')), 1);
  assert.equal(exitCodeFor(new Error('boom')), 1);
});

test('exit code 130 for a job stopped by Ctrl-C before it had a result, as for an interrupted run', () => {
  let aborted: unknown;
  const controller = new AbortController();
  controller.abort();
  try {
    throwIfAborted(controller.signal, 'branch');
  } catch (e) {
    aborted = e;
  }
  assert.equal(exitCodeFor(aborted), 130);
  assert.match(formatError(aborted, { debug: false }), /^✖ JOB_ABORTED: branch was stopped/);
});

test('a file-system error on a path the user named is theirs to fix, not a bug: code, message and hint', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'palestra-fs-')), 'a-file');
  writeFileSync(file, '');
  let error: unknown;
  try {
    mkdirSync(join(file, 'runs'), { recursive: true });
  } catch (e) {
    error = e;
  }
  const text = formatError(error, { debug: false });
  assert.match(text, /^✖ ENOTDIR: .*a-file/);
  assert.match(text, /→ a part of the path is a file, not a folder/);
  assert.ok(!text.includes(BUG_LINE), text);
  assert.doesNotMatch(text, stackLine);
});
