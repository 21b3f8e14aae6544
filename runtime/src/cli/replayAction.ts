import { bundleId, readEpisode, replay } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import { checkStepArg } from '../jobs/checks.ts';
import { episodeSource } from '../jobs/env.ts';
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
  const source = episodeSource(ep, opts.env);
  const root = await bundleId(source);
  console.log(formatHeader(ep));
  const sameBundle = ep.header.spec.root === null || ep.header.spec.root === root;
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
      (sameBundle
        ? ''
        : paint(
            'yellow',
            `\n! the environment changed since this episode was recorded (bundle ${ep.header.spec.root?.slice(0, 12)}… → ${root.slice(0, 12)}…), yet every step still matches`,
          )),
  );
}
