import { readEpisode, replay } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import { checkStepArg } from '../jobs/checks.ts';
import { episodeEnv } from '../jobs/env.ts';
import { paint } from './args.ts';
import { parseFlags } from './flags.ts';
import { replayFlags } from './replay.ts';
import { formatFailure, formatHeader, formatStep } from './transcript.ts';

/** `palestra replay <episode>`: re-executes the episode, verifies every step, prints its transcript. */
export async function replayAction(file: string, raw: unknown): Promise<void> {
  const opts = parseFlags(replayFlags, raw, 'replay');
  const ep = readEpisode(file);
  // Up to the failing action of a failed episode: replay re-executes it too.
  checkStepArg(opts.step, ep, file, { throughFailure: true });
  // The environment with the bundle root the header records (content store, else the catalog
  // environment of that name if unchanged): a changed one is refused (ENV_CHANGED) unless --env
  // names one explicitly.
  const { source, root, rootDiffers } = await episodeEnv(ep, opts.env);
  console.log(formatHeader(ep));
  const result = await replay(source, ep, opts.step === undefined ? {} : { upTo: opts.step });
  const shown = opts.step === undefined ? result.replayed : result.replayed.slice(-1);
  if (opts.step !== undefined && opts.step > 1)
    console.log(paint('dim', `   … steps 1–${opts.step - 1} replayed and verified`));
  for (const s of shown) console.log(formatStep(s));
  // The failing action is re-executed by replay too (it must fail the same way); shown unless --step stopped before it.
  if (ep.failure && (opts.step === undefined || opts.step >= ep.failure.i))
    console.log(formatFailure(ep.failure));
  const total = fromMicros(ep.steps.reduce((a, s) => a + s.reward, 0));
  const end = ep.footer?.error
    ? `failed ${ep.failure ? `at step ${ep.failure.i}` : `after ${ep.footer.length} steps`}: ${ep.footer.error.code}: ${ep.footer.error.message}${ep.footer.error.fault ? ` (${ep.footer.error.fault} fault)` : ''} · a failed episode, not a complete one`
    : ep.footer
      ? `${ep.footer.terminated ? 'terminated' : 'truncated'} after ${ep.footer.length} steps · return ${fromMicros(ep.footer.return)}`
      : `the file stops after step ${ep.steps.length} (truncated record: the run was interrupted) · return so far ${total}`;
  console.log(`── end: ${end}`);
  console.log(
    paint(
      'green',
      `✔ verified: ${result.steps} step${result.steps === 1 ? '' : 's'} re-executed bit for bit · root ${result.root.slice(0, 16)}…`,
    ) +
      (rootDiffers
        ? paint(
            'yellow',
            `\n! --env ${opts.env} is not the environment that recorded this episode (bundle ${ep.header.spec.root?.slice(0, 12)}… → ${root.slice(0, 12)}…), yet every step still matches`,
          )
        : ''),
  );
}
