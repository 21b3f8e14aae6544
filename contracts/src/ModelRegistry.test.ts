import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Hex, parseEther } from 'viem';
import {
  createHarness,
  DAY,
  type Harness,
  openJob,
  publishEnv,
  ROOT,
  registerProvider,
  result,
  reverts,
  submit,
} from '../test/harness.ts';
import { JobState } from './enums.ts';

let h: Harness;
let a: Harness['actors'];
const BASE = ROOT(0xba5e);

before(async () => {
  h = await createHarness();
  a = h.actors;
  await publishEnv(h);
  await registerProvider(h, a.provider);
  await h.snapshot();
});
after(() => h.close());
beforeEach(() => h.reset());

async function finalizedJob() {
  const id = await openJob(h, { minStake: parseEther('1') });
  await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: a.provider }));
  await submit(h, id, a.provider);
  await h.warp(DAY);
  await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([id]));
  return { id, adapterRoot: result(Number(id)).adapterRoot };
}
const register = (root: Hex, jobId = 0n, parent = 0n, account = a.provider, base = BASE, env = 1n) =>
  h.models.write.registerAdapter([root, base, env, jobId, parent, ROOT(0x9f), 'ipfs://adapter'], { account });

describe('ModelRegistry', () => {
  it('records an adapter settled by a job as verified, with its lineage', async () => {
    const { id, adapterRoot } = await finalizedJob();
    await h.tx('ModelRegistry.registerAdapter', register(ROOT(0xb0)));
    await h.tx('ModelRegistry.registerAdapter', register(adapterRoot, id, 1n));
    const ad = await h.models.read.adapter([2n]);
    assert.equal(ad.verified, true);
    assert.equal(ad.jobId, id);
    assert.equal(ad.parentId, 1n);
    assert.equal((await h.models.read.adapter([1n])).verified, false);
    assert.equal(await h.models.read.adapterByJob([id]), 2n);
    await h.tx('ModelRegistry.registerAdapter', register(ROOT(0xc0), 0n, 2n, a.stranger));
    assert.deepEqual(await h.models.read.lineage([3n, 10n]), [2n, 1n]);
    assert.deepEqual(await h.models.read.lineage([3n, 1n]), [2n]);
  });
  it('checks the job: finalized, same provider, same adapter root, same base model and environment', async () => {
    const open = await openJob(h);
    await reverts(register(ROOT(1), open), 'JobNotFinalized', [open, JobState.Open]);
    const { id, adapterRoot } = await finalizedJob();
    await reverts(register(adapterRoot, id, 0n, a.stranger), 'NotJobProvider', [id, a.stranger, a.provider]);
    await reverts(register(ROOT(1), id), 'AdapterMismatch', [id, ROOT(1), adapterRoot]);
    await reverts(register(adapterRoot, id, 0n, a.provider, ROOT(5)), 'LineageMismatch', [id, BASE, 1n]);
    await reverts(register(adapterRoot, id, 0n, a.provider, BASE, 2n), 'LineageMismatch', [id, BASE, 1n]);
    await reverts(register(adapterRoot, 99n), 'UnknownJob', [99n]);
  });
  it('refuses empty and duplicate roots and unknown parents, but a squatter cannot block the provider', async () => {
    const { id, adapterRoot } = await finalizedJob();
    await reverts(register(ROOT(0)), 'ZeroAdapterRoot', []);
    await reverts(register(ROOT(1), 0n, 4n), 'UnknownAdapter', [4n]);
    await h.tx('ModelRegistry.registerAdapter', register(adapterRoot, 0n, 0n, a.stranger));
    await reverts(register(adapterRoot, 0n, 0n, a.provider), 'AdapterExists', [adapterRoot, 1n]);
    await h.tx('ModelRegistry.registerAdapter', register(adapterRoot, id));
    assert.equal(await h.models.read.adapterByRoot([adapterRoot]), 2n);
    await reverts(register(adapterRoot, id), 'AdapterExists', [adapterRoot, 2n]);
    await reverts(h.models.read.adapter([0n]), 'UnknownAdapter', [0n]);
    await reverts(h.models.read.lineage([9n, 1n]), 'UnknownAdapter', [9n]);
  });
});
