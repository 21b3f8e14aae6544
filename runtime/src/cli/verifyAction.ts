import { releaseProver } from '@palestra/contracts/settlement';
import Table from 'cli-table3';
import { verifyRun } from '../jobs/verifyRun.ts';
import { paint, tableStyle } from './args.ts';
import { parseFlags } from './flags.ts';
import { verifyFlags } from './verify.ts';

/** `palestra verify <run>`: the verifyRun job, a verdict per layer, exit 1 on any discrepancy. */
export async function verifyAction(run: string, raw: unknown): Promise<void> {
  const flags = parseFlags(verifyFlags, raw, 'verify');
  try {
    const r = await verifyRun({
      run,
      chainDir: flags.chainDir,
      ...(flags.overseer === undefined ? {} : { overseer: flags.overseer }),
      ...(flags.job === undefined ? {} : { jobId: flags.job }),
      ...(flags.cache === undefined ? {} : { cacheDir: flags.cache }),
    });
    const table = new Table({ ...tableStyle(), head: ['layer', 'verdict', 'checked', 'first discrepancy'] });
    for (const l of r.layers)
      table.push([
        l.layer,
        l.verdict === 'ok'
          ? paint('green', 'ok')
          : l.verdict === 'failed'
            ? paint('red', 'FAILED')
            : paint('yellow', 'skipped'),
        l.checked,
        l.discrepancy ? `${l.discrepancy}${l.hint ? `\n→ ${l.hint}` : ''}` : '',
      ]);
    console.log(table.toString());
    // The first failed layer names the discrepancy; a skipped one only follows from it.
    const failed = r.layers.find((l) => l.verdict === 'failed') ?? r.layers.find((l) => l.verdict !== 'ok');
    if (failed) {
      console.log(paint('red', `✘ ${run}: ${failed.layer}: ${failed.discrepancy ?? 'failed'}`));
      process.exitCode = 1;
    } else console.log(paint('green', `✔ ${run}: ${r.episodes} episodes, every layer checked`));
  } finally {
    await releaseProver();
  }
}
