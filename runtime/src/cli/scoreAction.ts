import { fromMicros } from '@palestra/envs/core';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { score } from '../jobs/score.ts';
import { verifyScores } from '../jobs/verifyScores.ts';
import { abortOnSigint, paint } from './args.ts';
import { parseFlags } from './flags.ts';
import { plain, type ScoreFlags, scoreFlags } from './score.ts';

/** `palestra score <episodes...>`: the score job (or, with --verify, verifyScores) with a progress bar, then tables. */
export async function scoreAction(files: string[], raw: unknown): Promise<void> {
  const flags = parseFlags(scoreFlags, raw, 'score');
  const bar = new cliProgress.SingleBar(
    {
      format: ` {bar} {value}/{total} episodes · ${flags.verify ? 'failed {failed}' : 'mean {mean}'}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  const controller = new AbortController();
  const stopSigint = abortOnSigint(controller);
  bar.start(files.length, 0, { mean: '-', failed: 0 });
  try {
    // The bar stops also when a judge fails: the error must not print under a live bar.
    if (flags.verify) await verify(files, flags, bar, controller.signal).finally(() => bar.stop());
    else await commit(files, flags, bar, controller.signal).finally(() => bar.stop());
  } finally {
    stopSigint();
  }
  if (controller.signal.aborted) process.exitCode = 130;
}

/** `--verify`: each committed score re-derived, with no judge call. */
async function verify(
  files: string[],
  flags: ScoreFlags,
  bar: cliProgress.SingleBar,
  signal: AbortSignal,
): Promise<void> {
  let failed = 0;
  const r = await verifyScores(
    {
      files,
      overseer: flags.overseer,
      ...(flags.env === undefined ? {} : { env: flags.env }),
      ...(flags.cache === undefined ? {} : { cacheDir: flags.cache }),
    },
    {
      signal,
      onProgress: (p) => {
        if (!p.ok) failed++;
        bar.update(p.done, { failed });
      },
    },
  );
  bar.stop();
  const table = new Table({ ...plain, head: ['episode', 'score', 'verified'] });
  for (const v of r.results)
    table.push([
      v.file,
      v.record ? fromMicros(v.record.reward).toFixed(4) : '-',
      v.ok ? 'yes' : `NO: ${v.message}${v.hint ? `\n  → ${v.hint}` : ''}`,
    ]);
  console.log(table.toString());
  console.log(
    `${r.results.length - r.failed}/${r.results.length} committed scores re-derived by overseer ${r.overseer.slice(0, 12)}… with no judge call`,
  );
  if (r.interrupted) interrupted(r.results.length, files.length, 'checked');
  if (r.failed > 0) process.exitCode = 1;
}

/** Scores committed into their episodes, with the summary and the conflicts. */
async function commit(
  files: string[],
  flags: ScoreFlags,
  bar: cliProgress.SingleBar,
  signal: AbortSignal,
): Promise<void> {
  let sum = 0;
  const r = await score(
    {
      files,
      overseer: flags.overseer,
      ...(flags.env === undefined ? {} : { env: flags.env }),
      ...(flags.cache === undefined ? {} : { cacheDir: flags.cache }),
      ...(flags.force ? { force: true } : {}),
      ...(flags.groups ? { groups: true } : {}),
    },
    {
      signal,
      onProgress: (p) => {
        sum += p.reward;
        bar.update(p.done, { mean: (sum / p.done).toFixed(3) });
      },
    },
  );
  bar.stop();
  const st = r.stats;
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
  console.log(
    `${st.committed}/${st.episodes} scores committed in their episodes by overseer ${st.overseer.slice(0, 12)}… (${r.added} new, ${st.committed - r.added} already there)${st.episodes > st.committed + st.conflicts ? `; ${st.episodes - st.committed - st.conflicts} unfinished episodes cannot carry a score` : ''}`,
  );
  for (const s of r.scored.filter((x) => x.conflict))
    console.error(`! ${s.conflict!.message}\n  → ${s.conflict!.hint}`);
  if (r.interrupted) interrupted(r.scored.length, files.length, 'scored');
  if (st.conflicts > 0) process.exitCode = 1;
}

/** Ctrl-C stopped it between episodes: how far it got, and that the same command finishes. */
function interrupted(done: number, total: number, what: string): void {
  console.log(
    paint('yellow', `! interrupted: ${done}/${total} episodes ${what}; run the same command again to finish`),
  );
}
