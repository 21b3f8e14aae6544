import { releaseProver } from '@palestra/contracts/settlement';
import { fromMicros } from '@palestra/envs/core';
import { settle } from '../jobs/settle.ts';
import { abortOnSigint, paint } from './args.ts';
import { parseFlags } from './flags.ts';
import { proveFlags } from './prove.ts';

/** `palestra prove <run> --job <id>`: the settle job with a line per batch, then what was proven. */
export async function proveAction(run: string, raw: unknown): Promise<void> {
  const flags = parseFlags(proveFlags, raw, 'prove');
  const controller = new AbortController();
  const stopSigint = abortOnSigint(controller);
  try {
    const r = await settle(
      {
        run,
        jobId: flags.job,
        overseer: flags.overseer,
        chainDir: flags.chainDir,
        ...(flags.chainId === undefined ? {} : { chainId: flags.chainId }),
        ...(flags.escrow === undefined ? {} : { escrow: flags.escrow }),
        ...(flags.provider === undefined ? {} : { provider: flags.provider }),
        ...(flags.payout === undefined ? {} : { payout: flags.payout }),
        ...(flags.maxEpisodes === undefined ? {} : { maxEpisodes: flags.maxEpisodes }),
      },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'leaves') console.error(`${p.episodes} scored episodes read and verified`);
          if (p.phase === 'proving')
            console.error(`proving batch ${p.batch + 1}/${p.batches} (${p.episodes} episodes)…`);
          if (p.phase === 'proven') console.error(`  proven in ${p.seconds.toFixed(1)} s`);
        },
      },
    );
    const from = (k: keyof typeof r.sources) => (r.sources[k] === 'chain' ? ' (from the chain)' : '');
    console.log(paint('green', `✔ run ${run} proven for job ${flags.job}`));
    console.log(`  episodes       ${r.totals.episodeCount} (${r.totals.passCount} passing)`);
    console.log(
      `  total score    ${r.totals.totalScore} micro-units (${fromMicros(Number(r.totals.totalScore))})`,
    );
    console.log(`  chain id       ${r.context.chainId}${from('chainId')}`);
    console.log(`  escrow         ${r.context.escrow}${from('escrow')}`);
    console.log(`  provider       ${r.context.provider}${from('provider')}`);
    console.log(`  payout         ${r.context.payout} wei${from('payout')}`);
    for (const [k, b] of r.batches.entries())
      console.log(
        `  ${r.batches.length === 1 ? 'episodes root ' : `batch ${k} root  `}${b.root}  → ${b.files.proof}, ${b.files.publicSignals}, ${b.files.calldata}`,
      );
    console.log(`  manifest       ${r.manifest}`);
    console.log(`next: palestra verify ${run}   ·   palestra submit ${run} --job ${flags.job}`);
  } finally {
    stopSigint();
    // snarkjs's worker threads would keep the process alive.
    await releaseProver();
  }
}
