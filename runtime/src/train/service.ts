import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PalestraError } from '@palestra/envs';
import { z } from 'zod';
import { describeExit, ProcessExitedError, ProcessFailedToStartError } from '../process/processError.ts';
import { type Supervised, supervise } from '../process/supervise.ts';
import type { SftConversation } from './conversations.ts';
import type { TrainingRow } from './rows.ts';

/** The Python package's folder (`runtime/trainer`): the server runs from there. */
export const TRAINER_DIR = fileURLToPath(new URL('../../trainer/', import.meta.url));

export type TrainAlgo = 'sft' | 'grpo' | 'ppo';

export interface TrainerOptions {
  /** A local Hugging Face model folder, or `tiny` (a tiny model built in code, for tests). */
  model: string;
  /** The policy's name: answers say `NAME@STEP`. */
  name: string;
  loraRank: number;
  /**
   * Modules to adapt (default: the server's, every attention and MLP projection). A model whose
   * output head must move — a randomly initialised test model — needs `lm_head` too.
   */
  targetModules?: string[];
  /** The server's own folder: adapters and `state.json`, so a restarted server resumes at the same step. */
  out: string;
  gpu?: 'auto' | 'cpu' | 'cuda';
  quantize?: 'none' | 'nf4';
  seed?: number;
  /**
   * The venv's python. Default: `PALESTRA_TRAINER_PYTHON` if set, else `ensureTrainerVenv()` from
   * `runtime/trainer/install.ts` (which installs the venv the first time).
   */
  python?: string;
  /** Progress of the install and the server's stderr lines. */
  log?: (line: string) => void;
  /** How long model loading may take before the start is given up. Default 600 000 ms. */
  readyTimeoutMs?: number;
}

const healthSchema = z.object({
  status: z.string(),
  model: z.string(),
  policy: z.string(),
  step: z.number().int().nonnegative(),
  device: z.string(),
  adapter: z.string().nullish(),
});
export type TrainerHealth = z.infer<typeof healthSchema>;

/** The metrics of one optimisation step (the server may add more; absent ones are not computed by that algorithm). */
const metricsSchema = z
  .object({
    loss: z.number().nullish(),
    kl: z.number().nullish(),
    clip_fraction: z.number().nullish(),
    entropy: z.number().nullish(),
    reward_mean: z.number().nullish(),
    reward_std: z.number().nullish(),
    zero_variance_groups: z.number().nullish(),
    tokens_per_s: z.number().nullish(),
    peak_memory_mb: z.number().nullish(),
  })
  .catchall(z.unknown());
export type TrainMetrics = z.infer<typeof metricsSchema>;

const doneSchema = z.object({
  type: z.literal('done'),
  step: z.number().int().nonnegative(),
  policy: z.string(),
  adapter: z.string(),
  metrics: metricsSchema,
});
export type TrainDone = z.infer<typeof doneSchema>;

const eventSchema = z.object({ type: z.string() }).catchall(z.unknown());
/** A line of the `/train` stream other than the final `done` (progress, logs, an `error`). */
export type TrainEvent = z.infer<typeof eventSchema>;

/** The body of `POST /train`: rows for GRPO/PPO, conversations for SFT. */
export type TrainBody =
  | { algo: 'grpo' | 'ppo'; config: Record<string, unknown>; rows: TrainingRow[] }
  | { algo: 'sft'; config: Record<string, unknown>; conversations: SftConversation[] };

/** A client of a running trainer service (`python -m palestra_trainer serve`). */
export interface TrainerClient {
  /** `http://host:port` */
  url: string;
  /** The OpenAI-compatible base URL for the `openai` agent (`…/v1`). */
  baseURL: string;
  health(): Promise<TrainerHealth>;
  /** One optimisation step; resolves with the `done` line once the server has saved and hot-swapped the adapter. */
  train(body: TrainBody, onEvent?: (event: TrainEvent) => void): Promise<TrainDone>;
}

export interface TrainerService extends TrainerClient {
  /** Stops the server (idempotent). */
  stop(): Promise<void>;
  /** The server's last stderr lines, for error messages. */
  stderrTail(): string;
}

function unreachable(url: string, e: unknown): PalestraError {
  return new PalestraError(
    'TRAINER_UNREACHABLE',
    `cannot reach the trainer at ${url}: ${(e as Error).message}`,
    {
      details: { url },
      cause: e,
      hint: 'the trainer service stopped: see its stderr above, then rerun the same command (training resumes)',
    },
  );
}

/**
 * A client of a trainer service at `url`. Answers are validated with zod: they come from another
 * process, and a silent shape mistake would train on wrong numbers.
 *
 * @example
 * const trainer = trainerClient('http://127.0.0.1:8123');
 * const { policy } = await trainer.health(); // 'echo@0'
 */
export function trainerClient(url: string, stderrTail: () => string = () => ''): TrainerClient {
  const base = url.replace(/\/$/, '');
  return {
    url: base,
    baseURL: `${base}/v1`,
    async health() {
      let res: Response;
      try {
        res = await fetch(`${base}/health`);
      } catch (e) {
        throw unreachable(base, e);
      }
      const parsed = healthSchema.safeParse(await res.json().catch(() => undefined));
      if (!res.ok || !parsed.success)
        throw new PalestraError(
          'TRAINER_BAD_RESPONSE',
          `${base}/health answered ${res.status} with an unexpected body`,
          {
            details: { url: base, issues: parsed.error?.issues ?? [] },
            hint: 'is this a Palestra trainer (python -m palestra_trainer serve)?',
          },
        );
      return parsed.data;
    },
    async train(body, onEvent) {
      let res: Response;
      try {
        res = await fetch(`${base}/train`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      } catch (e) {
        throw unreachable(base, e);
      }
      if (!res.ok || !res.body) {
        const text = await res.text().catch(() => '');
        throw new PalestraError(
          'TRAINER_REJECTED',
          `the trainer refused the ${body.algo} step (HTTP ${res.status}): ${text.slice(0, 2000)}`,
          {
            details: { url: base, status: res.status },
            hint:
              res.status < 500
                ? 'the message names the field at fault'
                : `the trainer failed; its stderr:\n${stderrTail()}`,
          },
        );
      }
      const decoder = new TextDecoder();
      let buffered = '';
      let done: TrainDone | undefined;
      const line = (text: string) => {
        if (text.trim() === '') return;
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new PalestraError(
            'TRAINER_BAD_RESPONSE',
            `the /train stream sent a line that is not JSON: ${text.slice(0, 200)}`,
          );
        }
        const event = eventSchema.safeParse(json);
        if (!event.success)
          throw new PalestraError(
            'TRAINER_BAD_RESPONSE',
            `the /train stream sent a line without a type: ${text.slice(0, 200)}`,
          );
        if (event.data.type === 'error')
          throw new PalestraError(
            'TRAINER_STEP_FAILED',
            `the trainer's ${body.algo} step failed: ${String(event.data.message ?? text)}`,
            {
              details: { event: event.data },
              hint: 'nothing was saved for this step; fix the cause and rerun the same command (training resumes)',
            },
          );
        if (event.data.type === 'done') {
          const parsed = doneSchema.safeParse(json);
          if (!parsed.success)
            throw new PalestraError(
              'TRAINER_BAD_RESPONSE',
              `the /train stream's done line is malformed: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
            );
          done = parsed.data;
        } else onEvent?.(event.data);
      };
      try {
        for await (const chunk of res.body) {
          buffered += decoder.decode(chunk as Uint8Array, { stream: true });
          let nl = buffered.indexOf('\n');
          while (nl >= 0) {
            line(buffered.slice(0, nl));
            buffered = buffered.slice(nl + 1);
            nl = buffered.indexOf('\n');
          }
        }
      } catch (e) {
        if (e instanceof PalestraError) throw e;
        throw unreachable(base, e);
      }
      line(buffered);
      if (!done)
        throw new PalestraError('TRAINER_STEP_FAILED', `the /train stream ended before its done line`, {
          details: { url: base },
          hint: `the trainer may have crashed mid-step; its stderr:\n${stderrTail()}`,
        });
      return done;
    },
  };
}

/** The venv's python, from the service helper's installer (loaded only when a server is started). */
async function trainerPython(log?: (line: string) => void): Promise<string> {
  // A python that already has the trainer's dependencies (a shared venv, a GPU machine's conda).
  const given = process.env.PALESTRA_TRAINER_PYTHON;
  if (given) return given;
  const installer = new URL('../../trainer/install.ts', import.meta.url).href;
  let mod: unknown;
  try {
    mod = await import(installer);
  } catch (e) {
    throw new PalestraError('TRAINER_NOT_INSTALLED', `cannot load the trainer's installer (${installer})`, {
      cause: e,
      hint: 'runtime/trainer/install.ts is part of the repository: update your checkout',
    });
  }
  const ensure = (mod as { ensureTrainerVenv?: (o?: { log?: (l: string) => void }) => Promise<string> })
    .ensureTrainerVenv;
  if (typeof ensure !== 'function')
    throw new PalestraError(
      'TRAINER_NOT_INSTALLED',
      'runtime/trainer/install.ts exports no ensureTrainerVenv',
    );
  return ensure(log ? { log } : {});
}

/**
 * Starts the trainer service (`python -m palestra_trainer serve`) on a free loopback port, waits
 * for its ready line and `/health`, and returns a client that can stop it. It stops on process
 * exit too, and dies with this process even on SIGKILL. A server that dies while starting is an
 * error carrying its stderr.
 *
 * @example
 * const trainer = await startTrainer({ model: 'tiny', name: 'echo', loraRank: 8, out: 'runs/t/trainer' });
 * try { console.log((await trainer.health()).policy); } finally { await trainer.stop(); }
 */
export async function startTrainer(options: TrainerOptions): Promise<TrainerService> {
  const python = options.python ?? (await trainerPython(options.log));
  // The service runs in its own folder: paths the user gave relative to theirs are made absolute,
  // or its adapters would land under runtime/trainer/ (and a model folder would not be found).
  const out = resolve(options.out);
  const model = options.model === 'tiny' ? 'tiny' : resolve(options.model);
  mkdirSync(out, { recursive: true });
  const args = [
    '-m',
    'palestra_trainer',
    'serve',
    '--model',
    model,
    '--name',
    options.name,
    '--lora-rank',
    String(options.loraRank),
    '--port',
    '0',
    '--host',
    '127.0.0.1',
    '--gpu',
    options.gpu ?? 'auto',
    '--quantize',
    options.quantize ?? 'none',
    '--out',
    out,
    ...(options.seed === undefined ? [] : ['--seed', String(options.seed)]),
    ...(options.targetModules ? ['--target-modules', options.targetModules.join(',')] : []),
  ];
  const readyTimeoutMs = options.readyTimeoutMs ?? 600_000;
  let server: Supervised<string>;
  try {
    // supervise() runs it under a watchdog: if this process dies without cleaning up (SIGKILL, a
    // crash), the server, which may hold gigabytes of GPU memory, goes with it.
    server = await supervise(python, args, {
      name: 'the trainer',
      cwd: TRAINER_DIR,
      env: {
        ...process.env,
        PYTHONPATH: [TRAINER_DIR, process.env.PYTHONPATH].filter(Boolean).join(':'),
        PYTHONUNBUFFERED: '1',
      },
      ready: (line) => /palestra-trainer listening on (http:\/\/\S+)/.exec(line)?.[1],
      readyTimeoutMs,
      stopGraceMs: 10_000,
      ...(options.log ? { onStderr: options.log } : {}),
    });
  } catch (e) {
    if (e instanceof ProcessFailedToStartError && e.reason === 'timeout')
      throw new PalestraError(
        'TRAINER_START_TIMEOUT',
        `the trainer did not get ready in ${readyTimeoutMs / 1000} s`,
        {
          details: { model: options.model },
          cause: e,
          hint: `a large model loads slowly: raise the timeout, or check its stderr:\n${e.stderrTail}`,
        },
      );
    if (e instanceof ProcessExitedError || e instanceof ProcessFailedToStartError) {
      const what =
        e instanceof ProcessExitedError
          ? `the trainer exited while starting (${describeExit(e.status)})`
          : e.message;
      throw new PalestraError('TRAINER_FAILED_TO_START', `${what} with model ${options.model}`, {
        details: { model: options.model, stderr: e.stderrTail },
        cause: e,
        hint: `its stderr:\n${e.stderrTail || '(empty)'}\n→ a model must be a local Hugging Face folder (config.json, tokenizer, weights) or "tiny"`,
      });
    }
    throw e;
  }
  const url = server.ready;
  const tail = () => server.stderrTail();
  const client = trainerClient(url, tail);
  const stop = async () => {
    await server.stop();
  };
  try {
    await client.health();
  } catch (e) {
    await stop();
    throw e;
  }
  return { ...client, stop, stderrTail: tail };
}
