// The named checks `submitSettlement` runs before it sends anything: each refuses with its own code,
// naming the job or the file. (The whole flow, on anvil from a real run, is in runtime's submit e2e test.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JobState, TaskType } from './enums.ts';
import { ContractsError } from './errors.ts';
import {
  checkAdapter,
  checkDeadline,
  checkJobClaimed,
  checkPassing,
  checkSender,
  checkSignalsMatchChain,
  episodesRootOf,
} from './submission.ts';

const provider = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
const other = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
const escrow = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const signals = [31337n, BigInt(escrow), 4n, BigInt(provider), 1n, 2n, 5n, 3n, 2_500_000n, 10n ** 15n];
const expected = { chainId: 31337n, escrow, jobId: 4n, provider, payout: 10n ** 15n } as const;

const refuses = (f: () => void, code: string, mention: RegExp) =>
  assert.throws(f, (e) => e instanceof ContractsError && e.code === code && mention.test(e.message));

describe('submission checks', () => {
  it('take a Claimed job only, naming the job and its state', () => {
    checkJobClaimed(4n, { state: JobState.Claimed });
    refuses(() => checkJobClaimed(4n, { state: JobState.Open }), 'SUBMIT_JOB_STATE', /job 4 is Open/);
    refuses(
      () => checkJobClaimed(4n, { state: JobState.Submitted }),
      'SUBMIT_JOB_STATE',
      /job 4 is Submitted/,
    );
  });
  it('send as the provider that claimed the job, before its deadline', () => {
    checkSender(4n, { provider }, provider.toLowerCase() as `0x${string}`);
    refuses(() => checkSender(4n, { provider }, other), 'SUBMIT_NOT_PROVIDER', new RegExp(other));
    checkDeadline(4n, { submitDeadline: 100n }, 100n);
    refuses(
      () => checkDeadline(4n, { submitDeadline: 100n }, 101n),
      'SUBMIT_DEADLINE_PASSED',
      /deadline \(100\)/,
    );
  });
  it('ask for an adapter root unless the job is an evaluation', () => {
    checkAdapter(4n, { taskType: TaskType.Evaluation });
    checkAdapter(4n, { taskType: TaskType.GRPO }, `0x${'ab'.repeat(32)}`);
    refuses(() => checkAdapter(4n, { taskType: TaskType.GRPO }), 'SUBMIT_ADAPTER_MISSING', /job 4/);
    refuses(
      () => checkAdapter(4n, { taskType: TaskType.FineTuning }, `0x${'00'.repeat(32)}`),
      'SUBMIT_ADAPTER_MISSING',
      /job 4/,
    );
  });
  it("hold the proven pass count to the job's minimum, naming the file", () => {
    checkPassing(4n, { minPassing: 3 }, signals, 'runs/a/public.json');
    refuses(
      () => checkPassing(4n, { minPassing: 4 }, signals, 'runs/a/public.json'),
      'SUBMIT_TOO_FEW_PASSING',
      /runs\/a\/public\.json: 3 passing episodes, job 4 asks for at least 4/,
    );
  });
  it('find each signal the chain computes that differs from the file', () => {
    checkSignalsMatchChain(signals, expected);
    const cases: [number, string][] = [
      [0, 'chainId'],
      [1, 'escrow'],
      [2, 'jobId'],
      [3, 'provider'],
      [9, 'payout'],
    ];
    for (const [i, name] of cases) {
      const changed = signals.map((v, j) => (j === i ? v + 1n : v));
      refuses(
        () => checkSignalsMatchChain(changed, expected, 'p/public.json'),
        'SUBMIT_PUBLIC_MISMATCH',
        new RegExp(`p/public\\.json: ${name} is ${changed[i]}, the chain will compute ${signals[i]}`),
      );
    }
    refuses(
      () => checkSignalsMatchChain(signals.slice(0, 9), expected),
      'SUBMIT_FILE_INVALID',
      /9 public signals/,
    );
  });
  it('rebuild the bytes32 root from its two halves', () => {
    assert.equal(episodesRootOf(signals), `0x${'0'.repeat(31)}1${'0'.repeat(31)}2`);
  });
});
