import { writeFileSync } from 'node:fs';
import cliProgress from 'cli-progress';
import { checkOutFile } from '../jobs/checks.ts';
import { type LearnabilityProgress, type LearnabilityResult, learnability } from '../jobs/learnability.ts';
import { abortOnSigint, EXIT_EPISODES_FAILED } from './args.ts';
import { parseFlags } from './flags.ts';
import { formatLearnabilityReport, learnabilityFlags } from './learnability.ts';

/**
 * `palestra learnability <env>`: the learnability job with Ctrl-C (and, on a terminal, a progress
 * bar per agent), then the report, `--json`, and the exit code: 1 when a policy games the reward,
 * 3 when episodes failed.
 */
export async function learnabilityAction(name: string, raw: unknown): Promise<void> {
  const flags = parseFlags(learnabilityFlags, raw, 'learnability');
  // The report's file is checked before any episode is played, not after.
  if (flags.json) checkOutFile(flags.json, '--json', 'learnability.json');
  const controller = new AbortController();
  const stop = abortOnSigint(controller);
  const progress = progressBar();
  let report: LearnabilityResult;
  try {
    report = await learnability(
      {
        env: name,
        groups: flags.groups,
        group: flags.group,
        seed: flags.seed,
        ...(flags.scripted ? { scripted: flags.scripted } : {}),
        ...(flags.margin === undefined ? {} : { margin: flags.margin }),
        ...(flags.out ? { out: flags.out } : {}),
      },
      { signal: controller.signal, onProgress: progress.update },
    );
  } finally {
    progress.stop();
    stop();
  }
  console.log(formatLearnabilityReport(report));
  if (flags.json) writeFileSync(flags.json, `${JSON.stringify(report, null, 2)}\n`);
  if (report.results.some((x) => x.games)) process.exitCode = 1;
  else if (report.failed > 0) process.exitCode = EXIT_EPISODES_FAILED;
}

/** A bar on stderr per agent, on a terminal only: piped output stays the report alone. */
function progressBar(): { update: (e: LearnabilityProgress) => void; stop: () => void } {
  if (!process.stderr.isTTY) return { update: () => {}, stop: () => {} };
  const bar = new cliProgress.SingleBar(
    {
      format: ' {bar} {agent} ({index}/{agents}) · {value}/{total} episodes',
      hideCursor: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let agent = { agent: '', index: 0, agents: 0 };
  return {
    update: (e) => {
      if (e.kind === 'agent') {
        agent = { agent: e.name, index: e.index + 1, agents: e.agents };
        return;
      }
      if (!started) bar.start(e.total, 0, agent);
      started = true;
      bar.setTotal(e.total);
      bar.update(e.done + e.failed, agent);
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}
