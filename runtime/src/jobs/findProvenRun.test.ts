// Finding the run of a job's submission among proof files on disk: the run proven for exactly this
// submission, else one with the same episodes root; two at the best level are ambiguous; none is
// refused naming the folder and the root. The proof files are written in the shape palestra prove
// writes (this lookup reads their public signals; whether the proof verifies is verifyRun's layer).
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { encodeSettlementBatches } from '@palestra/contracts';
import { findProvenRun, provenRunFolders, submittedSignalsOf } from './findProvenRun.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-find-run-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const PROOF = {
  pi_a: ['1', '2', '1'],
  pi_b: [
    ['3', '4'],
    ['5', '6'],
    ['1', '0'],
  ],
  pi_c: ['7', '8', '1'],
  protocol: 'groth16',
  curve: 'bn128',
};
/** Public signals: chain 31337, an escrow, `job`, a provider, root (high, low), counts, score, payout. */
const signals = (job: bigint, rootLow: bigint, payout = 1000n) => [
  31337n,
  0x5fbdb2315678afecb367f032d93f642f64180aa3n,
  job,
  0x70997970c51812dc3a010c7d01b50e0d17dc79c8n,
  0n,
  rootLow,
  3n,
  2n,
  1_500_000n,
  payout,
];
function writeBatch(folder: string, s: bigint[]) {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'proof.json'), JSON.stringify(PROOF));
  writeFileSync(join(folder, 'public.json'), JSON.stringify(s.map(String)));
  writeFileSync(join(folder, 'calldata.json'), '{}');
}
/** A proven run of one batch, with its settlement.json. */
function provenRun(folder: string, s: bigint[]) {
  writeBatch(folder, s);
  writeFileSync(
    join(folder, 'settlement.json'),
    JSON.stringify({
      batches: [{ files: { proof: 'proof.json', publicSignals: 'public.json', calldata: 'calldata.json' } }],
    }),
  );
}

test('the run proven for exactly the submission is found, nested folders included, over a same-root run', () => {
  const runs = join(dir, 'exact');
  provenRun(join(runs, 'echo'), signals(1n, 11n));
  provenRun(join(runs, 'eval', 'a'), signals(2n, 22n));
  provenRun(join(runs, 'reproved'), signals(9n, 22n)); // the same episodes, proven for job 9
  mkdirSync(join(runs, 'unproven'));
  writeFileSync(join(runs, 'unproven', 'episode-000000.jsonl'), '');
  assert.deepEqual(provenRunFolders(runs), [
    join(runs, 'echo'),
    join(runs, 'eval', 'a'),
    join(runs, 'reproved'),
  ]);
  const found = findProvenRun({ runsDir: runs, publicInputs: signals(2n, 22n) });
  assert.deepEqual(found, { run: join(runs, 'eval', 'a'), match: 'exact', searched: 3 });
  // Only the root matches (the payout differs): the run of those episodes, marked as such.
  const byRoot = findProvenRun({ runsDir: runs, publicInputs: signals(1n, 11n, 5n) });
  assert.deepEqual(byRoot, { run: join(runs, 'echo'), match: 'root', searched: 3 });
});

test('two runs carrying the same submission are ambiguous, and both are named', () => {
  const runs = join(dir, 'ambiguous');
  provenRun(join(runs, 'echo'), signals(1n, 11n));
  cpSync(join(runs, 'echo'), join(runs, 'echo-copy'), { recursive: true });
  assert.throws(
    () => findProvenRun({ runsDir: runs, publicInputs: signals(1n, 11n) }),
    (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, 'VERIFY_RUN_AMBIGUOUS');
      assert.match(
        e.message,
        /2 runs under .* hold the proof of episodes root 0x0{62}0b: .*echo, .*echo-copy/,
      );
      assert.match(e.hint ?? '', /palestra verify .*echo --job 1/);
      return true;
    },
  );
});

test('no run is refused naming the folder searched and the root looked for; a missing folder too', () => {
  const runs = join(dir, 'none');
  provenRun(join(runs, 'echo'), signals(1n, 11n));
  for (const [runsDir, pattern] of [
    [runs, /no run under .*none holds a proof of episodes root 0x0{62}63 \(1 proven run looked at\)/],
    [join(dir, 'missing'), /the runs folder .*missing does not exist/],
  ] as const)
    assert.throws(
      () => findProvenRun({ runsDir, publicInputs: signals(1n, 99n) }),
      (e: Error & { code?: string; hint?: string }) => {
        assert.equal(e.code, 'VERIFY_RUN_NOT_FOUND');
        assert.match(e.message, pattern);
        assert.match(e.hint ?? '', /--runs <dir>/);
        return true;
      },
    );
});

test('a run of several batches is matched by the combined signals the escrow records', () => {
  const run = join(dir, 'batches', 'big');
  const first = signals(4n, 1n);
  const second = signals(4n, 2n).map((v, i) => (i === 6 ? 1n : v));
  writeBatch(join(run, 'batches', '0'), first);
  writeBatch(join(run, 'batches', '1'), second);
  const files = (k: number) => ({
    proof: `batches/${k}/proof.json`,
    publicSignals: `batches/${k}/public.json`,
    calldata: `batches/${k}/calldata.json`,
  });
  writeFileSync(
    join(run, 'settlement.json'),
    JSON.stringify({ batches: [{ files: files(0) }, { files: files(1) }] }),
  );
  const proof = `0x${'00'.repeat(256)}` as const;
  const combined = encodeSettlementBatches([
    { publicSignals: first, proof },
    { publicSignals: second, proof },
  ]).publicSignals;
  assert.deepEqual(submittedSignalsOf(run), combined);
  assert.equal(combined[6], 4n);
  assert.equal(findProvenRun({ runsDir: join(dir, 'batches'), publicInputs: combined }).run, run);
  // A batch folder is not a run of its own.
  assert.deepEqual(provenRunFolders(join(dir, 'batches')), [run]);
});
