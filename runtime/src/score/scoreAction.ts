import { loadCatalog } from '@palestra/envs/catalog';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { plain, type ScoreFlags } from './command.ts';
import { scoreFiles } from './scoreFiles.ts';
import { verifyFiles } from './verifyFiles.ts';

/** `palestra score <episodes...>`: score and commit, or with --verify re-derive the committed scores. */
export async function scoreAction(files: string[], opts: ScoreFlags): Promise<void> {
  const source = opts.env ? { source: loadCatalog(opts.env) } : {};
  const cache = opts.cache ? { cacheDir: opts.cache } : {};
  const bar = new cliProgress.SingleBar(
    {
      format: ` {bar} {value}/{total} episodes · ${opts.verify ? 'failed {failed}' : 'mean {mean}'}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(files.length, 0, { mean: '-', failed: 0 });
  if (opts.verify) {
    let failed = 0;
    const { results, overseer } = await verifyFiles(files, opts.overseer, {
      ...source,
      ...cache,
      onVerified: (done, r) => {
        if (!r.ok) failed++;
        bar.update(done, { failed });
      },
    }).finally(() => bar.stop());
    const table = new Table({ ...plain, head: ['episode', 'score', 'verified'] });
    for (const r of results)
      table.push([
        r.file,
        r.record ? (r.record.reward / 1e6).toFixed(4) : '-',
        r.ok ? 'yes' : `NO: ${r.message}${r.hint ? `\n  → ${r.hint}` : ''}`,
      ]);
    console.log(table.toString());
    console.log(
      `${results.length - failed}/${results.length} committed scores re-derived by overseer ${overseer.slice(0, 12)}… with no judge call`,
    );
    if (failed > 0) process.exitCode = 1;
    return;
  }
  let sum = 0;
  const { scored, stats: st } = await scoreFiles(files, opts.overseer, {
    ...source,
    ...cache,
    ...(opts.force ? { force: true } : {}),
    ...(opts.groups ? { groups: true } : {}),
    onScored: (done, { score }) => {
      sum += score.reward;
      bar.update(done, { mean: (sum / done).toFixed(3) });
    },
  }).finally(() => bar.stop()); // also when a judge fails: the error must not print under a live bar
  const table = new Table({
    ...plain,
    head: ['episodes', 'mean', 'sd', 'min … max', 'vetoed', 'judge'],
  });
  table.push([
    st.episodes,
    st.mean.toFixed(4),
    st.sd.toFixed(4),
    `${st.min} … ${st.max}`,
    st.vetoed,
    st.judge,
  ]);
  console.log(table.toString());
  const comp = new Table({ ...plain, head: ['component', 'mean per episode'] });
  for (const [name, mean] of Object.entries(st.components)) comp.push([name, mean.toFixed(4)]);
  console.log(comp.toString());
  const added = scored.filter((s) => s.committed?.appended).length;
  console.log(
    `${st.committed}/${st.episodes} scores committed in their episodes by overseer ${st.overseer.slice(0, 12)}… (${added} new, ${st.committed - added} already there)${st.episodes > st.committed + st.conflicts ? `; ${st.episodes - st.committed - st.conflicts} unfinished episodes cannot carry a score` : ''}`,
  );
  for (const s of scored.filter((x) => x.conflict))
    console.error(`! ${s.conflict!.message}\n  → ${s.conflict!.hint}`);
  if (st.conflicts > 0) process.exitCode = 1;
}
