import type { Command } from 'commander';
import { z } from 'zod';

const root = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'must be 0x followed by 64 hex digits')
  .transform((s) => s as `0x${string}`);

/** The flags of `palestra submit`, as commander leaves them. */
export const submitFlags = z.object({
  job: z
    .string()
    .regex(/^[1-9][0-9]*$/, 'must be a job id (a whole number ≥ 1)')
    .transform((s) => BigInt(s)),
  chainDir: z.string().min(1),
  adapter: root.optional(),
  metrics: root.optional(),
});
export type SubmitFlags = z.output<typeof submitFlags>;

/** `palestra submit <run> --job <id>`: send a proven run's settlement to the escrow. */
export function registerSubmitCommand(program: Command): void {
  program
    .command('submit')
    .description(
      "send a proven run's result to the escrow (TrainingEscrow.submitResult) with the proof palestra prove wrote beside it",
    )
    .argument('<run>', 'the run folder, with proof.json, public.json and calldata.json from palestra prove')
    .requiredOption('--job <id>', 'the job the run was proven for (claimed by the sending account)')
    .option('--chain-dir <dir>', "the chain's folder (chain.json, from palestra chain up)", '.palestra/chain')
    .option(
      '--adapter <root>',
      'root of the adapter the run trained (required unless the job is an evaluation)',
    )
    .option('--metrics <root>', "a commitment to the run's metrics (not proven; default zero)")
    .addHelpText(
      'after',
      `
Before sending anything, submit checks that the three files agree with each other and with the
verification key, that the run has the episodes the proof counts, and that the job is claimed by the
sending account, before its deadline, with the chain id, escrow, job, provider and payout the proof
is bound to; then it simulates the call. The account: PALESTRA_PRIVATE_KEY, else the job's provider
when the local chain unlocks it (anvil's dev accounts).

A run of more than 16 episodes is proven in batches of 16 (batches/<k>/, listed in settlement.json);
submit sends them in one transaction, which the verifier checks batch by batch (at most 64 batches).

Example:
  palestra prove runs/echo --job 1 && palestra submit runs/echo --job 1`,
    )
    .action(async (run: string, opts: unknown) => {
      const { submitAction } = await import('./submitAction.ts');
      await submitAction(run, opts);
    });
}
