import type { spawn as Spawn } from 'node:child_process';
import type { fileURLToPath as FileURLToPath } from 'node:url';
import { z } from 'zod';
import { canonicalJson } from '../episode/hash.ts';
import type { EnvSource } from '../kernel/source.ts';
import { firstDivergence, shortJson } from './divergence.ts';
import type { SampledEpisode } from './episodes.ts';
import { type CheckFinding, fail, notRun, pass, warn } from './report.ts';

/**
 * Determinism across hosts: the same seeds and actions, played in a fresh process under another
 * time zone (`TZ`) and a host clock shifted by years, must give the same episodes bit for bit.
 * In-process replays cannot see this: both runs share the host's zone and (nearly) its time.
 */
export interface CrossHostOptions {
  /** Episodes replayed in the other process (the longest ones that ran to their end; default 3). */
  episodes?: number;
  /** The other process's time zone (default Pacific/Chatham, UTC+12:45, or St John's when that is ours). */
  timeZone?: string;
  /** How far the other process's host clock runs ahead, in ms (default about 7 years and 20 minutes). */
  clockShiftMs?: number;
  /**
   * Test hook: modules the other process imports (`--import`) before it plays, to inject a host
   * difference and prove the check can fail. Not for production use.
   */
  childImports?: string[];
  /** Give up on the other process after this long (it runs beside the graph search). */
  timeoutMs?: number;
}

/** The conditions the other process ran under, as the report names them. */
export interface HostConditions {
  timeZone: string;
  clockShiftMs: number;
}

type ChildOutcome =
  | { ok: true; traces: unknown[][]; host: { timeZone: string; now: number }; startedAt: number }
  | { ok: false; why: string };

export interface CrossHostRun {
  conditions: HostConditions;
  /** Sends the episodes to replay (once): the longest of these that ran to their end. */
  play: (episodes: SampledEpisode[]) => void;
  /** The episodes sent by `play`. */
  episodes: SampledEpisode[];
  outcome: Promise<ChildOutcome>;
  /** Stops the other process if it still runs (when the check ends early). */
  cancel: () => void;
}

/** What crossHostChild.ts writes on stdout: the traces with the host it ran under, or the error that stopped it. */
const childAnswer = z.union([
  z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
  z.object({
    traces: z.array(z.array(z.unknown())),
    host: z.object({ timeZone: z.string(), now: z.number() }),
  }),
]);

const DEFAULT_SHIFT_MS = Math.round(7 * 365.25 * 86_400_000) + 1_234_567;

/** What starting the other process needs of Node. */
interface NodeHost {
  spawn: typeof Spawn;
  fileURLToPath: typeof FileURLToPath;
  process: NodeJS.Process;
}

/**
 * Node's process and child_process, or undefined on a host without them (a browser's Web
 * Worker). Through `process.getBuiltinModule` at call time rather than imports, as the sandbox
 * does for its WebAssembly file (sandbox/engine.ts): the checker then bundles for a browser, where
 * it runs with `crossHost` turned off.
 */
function nodeHost(): NodeHost | undefined {
  const host = (globalThis as { process?: NodeJS.Process }).process;
  if (typeof host?.getBuiltinModule !== 'function') return undefined;
  const cp = host.getBuiltinModule('node:child_process');
  const url = host.getBuiltinModule('node:url');
  if (!cp || !url) return undefined;
  return { spawn: cp.spawn, fileURLToPath: url.fileURLToPath, process: host };
}

/** Flags of this process that load code (tsx, conditions): the child needs them, and nothing else. */
function loaderArgs(execArgv: string[]): string[] {
  const withValue = new Set([
    '--import',
    '--require',
    '-r',
    '--loader',
    '--experimental-loader',
    '--conditions',
    '-C',
  ]);
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    const eq = a.indexOf('=');
    if (eq > 0 && withValue.has(a.slice(0, eq))) out.push(a);
    else if (withValue.has(a) && i + 1 < execArgv.length) out.push(a, execArgv[++i]!);
  }
  // The CLI registers tsx in-process (no flag): the child then needs it as a flag.
  if (!out.some((a) => a.includes('tsx'))) out.push('--import', import.meta.resolve('tsx'));
  return out;
}

/** The episodes worth replaying elsewhere: the longest that ran to their end. */
function pick(episodes: SampledEpisode[], n: number): SampledEpisode[] {
  return episodes
    .filter((e) => e.error === undefined)
    .map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.actions.length - a.e.actions.length || a.i - b.i)
    .slice(0, n)
    .map((x) => x.e);
}

/**
 * Starts the other process at once, so it loads and builds the environment while this one runs
 * its own episodes; `play` then sends the episodes to replay. Never rejects: a child that fails
 * yields `{ ok: false, why }`.
 */
export function startCrossHostRun(source: EnvSource, options: CrossHostOptions = {}): CrossHostRun {
  const ours = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const conditions: HostConditions = {
    timeZone: options.timeZone ?? (ours === 'Pacific/Chatham' ? 'America/St_Johns' : 'Pacific/Chatham'),
    clockShiftMs: options.clockShiftMs ?? DEFAULT_SHIFT_MS,
  };
  let cancel = () => {};
  let send = (_line: string) => {};
  const outcome = new Promise<ChildOutcome>((resolve) => {
    const host = nodeHost();
    if (!host) {
      resolve({ ok: false, why: 'this host cannot start a second Node process (a browser, say)' });
      return;
    }
    const { spawn, fileURLToPath, process } = host;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TZ: conditions.timeZone,
      PALESTRA_CHECK_CLOCK_SHIFT_MS: String(conditions.clockShiftMs),
    };
    // Under `node --test` this variable makes a child report to the runner; ours reports to us.
    delete env.NODE_TEST_CONTEXT;
    const args = [
      ...loaderArgs(process.execArgv),
      '--import',
      new URL('./hostClock.ts', import.meta.url).href,
      ...(options.childImports ?? []).flatMap((m) => ['--import', m]),
      fileURLToPath(new URL('./crossHostChild.ts', import.meta.url)),
    ];
    const startedAt = Date.now();
    const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    cancel = () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    };
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, why: `the other process did not start: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' | ');
      // The other process's answer crosses a process boundary: parsed with its schema, so an answer
      // of the wrong shape is a check that could not run, not a crash of the checker.
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(out).toString('utf8'));
      } catch {
        resolve({
          ok: false,
          why: `the other process ${signal ? `was stopped (${signal})` : `exited with ${code}`} without a result${stderr ? `: ${stderr}` : ''}`,
        });
        return;
      }
      const answer = childAnswer.safeParse(json);
      if (!answer.success) {
        resolve({
          ok: false,
          why: `the other process answered without its traces and host conditions: ${shortJson(json)}`,
        });
        return;
      }
      const parsed = answer.data;
      if ('error' in parsed)
        resolve({
          ok: false,
          why: `the environment failed to load in the other process: ${parsed.error.code}: ${parsed.error.message}`,
        });
      else resolve({ ok: true, traces: parsed.traces, host: parsed.host, startedAt });
    });
    child.stdin.on('error', () => {}); // a child that dies early closes its stdin; 'close' reports it
    child.stdin.write(`${JSON.stringify({ spec: source.spec, files: source.files })}\n`);
    send = (line) => child.stdin.end(`${line}\n`);
  });
  const run: CrossHostRun = {
    conditions,
    episodes: [],
    outcome,
    cancel: () => cancel(),
    play: (episodes) => {
      run.episodes = pick(episodes, options.episodes ?? 3);
      send(JSON.stringify({ episodes: run.episodes.map((e) => ({ seed: e.seed, actions: e.actions })) }));
    },
  };
  return run;
}

function describe(c: HostConditions): string {
  const years = c.clockShiftMs / (365.25 * 86_400_000);
  return `TZ=${c.timeZone}, a host clock ${years >= 1 ? `${years.toFixed(1)} years` : `${c.clockShiftMs} ms`} ahead, a fresh process`;
}

/** Compares the other process's episodes with this one's; the first difference names its step and field. */
export async function checkCrossHost(run: CrossHostRun | undefined, skipped?: string): Promise<CheckFinding> {
  if (!run) return warn('cross-host', `skipped: ${skipped ?? 'not asked for'}`);
  if (run.episodes.length === 0)
    return notRun(
      'cross-host',
      'no random episode ran to its end, so there was nothing to replay in another process',
    );
  const outcome = await run.outcome;
  if (!outcome.ok) return notRun('cross-host', outcome.why);
  // The conditions must really differ, or a pass would mean nothing.
  const drift = outcome.host.now - outcome.startedAt - run.conditions.clockShiftMs;
  if (outcome.host.timeZone !== run.conditions.timeZone || Math.abs(drift) > 86_400_000)
    return notRun(
      'cross-host',
      `the other process did not run under the intended conditions (time zone ${outcome.host.timeZone}, clock ${Math.round((outcome.host.now - outcome.startedAt) / 86_400_000)} days ahead)`,
    );
  for (let i = 0; i < run.episodes.length; i++) {
    const ep = run.episodes[i]!;
    const theirs = outcome.traces[i] ?? [];
    if (canonicalJson(theirs) === canonicalJson(ep.trace)) continue;
    const d = firstDivergence(ep.trace, theirs);
    return fail(
      'cross-host',
      'HOST_DIVERGENCE',
      `seed ${ep.seed} played differently under ${describe(run.conditions)}: first at step ${d?.step}, field "${d?.field}": ${shortJson(d?.expected)} here, ${shortJson(d?.actual)} there`,
      {
        hint: 'the environment reads something of the host (time, time zone, locale, process state): take time only from the logical Date in the sandbox and keep everything an episode needs in its context',
      },
    );
  }
  return pass(
    'cross-host',
    `${run.episodes.length} episodes replayed bit for bit under ${describe(run.conditions)}`,
  );
}
