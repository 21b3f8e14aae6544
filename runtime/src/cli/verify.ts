import type { Command } from 'commander';
import { z } from 'zod';

/** The flags of `palestra verify`, as commander leaves them. */
export const verifyFlags = z.object({
  overseer: z.string().min(1).optional(),
  job: z
    .string()
    .regex(/^[1-9][0-9]*$/, 'must be a job id (a whole number ≥ 1)')
    .transform((s) => BigInt(s))
    .optional(),
  chainDir: z.string().min(1),
  cache: z.string().min(1).optional(),
});
export type VerifyFlags = z.output<typeof verifyFlags>;

/** `palestra verify <run>`: a checker's work on a proven run, layer by layer. */
export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      "check a proven run as a validator would: replay every episode, re-derive its committed score, rebuild the leaves, trees and totals, and check the proof (and, with --job, the escrow's record); exit 1 on any discrepancy",
    )
    .argument('<run>', 'the run folder palestra prove wrote proof.json, public.json and calldata.json into')
    .option(
      '--overseer <config>',
      'the overseer whose scores were proven (default: the one settlement.json names, else "rules")',
    )
    .option('--job <id>', "also compare with the escrow's record of this job (the chain in --chain-dir)")
    .option('--chain-dir <dir>', "the chain's folder (chain.json, from palestra chain up)", '.palestra/chain')
    .option('--cache <dir>', 'the verdict cache LLM verdicts are re-derived from (no judge is called)')
    .addHelpText(
      'after',
      `
Layers, each with a verdict and the first discrepancy:
  records  every episode file reads, its hash chains hold, it is complete and scored
  replay   every episode re-executes to the same steps and root
  scores   every committed score is re-derived (rules by replay, verdicts from the cache)
  leaves   leaves, trees and totals rebuilt from the episodes equal the proven public signals
  proof    the proof verifies with the committed verification key; calldata.json encodes it
  chain    with --job: what the escrow recorded equals the local signals and proof

Example:
  palestra verify runs/echo --job 1`,
    )
    .action(async (run: string, opts: unknown) => {
      const { verifyAction } = await import('./verifyAction.ts');
      await verifyAction(run, opts);
    });
}
