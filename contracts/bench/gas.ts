/**
 * Gas table: every external state-changing function of the system, min / median / max gasUsed over a
 * scripted lifecycle plus random handler sequences (the invariant tests' handler) on a fresh anvil, beside
 * audited references measured in the same run: OpenZeppelin 5's ERC20.transfer, and the deposit/withdraw
 * of OpenZeppelin v4's pull-payment Escrow (reproduced in test/ReferenceEscrowV4.sol). The lifecycle runs
 * on the test settlement verifier; a second table measures the Groth16 one with a real proof: the
 * verifier call alone, through a consumer contract (test/VerifierGasProbe.sol), against the Groth16
 * floor (the precompiles' price: 181k for the pairing + 6.15k per public input), and a whole
 * `submitResult`.
 *
 * Run: npx tsx contracts/bench/gas.ts   (BENCH_RUNS=64 random sequences by default)
 * PALESTRA_BENCH_SMOKE=1 runs 2 random sequences (unless BENCH_RUNS says otherwise), to check that it
 * runs and prints its table (the README test does); gas per call is exact either way, but the
 * min / median / max then cover fewer samples.
 */

import { OUTCOME, proveSettlement, releaseProver } from '@palestra/contracts/settlement';
import {
  referenceERC20Abi,
  referenceERC20Bytecode,
  referenceEscrowV4Abi,
  referenceEscrowV4Bytecode,
  verifierGasProbeAbi,
  verifierGasProbeBytecode,
} from '@palestra/testing/contracts';
import fc from 'fast-check';
import { type Address, type Hex, parseEther } from 'viem';
import { JobState, PriceRule, TaskType } from '../src/enums.ts';
import {
  gymMarketplaceAbi,
  modelRegistryAbi,
  nodeRegistryAbi,
  nodeRegistryBytecode,
  trainingEscrowAbi,
} from '../src/generated/index.ts';
import { receiptOf } from '../src/receipt.ts';
import { type Action, actionKinds, Model, step } from '../test/handler.ts';
import {
  caps,
  createHarness,
  DAY,
  DisputeOutcome,
  openJob,
  publishEnv,
  ROOT,
  registerProvider,
  result,
  submit,
} from '../test/harness.ts';

const runs = Number(process.env.BENCH_RUNS ?? (process.env.PALESTRA_BENCH_SMOKE === '1' ? 2 : 64));
const h = await createHarness({ unbondingDelay: DAY });
const x = h.actors;

try {
  // ---------------------------------------------------------------- scripted lifecycle: every function
  await publishEnv(h);
  await h.tx(
    'GymMarketplace.addTags',
    h.marketplace.write.addTags([1n, ['grpo', 'support']], { account: x.author }),
  );
  await h.tx(
    'GymMarketplace.publishVersion',
    h.marketplace.write.publishVersion([1n, ROOT(0xe2), 'ipfs://m2', 'MIT', parseEther('0.1'), 500], {
      account: x.author,
    }),
  );
  await h.tx(
    'GymMarketplace.deprecateVersion',
    h.marketplace.write.deprecateVersion([2n, 'superseded'], { account: x.author }),
  );
  await h.tx(
    'GymMarketplace.createEnvironment',
    h.marketplace.write.createEnvironment(['field-survey', ['ecology']], { account: x.stranger }),
  );
  await h.tx(
    'GymMarketplace.transferAuthorship',
    h.marketplace.write.transferAuthorship([2n, x.author], { account: x.stranger }),
  );
  await registerProvider(h, x.provider, parseEther('20'));
  await registerProvider(h, x.provider2, parseEther('10'));
  await h.tx(
    'NodeRegistry.register',
    h.registry.write.register([2, 'validator', caps(0)], { account: x.validator, value: parseEther('5') }),
  );
  await h.tx(
    'NodeRegistry.update',
    h.registry.write.update([3, 'ipfs://v2', caps()], { account: x.provider2 }),
  );
  await h.tx('NodeRegistry.topUp', h.registry.write.topUp({ account: x.provider, value: parseEther('1') }));

  for (let i = 0; i < 8; i++) {
    // Finalized job, with and without evaluation.
    const id = await openJob(h, {
      evalRequired: i % 2 === 1,
      minEvalScore: 100_000,
      priceRule: i % 3 === 0 ? PriceRule.PerScore : PriceRule.Fixed,
      rate: 10n ** 9n,
    });
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([id], { account: x.provider }));
    await submit(h, id, x.provider, result(Number(id), 4_000_000n));
    if (i % 2 === 1)
      await h.tx('TestDisputeResolver.setEvaluation', h.resolver.write.setEvaluation([id, 900_000]));
    await h.warp(DAY);
    await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([id]));
    await h.tx(
      'ModelRegistry.registerAdapter',
      h.models.write.registerAdapter(
        [result(Number(id)).adapterRoot, ROOT(0xba5e), 1n, id, 0n, ROOT(1), 'ipfs://a'],
        { account: x.provider },
      ),
    );
    // Disputed job: provider wins, then challenger wins.
    const d = await openJob(h, { taskType: TaskType.FineTuning });
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([d], { account: x.provider2 }));
    await submit(h, d, x.provider2);
    await h.tx(
      'TrainingEscrow.challenge',
      h.escrow.write.challenge([d, ROOT(0xbad)], { account: x.challenger, value: parseEther('0.1') }),
    );
    await h.tx(
      'TestDisputeResolver.setOutcome',
      h.resolver.write.setOutcome([
        d,
        i % 2 === 0 ? DisputeOutcome.ProviderWins : DisputeOutcome.ChallengerWins,
      ]),
    );
    await h.tx('TrainingEscrow.resolveDispute', h.escrow.write.resolveDispute([d]));
    if ((await h.escrow.read.job([d])).state === JobState.Resolved)
      await h.tx('TrainingEscrow.finalize', h.escrow.write.finalize([d]));
    else
      await h.tx(
        'NodeRegistry.topUp',
        h.registry.write.topUp({ account: x.provider2, value: parseEther('2') }),
      );
    // Cancelled and expired jobs.
    const c = await openJob(h, {
      taskType: TaskType.PreTraining,
      envVersionId: 0n,
      datasetRoot: ROOT(0xda7a),
    });
    await h.tx('TrainingEscrow.cancel', h.escrow.write.cancel([c], { account: x.creator }));
    const e = await openJob(h);
    await h.tx('TrainingEscrow.claim', h.escrow.write.claim([e], { account: x.provider }));
    await h.warp(3n * DAY + 1n);
    await h.tx('TrainingEscrow.expire', h.escrow.write.expire([e]));
    // Pull payments.
    for (const who of [x.creator, x.provider, x.author, x.feeRecipient]) {
      if ((await h.escrow.read.balanceOf([who])) > 0n)
        await h.tx('TrainingEscrow.withdraw', h.escrow.write.withdraw({ account: who }));
    }
    if ((await h.registry.read.credits([x.challenger])) > 0n)
      await h.tx('NodeRegistry.withdrawCredit', h.registry.write.withdrawCredit({ account: x.challenger }));
    await h.tx(
      'NodeRegistry.requestUnbonding',
      h.registry.write.requestUnbonding([parseEther('0.5')], { account: x.validator }),
    );
    await h.warp(DAY);
    await h.tx('NodeRegistry.withdrawUnbonded', h.registry.write.withdrawUnbonded({ account: x.validator }));
  }
  await h.tx('TrainingEscrow.setProtocolFee', h.escrow.write.setProtocolFee([300]));
  await h.tx('TrainingEscrow.setFeeRecipient', h.escrow.write.setFeeRecipient([x.owner]));
  await h.tx('TrainingEscrow.setChallengeBond', h.escrow.write.setChallengeBond([parseEther('0.2')]));
  await h.tx('TrainingEscrow.setVerifier', h.escrow.write.setVerifier([h.d.settlementVerifier]));
  await h.tx('TrainingEscrow.setResolver', h.escrow.write.setResolver([h.d.disputeResolver]));

  // ---------------------------------------------------------------- random sequences (the invariant handler)
  await h.tx('TrainingEscrow.setProtocolFee', h.escrow.write.setProtocolFee([250]));
  await h.tx('TrainingEscrow.setFeeRecipient', h.escrow.write.setFeeRecipient([x.feeRecipient]));
  await h.tx('TrainingEscrow.setChallengeBond', h.escrow.write.setChallengeBond([parseEther('0.1')]));
  const fresh = await createHarness({ unbondingDelay: DAY });
  try {
    fresh.gas.samples.clear();
    await publishEnv(fresh);
    await registerProvider(fresh, fresh.actors.provider, parseEther('5'));
    await registerProvider(fresh, fresh.actors.provider2, parseEther('3'));
    await fresh.tx(
      'NodeRegistry.register',
      fresh.registry.write.register([2, 'v', caps(0)], {
        account: fresh.actors.validator,
        value: parseEther('2'),
      }),
    );
    await fresh.snapshot();
    const nodes: [Address, bigint, boolean][] = [
      [fresh.actors.provider, parseEther('5'), true],
      [fresh.actors.provider2, parseEther('3'), true],
      [fresh.actors.validator, parseEther('2'), false],
    ];
    const action = fc.record({
      kind: fc.constantFrom(...actionKinds),
      a: fc.nat(1 << 16),
      b: fc.nat(1 << 16),
      c: fc.nat(1 << 16),
    });
    for (const actions of fc.sample(fc.array(action, { minLength: 15, maxLength: 15 }), {
      numRuns: runs,
      seed: 7,
    })) {
      await fresh.reset();
      const m = new Model(fresh, nodes, DAY);
      for (const act of actions as Action[]) await step(fresh, m, act, []);
    }
    for (const [label, gas] of fresh.gas.samples) for (const g of gas) h.gas.add(label, g);
  } finally {
    await fresh.close();
  }

  // ---------------------------------------------------------------- references, same chain, same run
  const deploy = async (abi: readonly unknown[], bytecode: Hex, args: unknown[]) =>
    (await receiptOf(h.client, await h.wallet.deployContract({ abi, bytecode, args } as never)))
      .contractAddress!;
  const token = await deploy(referenceERC20Abi, referenceERC20Bytecode, [x.owner, parseEther('1000000')]);
  const v4 = await deploy(referenceEscrowV4Abi, referenceEscrowV4Bytecode, []);
  for (let i = 0; i < 16; i++) {
    const to = (i % 2 === 0 ? `0x${(0xc0ffee00 + i).toString(16).padStart(40, '0')}` : x.stranger) as Address;
    await h.tx(
      'ref ERC20.transfer (OZ 5)',
      h.wallet.writeContract({
        address: token,
        abi: referenceERC20Abi,
        functionName: 'transfer',
        args: [to, parseEther('1')],
      }),
    );
    const payee = (i % 4 < 2 ? `0x${(0xbeef00 + i).toString(16).padStart(40, '0')}` : x.stranger) as Address;
    await h.tx(
      'ref Escrow.deposit (OZ v4)',
      h.wallet.writeContract({
        address: v4,
        abi: referenceEscrowV4Abi,
        functionName: 'deposit',
        args: [payee],
        value: parseEther('1'),
      }),
    );
    await h.tx(
      'ref Escrow.withdraw (OZ v4)',
      h.wallet.writeContract({
        address: v4,
        abi: referenceEscrowV4Abi,
        functionName: 'withdraw',
        args: [payee],
      }),
    );
  }

  // Ownership and wiring (normally done once, at deploy).
  const spare = await deploy(nodeRegistryAbi, nodeRegistryBytecode, [x.owner, 1n, 1n]);
  await h.tx(
    'NodeRegistry.setEscrow',
    h.wallet.writeContract({
      address: spare,
      abi: nodeRegistryAbi,
      functionName: 'setEscrow',
      args: [h.d.trainingEscrow],
    }),
  );
  await h.tx('NodeRegistry.transferOwnership', h.registry.write.transferOwnership([x.owner]));
  await h.tx('TrainingEscrow.transferOwnership', h.escrow.write.transferOwnership([x.owner]));
  await h.tx('TrainingEscrow.renounceOwnership', h.escrow.write.renounceOwnership());
  await h.tx(
    'NodeRegistry.renounceOwnership',
    h.wallet.writeContract({ address: spare, abi: nodeRegistryAbi, functionName: 'renounceOwnership' }),
  );

  // ---------------------------------------------------------------- table
  const sorted = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const stats = (label: string) => {
    const xs = h.gas.samples.get(label) ?? [];
    return xs.length === 0
      ? undefined
      : {
          n: xs.length,
          min: sorted(xs)[0]!,
          med: sorted(xs)[Math.floor((xs.length - 1) / 2)]!,
          max: sorted(xs)[xs.length - 1]!,
        };
  };
  // The same operation in the audited pattern: money in (deposit) and money out (pull withdraw).
  const sameOp: Record<string, string> = {
    'TrainingEscrow.openJob': 'ref Escrow.deposit (OZ v4)',
    'TrainingEscrow.challenge': 'ref Escrow.deposit (OZ v4)',
    'NodeRegistry.topUp': 'ref Escrow.deposit (OZ v4)',
    'TrainingEscrow.withdraw': 'ref Escrow.withdraw (OZ v4)',
    'NodeRegistry.withdrawCredit': 'ref Escrow.withdraw (OZ v4)',
    'NodeRegistry.withdrawUnbonded': 'ref Escrow.withdraw (OZ v4)',
  };
  const erc20 = stats('ref ERC20.transfer (OZ 5)')!;
  const abis = {
    TrainingEscrow: trainingEscrowAbi,
    NodeRegistry: nodeRegistryAbi,
    GymMarketplace: gymMarketplaceAbi,
    ModelRegistry: modelRegistryAbi,
  } as const;
  const external = Object.entries(abis).flatMap(([c, abi]) =>
    (abi as readonly { type: string; name?: string; stateMutability?: string }[])
      .filter((f) => f.type === 'function' && f.stateMutability !== 'view' && f.stateMutability !== 'pure')
      .map((f) => `${c}.${f.name}`),
  );
  const rows: string[][] = [
    [
      'function',
      'n',
      'min',
      'median',
      'max',
      '÷ ERC20.transfer',
      'same op in audited pattern',
      'ratio (median)',
    ],
  ];
  const missing: string[] = [];
  for (const label of [...new Set(external)].sort()) {
    const s = stats(label);
    if (!s) {
      missing.push(label);
      continue;
    }
    const ref = sameOp[label];
    const r = ref ? stats(ref) : undefined;
    rows.push([
      label,
      String(s.n),
      String(s.min),
      String(s.med),
      String(s.max),
      (Number(s.med) / Number(erc20.med)).toFixed(2),
      ref ? `${ref}: ${r!.med}` : '—',
      r ? (Number(s.med) / Number(r.med)).toFixed(2) : '—',
    ]);
  }
  rows.push(['', '', '', '', '', '', '', '']);
  for (const ref of [
    'ref ERC20.transfer (OZ 5)',
    'ref Escrow.deposit (OZ v4)',
    'ref Escrow.withdraw (OZ v4)',
  ]) {
    const s = stats(ref)!;
    rows.push([
      ref,
      String(s.n),
      String(s.min),
      String(s.med),
      String(s.max),
      (Number(s.med) / Number(erc20.med)).toFixed(2),
      '—',
      '—',
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(
    `gas used per call (solc 0.8.37, optimizer 200 runs, cancun; scripted lifecycle + ${runs} random sequences of 15 calls)\n`,
  );
  console.log(line(rows[0]!));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows.slice(1)) console.log(line(r));
  // lock / unlock / slash can only be called by the escrow: their cost is inside claim, finalize, expire
  // and resolveDispute above.
  const escrowOnly = new Set(['NodeRegistry.lock', 'NodeRegistry.unlock', 'NodeRegistry.slash']);
  const rest = missing.filter((m) => !escrowOnly.has(m));
  console.log(
    `\nNodeRegistry.lock / unlock / slash: escrow-only, measured inside claim / finalize, expire / resolveDispute.`,
  );
  if (rest.length > 0) console.log(`not exercised: ${rest.join(', ')}`);
} finally {
  await h.close();
}

// ---------------------------------------------------------------- the Groth16 settlement verifier
const z = await createHarness({ verifier: 'zk' });
try {
  await publishEnv(z);
  await registerProvider(z, z.actors.provider);
  const id = await openJob(z, {
    taskType: TaskType.Evaluation,
    priceRule: PriceRule.PerScore,
    rate: 10n ** 9n,
  });
  await z.tx('TrainingEscrow.claim', z.escrow.write.claim([id], { account: z.actors.provider }));
  const leaves = Array.from({ length: 16 }, (_, i) => ({
    episodeRoot: (BigInt(i + 1) * 0x9e3779b97f4a7c15n).toString(16).padStart(64, '0'),
    taskIndex: i,
    envReturn: 1_000_000,
    score: 250_000,
    steps: 4,
    outcome: OUTCOME.terminated,
  }));
  const payout = await z.escrow.read.quotePayout([id, 4_000_000n]);
  const p = await proveSettlement({
    leaves,
    chainId: z.chain.id,
    escrow: z.d.trainingEscrow,
    jobId: id,
    provider: z.actors.provider,
    payout,
  });
  const probe = (await receiptOf(
    z.client,
    await z.wallet.deployContract({ abi: verifierGasProbeAbi, bytecode: verifierGasProbeBytecode }),
  ))!.contractAddress!;
  const read = (functionName: 'measure' | 'measureGroth16', args: readonly unknown[]) =>
    z.client.readContract({
      address: probe,
      abi: verifierGasProbeAbi,
      functionName,
      args,
    } as never) as Promise<bigint>;
  const { a, b, c, inputs, proof } = p.calldata;
  const groth16 = await read('measureGroth16', [z.d.groth16Verifier, a, b, c, inputs]);
  const wrapped = await read('measure', [z.d.settlementVerifier, proof, inputs]);
  const result = {
    episodesRoot: p.inputs.tree.rootHex,
    adapterRoot: ROOT(0),
    metricsRoot: ROOT(0),
    totalScore: p.inputs.totals.totalScore,
    episodes: BigInt(p.inputs.totals.episodeCount),
    passing: BigInt(p.inputs.totals.passCount),
  };
  const submitted = await z.tx(
    'TrainingEscrow.submitResult (Groth16)',
    z.escrow.write.submitResult([id, result, proof], { account: z.actors.provider }),
  );
  const floor = 181_000 + 6_150 * inputs.length;
  const rows = [
    ['call', 'gas', '÷ Groth16 floor'],
    [
      'SettlementGroth16Verifier.verifyProof (snarkjs, through a consumer)',
      String(groth16),
      (Number(groth16) / floor).toFixed(3),
    ],
    [
      'ZKSettlementVerifier.verify (through a consumer)',
      String(wrapped),
      (Number(wrapped) / floor).toFixed(3),
    ],
    [
      'TrainingEscrow.submitResult, whole transaction (21k base included)',
      String(submitted.gasUsed),
      (Number(submitted.gasUsed) / floor).toFixed(3),
    ],
  ];
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log(
    `\nsettlement verification (a real N = 16 proof, ${inputs.length} public inputs; Groth16 floor = 181000 + 6150 × ${inputs.length} = ${floor}, goal ≤ 1.15×)\n`,
  );
  for (const [i, r] of rows.entries()) {
    console.log(r.map((cell, j) => (j === 0 ? cell.padEnd(w[j]!) : cell.padStart(w[j]!))).join('  '));
    if (i === 0) console.log(w.map((n) => '-'.repeat(n)).join('  '));
  }
} finally {
  await releaseProver();
  await z.close();
}
