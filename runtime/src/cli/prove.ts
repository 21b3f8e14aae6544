import type { Command } from 'commander';
import { z } from 'zod';

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 20-byte address (0x followed by 40 hex digits)')
  .transform((s) => s as `0x${string}`);
const whole = (what: string) =>
  z
    .string()
    .regex(/^[0-9]+$/, `must be ${what} (a whole number)`)
    .transform((s) => BigInt(s));

/** The flags of `palestra prove`, as commander leaves them. */
export const proveFlags = z.object({
  job: z
    .string()
    .regex(/^[1-9][0-9]*$/, 'must be a job id (a whole number ≥ 1)')
    .transform((s) => BigInt(s)),
  overseer: z.string().min(1),
  chainDir: z.string().min(1),
  chainId: whole('a chain id').optional(),
  escrow: address.optional(),
  provider: address.optional(),
  payout: whole('an amount in wei').optional(),
  maxEpisodes: z.number().int().min(1).optional(),
});
export type ProveFlags = z.output<typeof proveFlags>;

/** `palestra prove <run> --job <id>`: a Groth16 settlement proof of a scored run. */
export function registerProveCommand(program: Command): void {
  program
    .command('prove')
    .description(
      "prove a scored run for an escrow job: a Groth16 proof that the job's episode count, passing count and total score come from exactly these episodes",
    )
    .argument('<run>', 'the run folder (episode-NNNNNN.jsonl files, scored with palestra score)')
    .requiredOption('--job <id>', 'the escrow job the proof is for (the proof is bound to it)')
    .option(
      '--overseer <config>',
      'whose committed scores are proven: "rules" or the ensemble config that scored',
      'rules',
    )
    .option('--chain-dir <dir>', "the chain's folder (chain.json, from palestra chain up)", '.palestra/chain')
    .option('--chain-id <id>', 'the chain id (default: the chain in --chain-dir)')
    .option('--escrow <address>', "the escrow's address (default: the chain's TrainingEscrow)")
    .option('--provider <address>', "the provider's address (default: the job's provider, once claimed)")
    .option(
      '--payout <wei>',
      "the payout in wei (default: the escrow's quotePayout for the run's total score)",
    )
    .option('--max-episodes <n>', 'refuse runs with more episodes than this (default 1024)', (v) => Number(v))
    .addHelpText(
      'after',
      `
What is proven: each episode becomes a leaf (its root, task, environment return, the overseer's
score, steps, outcome); the proof shows that the episodes root, the episode and passing counts and
the total score the escrow will record are computed from exactly these leaves, for this chain,
escrow, job, provider and payout, so it cannot be replayed for another. It does not prove the
episodes were played by the model being paid for: validators check that (DESIGN.md).

Writes beside the run: proof.json, public.json (the 10 public signals), calldata.json (what
palestra submit sends) and settlement.json (what was proven). A run of more than 16 episodes is
proven in batches of 16, under batches/<k>/. Every episode must be complete and scored.

Examples:
  palestra run echo-target --agent random --episodes 4 --out runs/echo
  palestra score runs/echo/episode-*.jsonl
  palestra prove runs/echo --job 1                 # chain id, escrow, provider, payout from the chain
  palestra prove runs/echo --job 1 --chain-id 31337 --escrow 0x… --provider 0x… --payout 0
  palestra verify runs/echo`,
    )
    .action(async (run: string, opts: unknown) => {
      const { proveAction } = await import('./proveAction.ts');
      await proveAction(run, opts);
    });
}
