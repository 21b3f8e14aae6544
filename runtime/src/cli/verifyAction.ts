import { releaseProver } from '@palestra/contracts/settlement';
import Table from 'cli-table3';
import type { LayerVerdict } from '../jobs/verifyRun.ts';
import { paint, tableStyle } from './args.ts';
import { parseFlags } from './flags.ts';
import { verifyFlags } from './verify.ts';
import { verifyTarget } from './verifyTarget.ts';

function printLayers(layers: LayerVerdict[]): void {
  const table = new Table({ ...tableStyle(), head: ['layer', 'verdict', 'checked', 'first discrepancy'] });
  for (const l of layers)
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
}

/**
 * `palestra verify <run | job id>`: the verifyRun job (a run alone) or the verifyJob job (a job, with
 * its run given or found), a verdict per layer, exit 1 on any discrepancy.
 */
export async function verifyAction(arg: string | undefined, raw: unknown): Promise<void> {
  const flags = parseFlags(verifyFlags, raw, 'verify');
  const target = verifyTarget(arg, flags);
  if (target.kind === 'run' && target.note) console.error(paint('yellow', `note: ${target.note}`));
  const common = {
    chainDir: flags.chainDir,
    ...(flags.overseer === undefined ? {} : { overseer: flags.overseer }),
    ...(flags.cache === undefined ? {} : { cacheDir: flags.cache }),
  };
  try {
    let layers: LayerVerdict[];
    let name: string;
    let episodes: number;
    if (target.kind === 'run' && target.jobId === undefined) {
      const { verifyRun } = await import('../jobs/verifyRun.ts');
      const r = await verifyRun({ run: target.run, ...common });
      ({ layers, episodes } = r);
      name = target.run;
    } else {
      const { verifyJob } = await import('../jobs/verifyJob.ts');
      const r = await verifyJob({
        jobId: target.jobId!,
        ...(target.kind === 'run' ? { run: target.run } : {}),
        ...(target.kind === 'job' && target.runsDir ? { runsDir: target.runsDir } : {}),
        ...common,
      });
      ({ layers, episodes } = r);
      name = `job ${r.jobId}`;
      if (r.run && target.kind === 'job')
        console.log(
          `job ${r.jobId}: run ${r.run} (${r.runFrom === 'exact' ? 'its proof files carry this submission' : 'same episodes root; its proof files differ from the submission'})`,
        );
      if (r.run) name += ` (run ${r.run})`;
    }
    printLayers(layers);
    // The first failed layer names the discrepancy; a skipped one only follows from it.
    const failed = layers.find((l) => l.verdict === 'failed') ?? layers.find((l) => l.verdict !== 'ok');
    if (failed) {
      console.log(paint('red', `✘ ${name}: ${failed.layer}: ${failed.discrepancy ?? 'failed'}`));
      process.exitCode = 1;
    } else console.log(paint('green', `✔ ${name}: ${episodes} episodes, every layer checked`));
  } finally {
    await releaseProver();
  }
}
