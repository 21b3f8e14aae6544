import type { Command } from 'commander';
import { z } from 'zod';

/** A job id as the CLI takes it everywhere (`--job`): a whole number ≥ 1, in decimal. */
export const JOB_ID = /^[1-9][0-9]*$/;

/** The flags of `palestra verify`, as commander leaves them. */
export const verifyFlags = z.object({
  overseer: z.string().min(1).optional(),
  job: z
    .string()
    .regex(JOB_ID, 'must be a job id (a whole number ≥ 1)')
    .transform((s) => BigInt(s))
    .optional(),
  runs: z.string().min(1).optional(),
  chainDir: z.string().min(1),
  cache: z.string().min(1).optional(),
});
export type VerifyFlags = z.output<typeof verifyFlags>;

/** `palestra verify <run | job id>`: a checker's work on a proven run or a submitted job, layer by layer. */
export function registerVerifyCommand(program: Command): void {
  program
    .command('verify')
    .description(
      "check a proven run or a submitted job as a validator would: replay every episode, re-derive its committed score, rebuild the leaves, trees and totals, check the proof and, for a job, the chain's record of it; exit 1 on any discrepancy",
    )
    .argument(
      '[run | job id]',
      'a run folder palestra prove wrote proof.json, public.json and calldata.json into, or a job id (its run is looked for under --runs)',
    )
    .option(
      '--overseer <config>',
      'the overseer whose scores were proven (default: the one settlement.json names, else "rules")',
    )
    .option('--job <id>', 'with a run: also check the job on chain; alone: the same as giving the job id')
    .option('--runs <dir>', 'with a job id: the folder its run is looked for in (default .palestra/runs)')
    .option('--chain-dir <dir>', "the chain's folder (chain.json, from palestra chain up)", '.palestra/chain')
    .option('--cache <dir>', 'the verdict cache LLM verdicts are re-derived from (no judge is called)')
    .addHelpText(
      'after',
      `
What to give:
  a run folder   palestra verify runs/echo              the run's files, locally
  a run and job  palestra verify runs/echo --job 1      the same, and the job on chain
  a job id       palestra verify 1                      the job on chain, then its run, found
                                                          under --runs (default .palestra/runs)

Finding the run of a job: the run whose proof files (public.json, or each batch's) carry exactly
the job's recorded submission (chain, escrow, job, provider, episodes root, counts, score,
payout); failing that, a run with the same episodes root (verify then shows what differs). If
none is found, the on-chain layers still run and the run layers fail, naming the folder searched
and the root looked for. If two runs match (a copied folder), nothing is guessed: both are
named, and you pick one with palestra verify <run> --job <id>.

An argument that names an existing folder is always a run, even one that looks like a job id
(a folder called 1); to mean job 1 then, write palestra verify --job 1.

Layers, each with a verdict and the first discrepancy (a layer that could not be checked is
FAILED or skipped, never ok):
  job         with a job: it exists on the chain in --chain-dir and has a submitted result
  submission  with a job: the proof its transaction carried (a submitResult call sent to the
              escrow itself) holds, asked again of the job's verifier contract (the one
              chain.json names) for the inputs the escrow recorded
  records     every episode file reads, its hash chains hold, it is complete and scored
  replay      every episode re-executes to the same steps and root
  scores      every committed score is re-derived (rules by replay, verdicts from the cache)
  leaves      leaves, trees and totals rebuilt from the episodes equal the proven public signals
  proof       the proof verifies with the committed verification key; calldata.json encodes it
  chain       with a job: what the escrow recorded equals the local signals and proof

Examples:
  palestra verify runs/echo
  palestra verify 1 --runs runs --chain-dir .palestra/chain`,
    )
    .action(async (target: string | undefined, opts: unknown) => {
      const { verifyAction } = await import('./verifyAction.ts');
      await verifyAction(target, opts);
    });
}
