// `palestra prove` and `palestra verify` on a run made by the real CLI (echo-target, scored by the
// rules), with the context given as flags (no chain: the chain path is the submit end-to-end
// test's). Verify passes on the untouched run and fails, naming the layer, once one number in
// proof.json or one score line is changed; prove refuses an unscored or a truncated episode,
// naming the file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const bin = new URL('../../bin/palestra.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'palestra-prove-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function palestra(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    cwd: dir,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const CONTEXT = [
  '--chain-id',
  '31337',
  '--escrow',
  '0x5FbDB2315678afecb367f032d93F642f64180aa3',
  '--provider',
  '0x70997970C51812dc3A010C7d01b93b4dC79C8720',
  '--payout',
  '1000',
];
const episodes = (run: string) =>
  readdirSync(run)
    .filter((f) => /^episode-\d+\.jsonl$/.test(f))
    .sort()
    .map((f) => join(run, f));

/** A fresh copy of the scored run (each test changes its own). */
let made: string | undefined;
function scoredRun(name: string): string {
  if (!made) {
    made = join(dir, 'made');
    const r = palestra(
      'run',
      'echo-target',
      '--agent',
      'random',
      '--episodes',
      '3',
      '--seed',
      '1',
      '--out',
      made,
    );
    assert.equal(r.code, 0, r.err);
    const s = palestra('score', ...episodes(made));
    assert.equal(s.code, 0, s.err);
  }
  const run = join(dir, name);
  cpSync(made, run, { recursive: true });
  return run;
}

test('prove writes the proof files; verify passes every layer, then fails on a changed proof number or score line', () => {
  const run = scoredRun('proven');
  const proved = palestra('prove', run, '--job', '1', ...CONTEXT);
  assert.equal(proved.code, 0, proved.err + proved.out);
  assert.match(proved.out, /✔ run .* proven for job 1/);
  assert.match(proved.out, /episodes {7}3 \(\d passing\)/);
  const signals = JSON.parse(readFileSync(join(run, 'public.json'), 'utf8')) as string[];
  assert.equal(signals.length, 10);
  assert.deepEqual([signals[0], signals[2], signals[6], signals[9]], ['31337', '1', '3', '1000']);
  const calldata = JSON.parse(readFileSync(join(run, 'calldata.json'), 'utf8'));
  assert.deepEqual(calldata.inputs, signals);
  assert.match(calldata.proof, /^0x[0-9a-f]{512}$/);

  const ok = palestra('verify', run);
  assert.equal(ok.code, 0, ok.out + ok.err);
  for (const layer of ['records', 'replay', 'scores', 'leaves', 'proof'])
    assert.match(ok.out, new RegExp(`${layer}\\s*│\\s*ok`));

  // One number of the proof changed.
  const proofFile = join(run, 'proof.json');
  const original = readFileSync(proofFile, 'utf8');
  const proof = JSON.parse(original);
  proof.pi_a[0] = (BigInt(proof.pi_a[0]) + 1n).toString();
  writeFileSync(proofFile, JSON.stringify(proof));
  const forged = palestra('verify', run);
  assert.equal(forged.code, 1, forged.out);
  assert.match(forged.out, /proof\s*│\s*FAILED/);
  assert.match(forged.out, /✘ .*: proof: /);
  writeFileSync(proofFile, original);

  // One public signal changed (the total score): the proof no longer verifies.
  const publicFile = join(run, 'public.json');
  writeFileSync(publicFile, JSON.stringify(signals.map((s, i) => (i === 8 ? String(BigInt(s) + 1n) : s))));
  const inflated = palestra('verify', run);
  assert.equal(inflated.code, 1, inflated.out);
  assert.match(inflated.out, /proof\s*│\s*FAILED/);
  writeFileSync(publicFile, JSON.stringify(signals));

  // One score line changed: its hash chain breaks (records), and the leaves no longer match.
  const file = episodes(run)[1]!;
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  const last = JSON.parse(lines[lines.length - 1]!);
  assert.equal(last.kind, 'score');
  last.reward += 1;
  lines[lines.length - 1] = JSON.stringify(last);
  writeFileSync(file, `${lines.join('\n')}\n`);
  const rescored = palestra('verify', run);
  assert.equal(rescored.code, 1, rescored.out);
  assert.match(rescored.out, /records\s*│\s*FAILED/);
  assert.match(rescored.out, /episode-000001\.jsonl/);
});

test('prove refuses an unscored episode and a truncated one, naming the file, and a run over --max-episodes', () => {
  const run = scoredRun('bad');
  const file = episodes(run)[2]!;
  const text = readFileSync(file, 'utf8');
  const lines = text.trimEnd().split('\n');
  // Unscored: the score line removed.
  writeFileSync(file, `${lines.filter((l) => !l.includes('"kind":"score"')).join('\n')}\n`);
  const unscored = palestra('prove', run, '--job', '1', ...CONTEXT);
  assert.equal(unscored.code, 1);
  assert.match(unscored.err, /SETTLE_EPISODE_UNSCORED/);
  assert.match(unscored.err, /episode-000002\.jsonl carries no score/);
  // Truncated: the footer and the score gone.
  writeFileSync(
    file,
    `${lines.filter((l) => !l.includes('"kind":"score"') && !l.includes('"kind":"footer"')).join('\n')}\n`,
  );
  const truncated = palestra('prove', run, '--job', '1', ...CONTEXT);
  assert.equal(truncated.code, 1);
  assert.match(truncated.err, /SETTLE_EPISODE_TRUNCATED/);
  assert.match(truncated.err, /episode-000002\.jsonl ends before its footer/);
  writeFileSync(file, text);
  const large = palestra('prove', run, '--job', '1', '--max-episodes', '2', ...CONTEXT);
  assert.equal(large.code, 1);
  assert.match(large.err, /SETTLE_RUN_TOO_LARGE/);
  // No context and no chain: the flags are named.
  const noChain = palestra('prove', run, '--job', '1', '--chain-dir', join(dir, 'none'));
  assert.equal(noChain.code, 1);
  assert.match(noChain.err, /SETTLE_CONTEXT_MISSING.*--chain-id, --escrow, --provider, --payout/s);
});

test('a run of more than 16 episodes is proven in batches that verify, and combine as the escrow expects', () => {
  const run = join(dir, 'large');
  const r = palestra(
    'run',
    'echo-target',
    '--agent',
    'random',
    '--episodes',
    '17',
    '--seed',
    '2',
    '--out',
    run,
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(palestra('score', ...episodes(run)).code, 0);
  const proved = palestra('prove', run, '--job', '1', ...CONTEXT);
  assert.equal(proved.code, 0, proved.err + proved.out);
  const manifest = JSON.parse(readFileSync(join(run, 'settlement.json'), 'utf8'));
  assert.deepEqual(
    manifest.batches.map((b: { episodes: string[] }) => b.episodes.length),
    [16, 1],
  );
  const batches = [0, 1].map(
    (k) => JSON.parse(readFileSync(join(run, 'batches', String(k), 'public.json'), 'utf8')) as string[],
  );
  // Same context and payout in every batch; the counts add up to the run.
  for (const i of [0, 1, 2, 3, 9]) assert.equal(batches[0]![i], batches[1]![i]);
  assert.equal(Number(batches[0]![6]) + Number(batches[1]![6]), 17);
  const ok = palestra('verify', run);
  assert.equal(ok.code, 0, ok.out + ok.err);
  assert.match(ok.out, /2 batches of up to 16 leaves/);
});
