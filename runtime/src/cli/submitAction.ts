import { releaseProver } from '@palestra/contracts/settlement';
import { PalestraError } from '@palestra/envs';
import { submit } from '../jobs/submit.ts';
import { paint } from './args.ts';
import { parseFlags } from './flags.ts';
import { submitFlags } from './submit.ts';

const KEY = /^0x[0-9a-fA-F]{64}$/;

/** `palestra submit <run> --job <id>`: the submit job, then what the escrow recorded. */
export async function submitAction(run: string, raw: unknown): Promise<void> {
  const flags = parseFlags(submitFlags, raw, 'submit');
  const key = process.env.PALESTRA_PRIVATE_KEY;
  if (key !== undefined && !KEY.test(key))
    throw new PalestraError('BAD_FLAG', 'PALESTRA_PRIVATE_KEY is not a 0x-prefixed 32-byte hex key', {
      hint: 'set it to 0x followed by 64 hex digits, or unset it to send as an unlocked dev account',
    });
  const r = await submit({
    run,
    jobId: flags.job,
    chainDir: flags.chainDir,
    ...(key ? { privateKey: key as `0x${string}` } : {}),
    ...(flags.adapter ? { adapterRoot: flags.adapter } : {}),
    ...(flags.metrics ? { metricsRoot: flags.metrics } : {}),
  }).finally(releaseProver); // the local proof check starts snarkjs's worker threads: end them
  console.log(
    paint(
      'green',
      `✔ job ${r.jobId}: result submitted in ${r.transactionHash} (block ${r.blockNumber}, gas ${r.gasUsed})`,
    ),
  );
  console.log(`  provider       ${r.provider}`);
  console.log(`  episodes root  ${r.episodesRoot}`);
  console.log(`  episodes       ${r.episodes} (${r.passing} passing)`);
  console.log(`  total score    ${r.totalScore} micro-units`);
  console.log(`  payout         ${r.payout} wei (before fee, royalty and any evaluation)`);
  console.log(`  challenge window ends at ${r.challengeEndsAt} (unix time); then anyone may finalize`);
}
