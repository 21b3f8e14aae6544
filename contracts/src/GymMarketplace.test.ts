import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { parseEther, zeroAddress } from 'viem';
import { createHarness, type Harness, ROOT, reverts } from '../test/harness.ts';

let h: Harness;
let a: Harness['actors'];

before(async () => {
  h = await createHarness();
  a = h.actors;
  await h.snapshot();
});
after(() => h.close());
beforeEach(() => h.reset());

async function env(name = 'refund-desk', tags = ['support', 'refunds'], author = a.author) {
  await h.tx(
    'GymMarketplace.createEnvironment',
    h.marketplace.write.createEnvironment([name, tags], { account: author }),
  );
  return h.marketplace.read.environmentCount();
}
async function publish(envId: bigint, root = ROOT(0xe1), price = parseEther('0.1'), royalty = 500) {
  await h.tx(
    'GymMarketplace.publishVersion',
    h.marketplace.write.publishVersion([envId, root, 'ipfs://m', 'Apache-2.0', price, royalty], {
      account: a.author,
    }),
  );
  return h.marketplace.read.versionCount();
}

describe('GymMarketplace environments', () => {
  it('lists an environment with its author and tags the studio can search by', async () => {
    const one = await env('refund-desk', ['support', 'refunds']);
    const two = await env('field-survey', ['ecology', 'support'], a.stranger);
    assert.equal((await h.marketplace.read.environment([one])).author, a.author);
    const support = await h.marketplace.getEvents.EnvironmentTagged(
      { tagIndex: 'support' },
      { fromBlock: 0n },
    );
    assert.deepEqual(
      support.map((l) => l.args.envId),
      [one, two],
    );
    const byAuthor = await h.marketplace.getEvents.EnvironmentCreated(
      { author: a.stranger },
      { fromBlock: 0n },
    );
    assert.deepEqual(
      byAuthor.map((l) => l.args.name),
      ['field-survey'],
    );
  });
  it('refuses an empty name, too many tags and unknown environments', async () => {
    await reverts(h.marketplace.write.createEnvironment(['', []], { account: a.author }), 'EmptyName', []);
    const tags = Array.from({ length: 17 }, (_, i) => `t${i}`);
    await reverts(h.marketplace.write.createEnvironment(['x', tags], { account: a.author }), 'TooManyTags', [
      17n,
      16n,
    ]);
    await reverts(h.marketplace.read.environment([5n]), 'UnknownEnvironment', [5n]);
    await reverts(h.marketplace.read.latestVersion([0n]), 'UnknownEnvironment', [0n]);
  });
  it('lets the author add tags and hand the environment over', async () => {
    const id = await env();
    await h.tx('GymMarketplace.addTags', h.marketplace.write.addTags([id, ['grpo']], { account: a.author }));
    await reverts(h.marketplace.write.addTags([id, ['x']], { account: a.stranger }), 'NotAuthor', [
      a.stranger,
      a.author,
    ]);
    await reverts(
      h.marketplace.write.transferAuthorship([id, zeroAddress], { account: a.author }),
      'ZeroAddress',
      [],
    );
    await reverts(
      h.marketplace.write.transferAuthorship([id, a.stranger], { account: a.stranger }),
      'NotAuthor',
      [a.stranger, a.author],
    );
    await h.tx(
      'GymMarketplace.transferAuthorship',
      h.marketplace.write.transferAuthorship([id, a.stranger], { account: a.author }),
    );
    await reverts(
      h.marketplace.write.publishVersion([id, ROOT(1), '', '', 0n, 0], { account: a.author }),
      'NotAuthor',
      [a.author, a.stranger],
    );
    await h.tx(
      'GymMarketplace.publishVersion',
      h.marketplace.write.publishVersion([id, ROOT(1), '', '', 0n, 0], { account: a.stranger }),
    );
  });
});

describe('GymMarketplace versions', () => {
  it('publishes versions by content root, keeps the history and the terms', async () => {
    const id = await env();
    const v1 = await publish(id, ROOT(0xa1));
    const v2 = await publish(id, ROOT(0xa2), parseEther('0.2'), 1000);
    assert.deepEqual((await h.marketplace.read.environment([id])).versions, [v1, v2]);
    assert.equal(await h.marketplace.read.latestVersion([id]), v2);
    assert.equal(await h.marketplace.read.versionByRoot([ROOT(0xa2)]), v2);
    const v = await h.marketplace.read.version([v2]);
    assert.equal(v.contentRoot, ROOT(0xa2));
    assert.equal(v.license, 'Apache-2.0');
    assert.deepEqual(await h.marketplace.read.versionTerms([v2]), [a.author, parseEther('0.2'), 1000, false]);
    const logs = await h.marketplace.getEvents.VersionPublished({ author: a.author }, { fromBlock: 0n });
    assert.equal(logs.length, 2);
  });
  it('refuses strangers, empty and reused roots, and royalties over the cap', async () => {
    const id = await env();
    await publish(id, ROOT(0xa1));
    await reverts(
      h.marketplace.write.publishVersion([id, ROOT(2), '', '', 0n, 0], { account: a.stranger }),
      'NotAuthor',
      [a.stranger, a.author],
    );
    await reverts(
      h.marketplace.write.publishVersion([9n, ROOT(2), '', '', 0n, 0], { account: a.author }),
      'UnknownEnvironment',
      [9n],
    );
    await reverts(
      h.marketplace.write.publishVersion([id, ROOT(0), '', '', 0n, 0], { account: a.author }),
      'ZeroContentRoot',
      [],
    );
    await reverts(
      h.marketplace.write.publishVersion([id, ROOT(0xa1), '', '', 0n, 0], { account: a.author }),
      'ContentRootTaken',
      [ROOT(0xa1), 1n],
    );
    await reverts(
      h.marketplace.write.publishVersion([id, ROOT(2), '', '', 0n, 5001], { account: a.author }),
      'RoyaltyTooHigh',
      [5001, 5000],
    );
    await h.tx(
      'GymMarketplace.publishVersion',
      h.marketplace.write.publishVersion([id, ROOT(2), '', '', 0n, 5000], { account: a.author }),
    );
  });
  it('deprecates a version once, by its author', async () => {
    const id = await env();
    const v = await publish(id);
    await reverts(h.marketplace.write.deprecateVersion([v, 'x'], { account: a.stranger }), 'NotAuthor', [
      a.stranger,
      a.author,
    ]);
    await h.tx(
      'GymMarketplace.deprecateVersion',
      h.marketplace.write.deprecateVersion([v, 'reward hack found'], { account: a.author }),
    );
    assert.equal((await h.marketplace.read.version([v])).deprecated, true);
    await reverts(
      h.marketplace.write.deprecateVersion([v, 'x'], { account: a.author }),
      'AlreadyDeprecated',
      [v],
    );
    await reverts(h.marketplace.write.deprecateVersion([7n, 'x'], { account: a.author }), 'UnknownVersion', [
      7n,
    ]);
    await reverts(h.marketplace.read.version([0n]), 'UnknownVersion', [0n]);
    const [log] = await h.marketplace.getEvents.VersionDeprecated({ versionId: v }, { fromBlock: 0n });
    assert.equal(log?.args.reason, 'reward hack found');
  });
});
