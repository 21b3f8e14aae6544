/**
 * The run-agents page's server side: what the form may name (scripts, overseer configs), the form
 * read and checked, and the rollout started as a studio job into a fresh run folder under the
 * studio's runs folder, registered in the database as soon as it holds an episode and again at the
 * end. An API key typed in the form lives only in this job's closure: it is not in the job's state
 * (what the pages see), its `meta` (the options a resume reuses), the run folder or the database.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EnvSource, GymSpec } from '@palestra/envs';
import { type RolloutProgress, type RolloutResult, rollout, scriptedAgent } from '@palestra/runtime';
import type { StudioContext } from '../../server/context.ts';
import { type JobState, startJob } from '../../server/jobs.ts';
import { registerRunFolder } from '../../server/runsIndex.ts';

/** The repository's root (where `examples/` and `overseer/examples/` are), found from the runtime package. */
const REPO = resolve(dirname(fileURLToPath(import.meta.resolve('@palestra/runtime'))), '..', '..');

/** The form's agents. */
export type AgentKind = 'random' | 'scripted' | 'openai' | 'anthropic';

/** The options of a studio rollout, as the form gives them (never the key). */
export interface RunAgentsOptions {
  agentKind: AgentKind;
  /** The script (a path inside `examples/`) or the model name. */
  agentArg: string;
  baseUrl: string;
  /** `rules`, `none`, or a config file inside `overseer/examples/`. */
  overseer: string;
  episodes: number;
  group: number;
  concurrency: number;
  seed: number;
}

/** What the page shows once the job ended. */
export interface StudioRolloutResult {
  runId?: string;
  interrupted: boolean;
  /** Episodes planned (rounded up to whole groups). */
  episodes: number;
  complete: number;
  failed: number;
  returnMean: number;
  successRate: number;
  tokens: { prompt: number; completion: number };
  cost: number | null;
}

export type StudioRolloutJob = JobState<RolloutProgress, StudioRolloutResult>;

/** A form problem, as the page shows it. */
export interface FormProblem {
  code: 'STUDIO_BAD_REQUEST';
  message: string;
  hint: string;
}

function jsonFilesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.json'))
    .map((d) => relative(REPO, join(d.parentPath, d.name)).split(sep).join('/'))
    .sort();
}

/** Scripts under `examples/` that a scripted agent can play on this environment. */
export function exampleScripts(spec: GymSpec): string[] {
  return jsonFilesUnder(join(REPO, 'examples')).filter((file) => {
    try {
      scriptedAgent(join(REPO, file), spec);
      return true;
    } catch {
      return false;
    }
  });
}

/** Overseer configs under `overseer/examples/`. */
export function overseerConfigs(): string[] {
  return jsonFilesUnder(join(REPO, 'overseer', 'examples'));
}

/** The agent part of a run's options. */
export type AgentOptions = Pick<RunAgentsOptions, 'agentKind' | 'agentArg' | 'baseUrl'>;

const problem = (message: string, hint: string): FormProblem => ({
  code: 'STUDIO_BAD_REQUEST',
  message,
  hint,
});

/**
 * The agent fields (`AgentFields`) read and checked. A script is taken only from the list the
 * page offered (nothing else on disk can be named).
 */
export function readAgentForm(form: FormData, spec: GymSpec): AgentOptions | FormProblem {
  const agentKind = String(form.get('agentKind') ?? 'random') as AgentKind;
  if (!['random', 'scripted', 'openai', 'anthropic'].includes(agentKind))
    return problem(`unknown agent "${agentKind}"`, 'choose random, scripted, openai or anthropic');
  let agentArg = '';
  if (agentKind === 'scripted') {
    agentArg = String(form.get('script') ?? '');
    if (!exampleScripts(spec).includes(agentArg))
      return problem(
        `no script "${agentArg}" under examples/ for this environment`,
        'pick one from the list',
      );
  } else if (agentKind === 'openai' || agentKind === 'anthropic') {
    agentArg = String(form.get('model') ?? '').trim();
    if (!agentArg)
      return problem('a model agent needs a model name', 'e.g. gpt-4.1-mini or claude-sonnet-4-5');
  }
  const baseUrl =
    agentKind === 'openai' || agentKind === 'anthropic' ? String(form.get('baseUrl') ?? '').trim() : '';
  if (baseUrl && !/^https?:\/\/[^\s]+$/.test(baseUrl))
    return problem(`"${baseUrl}" is not an http(s) URL`, 'e.g. http://127.0.0.1:8000/v1');
  return { agentKind, agentArg, baseUrl };
}

/** A whole number field of a form, or why it is not one. */
export function intField(
  form: FormData,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number | FormProblem {
  const raw = String(form.get(name) ?? '').trim();
  if (raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    return problem(
      `${name} must be a whole number from ${min} to ${max}`,
      'correct the number and start again',
    );
  return n;
}

/** The run form read and checked: the options, or what is wrong with them. */
export function readRunForm(form: FormData, spec: GymSpec): RunAgentsOptions | FormProblem {
  const agent = readAgentForm(form, spec);
  if ('code' in agent) return agent;
  const overseer = String(form.get('overseer') ?? 'rules');
  if (!['rules', 'none', ...overseerConfigs()].includes(overseer))
    return problem(
      `unknown overseer "${overseer}"`,
      'choose rules, none or a config from overseer/examples/',
    );
  const episodes = intField(form, 'episodes', 1, 10_000, 8);
  const group = intField(form, 'group', 1, 256, 1);
  const concurrency = intField(form, 'concurrency', 1, 256, 4);
  const seed = intField(form, 'seed', 0, 2 ** 31 - 1, 0);
  for (const v of [episodes, group, concurrency, seed]) if (typeof v !== 'number') return v;
  return {
    ...agent,
    overseer,
    episodes: episodes as number,
    group: group as number,
    concurrency: concurrency as number,
    seed: seed as number,
  };
}

/** The agent as the runtime names it. */
export function agentName(o: AgentOptions): string {
  if (o.agentKind === 'random') return 'random';
  if (o.agentKind === 'scripted') return `scripted:${join(REPO, o.agentArg)}`;
  return `${o.agentKind}:${o.agentArg}`;
}

/** A short label for people: `scripted:examples/x.json`, `openai:gpt-4.1-mini`. */
export function agentLabel(o: AgentOptions): string {
  return o.agentKind === 'random' ? 'random' : `${o.agentKind}:${o.agentArg}`;
}

/** A fresh run folder name: `studio-<env>-<yyyymmdd-hhmmss>-<short id>`. */
export function newRunFolder(runsDir: string, envName: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const safe = envName.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40) || 'env';
  return resolve(runsDir, `studio-${safe}-${stamp}-${randomUUID().slice(0, 6)}`);
}

async function registered(studio: StudioContext, folder: string): Promise<string | undefined> {
  const outcome = await registerRunFolder(studio.repo, studio.runsDir, folder).catch(() => undefined);
  if (!outcome?.ok) return undefined;
  return (await studio.repo.listRuns()).find((r) => r.folder === outcome.folder)?.id;
}

/**
 * Starts the rollout as a studio job. `folder` is the run folder (a new one, or the one of a
 * cancelled job to resume: the same options play only what is missing).
 */
export function startRolloutJob(
  studio: StudioContext,
  env: EnvSource & { ref: string; name: string },
  options: RunAgentsOptions,
  folder: string,
  apiKey: string | undefined,
): StudioRolloutJob {
  const label = `${env.name} · ${agentLabel(options)} · ${options.episodes} episodes`;
  return startJob<RolloutProgress, StudioRolloutResult>(
    'rollout',
    label,
    async (signal, emit) => {
      let runId: string | undefined;
      let registering: Promise<unknown> | undefined;
      const result: RolloutResult = await rollout(
        {
          env,
          agent: agentName(options),
          ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}),
          ...(apiKey ? { apiKey } : {}),
          episodes: options.episodes,
          group: options.group,
          concurrency: options.concurrency,
          seed: options.seed,
          overseer:
            options.overseer === 'rules' || options.overseer === 'none'
              ? options.overseer
              : join(REPO, options.overseer),
          out: folder,
        },
        {
          signal,
          onProgress: (p) => {
            // Registered once it holds an episode, so the Runs page lists it while it runs.
            if (!registering && p.kind === 'episodes' && p.done + p.failed > 0)
              registering = registered(studio, folder).then((id) => {
                runId ??= id;
              });
            emit(p);
          },
        },
      );
      await registering;
      runId = (await registered(studio, folder)) ?? runId;
      const s = result.summary;
      return {
        ...(runId ? { runId } : {}),
        interrupted: result.interrupted,
        episodes: s.episodes,
        complete: s.complete,
        failed: s.failed,
        returnMean: s.returnMean,
        successRate: s.successRate,
        tokens: s.tokens,
        cost: s.cost,
      };
    },
    { env: env.ref, folder, options },
  );
}
