import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { parseEther } from 'viem';
import {
  type Action,
  actionKinds,
  checkFinal,
  checkInvariants,
  coverage,
  Model,
  step,
} from '../test/handler.ts';
import { createHarness, type Harness, publishEnv, registerProvider } from '../test/harness.ts';

// Handler-based random call sequences. CONTRACTS_FUZZ_RUNS / CONTRACTS_FUZZ_SEED override the defaults
// (256 runs of 15 calls, a fixed seed so CI is reproducible; a failure prints the seed and the calls).
const runs = Number(process.env.CONTRACTS_FUZZ_RUNS ?? 256);
const seed = Number(process.env.CONTRACTS_FUZZ_SEED ?? 20261122);
const CALLS = 15;
// Shorter than production so that unbonding can complete within a 15-call sequence.
const UNBONDING = 24n * 3600n;

let h: Harness;
const nodes = (x: Harness['actors']): [`0x${string}`, bigint, boolean][] => [
  [x.provider, parseEther('5'), true],
  [x.provider2, parseEther('3'), true],
  [x.validator, parseEther('2'), false],
];

before(async () => {
  h = await createHarness({ unbondingDelay: UNBONDING });
  await publishEnv(h);
  for (const [who, stake, provider] of nodes(h.actors)) {
    if (provider) await registerProvider(h, who, stake);
    else
      await h.tx(
        'NodeRegistry.register',
        h.registry.write.register([2, 'v', { acceleratorClass: 0, taskTypes: 0, region: '' }], {
          account: who,
          value: stake,
        }),
      );
  }
  await h.snapshot();
});
after(() => h.close());

const action: fc.Arbitrary<Action> = fc.record({
  kind: fc.constantFrom(...actionKinds),
  a: fc.nat(1 << 16),
  b: fc.nat(1 << 16),
  c: fc.nat(1 << 16),
});

it(`escrow and registry invariants hold over ${runs} random sequences of ${CALLS} calls`, {
  timeout: 600_000,
}, async (t) => {
  let done = 0;
  const t0 = performance.now();
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: CALLS, maxLength: CALLS }), async (actions) => {
      await h.reset();
      const m = new Model(h, nodes(h.actors), UNBONDING);
      const log: string[] = [];
      await checkInvariants(h, m);
      for (const act of actions) await step(h, m, act, log);
      await checkFinal(h, m, log);
      if (process.env.CONTRACTS_FUZZ_TRACE)
        console.log(++done, Math.round(performance.now() - t0), log.length);
    }),
    {
      numRuns: runs,
      seed,
      includeErrorInReport: true,
      ...(process.env.CONTRACTS_FUZZ_PATH ? { path: process.env.CONTRACTS_FUZZ_PATH } : {}),
    },
  );
  t.diagnostic(`successful calls: ${JSON.stringify(Object.fromEntries([...coverage].sort()))}`);
  // The sequences must reach every transition, or the invariants above prove little.
  if (runs >= 64) {
    for (const kind of [
      'open',
      'cancel',
      'claim',
      'submit',
      'challenge',
      'resolve:provider',
      'resolve:slash',
      'finalize',
      'expire',
      'withdraw',
      'withdrawUnbonded',
      'withdrawCredit',
      'replay:refused',
    ]) {
      assert.ok((coverage.get(kind) ?? 0) > 0, `no successful ${kind} in ${runs} runs`);
    }
  }
});
