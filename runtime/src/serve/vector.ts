import { randomUUID } from 'node:crypto';
import { type Action, Prng, usesModules } from '@palestra/envs';
import { z } from 'zod';
import type { ServeCore } from './core.ts';
import { HttpError, unprocessable } from './httpBody.ts';
import { EnvSession, type WireObservation } from './session.ts';
import type { ValidationIssue } from './validationIssues.ts';

/** Most sub-envs of one vector: in-process environments, and environments with code (a worker each). */
export const VECTOR_MAX_ENVS = { inProcess: 1024, isolated: 64 } as const;

/**
 * Gymnasium 1.x's autoreset modes (`gymnasium.vector.AutoresetMode`, by their values):
 * - `next_step` (Gymnasium's default): a sub-env that ended is reset by the next step call, which
 *   ignores its action and returns its reset observation, reward 0, terminated and truncated false.
 * - `same_step`: it is reset in the same call; the observation returned is the new episode's first,
 *   and its info holds `final_obs` and `final_info` of the episode that ended.
 * - `disabled`: nothing is reset; stepping an ended sub-env is refused (422) until
 *   `POST /vector/reset {vector_id, mask}` resets it.
 */
export const autoresetModes = ['next_step', 'same_step', 'disabled'] as const;
export type AutoresetModeWire = (typeof autoresetModes)[number];

export const vectorResetBody = z.strictObject({
  /** A new vector of n sub-envs (omit with `vector_id`: the vector keeps its size). */
  n: z.int().min(1).optional(),
  /** Sub-env i gets `seed + i` (as Gymnasium); null: each takes the next server seed. */
  seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).nullish(),
  autoreset_mode: z.enum(autoresetModes).optional(),
  task_id: z.string().min(1).nullish(),
  task_index: z.int().min(0).nullish(),
  /** Reset this vector instead of making a new one. */
  vector_id: z.string().min(1).nullish(),
  /** With `vector_id`: reset only the sub-envs marked true (Gymnasium's `reset_mask`). */
  mask: z.array(z.boolean()).nullish(),
});

export const vectorStepBody = z.strictObject({
  vector_id: z.string().min(1),
  /** One per sub-env, each as a `/step` action (`{"space": v}`, `{tool, arguments}`, `{text}`). */
  actions: z.array(z.unknown()),
});

export const vectorCloseBody = z.strictObject({ vector_id: z.string().min(1) });

export type VectorResetBody = z.output<typeof vectorResetBody>;

type Info = Record<string, unknown>;

interface SubEnv {
  session: EnvSession;
  /** `next_step`: ended on the last call, reset on the next one. */
  needsReset: boolean;
  /** `disabled`: ended, waiting for a masked reset. */
  ended: boolean;
  last: WireObservation;
}

interface Vector {
  id: string;
  mode: AutoresetModeWire;
  subs: SubEnv[];
  /** Seeds of the resets the vector does by itself (autoreset, a masked reset without a seed). */
  seeder: Prng;
  task: { taskId?: string; taskIndex?: number };
  slot: symbol;
  timer: NodeJS.Timeout | undefined;
  chain: Promise<unknown>;
  /** A sub-env failed mid-step: the vector must be reset as a whole before it steps again. */
  broken: boolean;
}

export interface VectorResetReply {
  vector_id: string;
  observations: WireObservation[];
  infos: Info[];
}

export interface VectorStepReply {
  observations: WireObservation[];
  rewards: number[];
  terminations: boolean[];
  truncations: boolean[];
  infos: Info[];
}

/**
 * Palestra's vector extension of the OpenEnv protocol: n sub-envs of the served environment stepped
 * with one request per vector step (`POST /vector/reset`, `/vector/step`, `/vector/close`), with
 * Gymnasium's autoreset modes, for a Python `gymnasium.vector.VectorEnv`. A vector holds one of the
 * `--max-sessions` slots and closes after `--idle-timeout` seconds without a request, like a session.
 */
export class VectorSessions {
  private readonly vectors = new Map<string, Vector>();
  /** Ids closed by the idle timeout (the last few), so a late request is told why. */
  private readonly expired = new Set<string>();

  constructor(private readonly core: ServeCore) {}

  /** A new vector, or (with `vector_id`) a reset of an existing one, all of it or the masked sub-envs. */
  async reset(body: VectorResetBody): Promise<VectorResetReply> {
    if (body.vector_id) return this.withVector(body.vector_id, (v) => this.resetExisting(v, body));
    if (body.n === undefined)
      throw unprocessable([{ type: 'missing', loc: ['body', 'n'], msg: 'Field required', input: body }]);
    if (body.mask)
      throw unprocessable([
        {
          type: 'value_error',
          loc: ['body', 'mask'],
          msg: 'a mask resets sub-envs of an existing vector: give its vector_id',
          input: body.mask,
        },
      ]);
    const max = usesModules(this.core.spec) ? VECTOR_MAX_ENVS.isolated : VECTOR_MAX_ENVS.inProcess;
    if (body.n > max)
      throw unprocessable([
        {
          type: 'less_than_equal',
          loc: ['body', 'n'],
          msg: `Input should be less than or equal to ${max} (${usesModules(this.core.spec) ? 'this environment has code: each sub-env is a worker thread' : 'sub-envs of one vector'})`,
          input: body.n,
        },
      ]);
    const limit = this.core.options.maxSessions;
    if (this.core.active >= limit)
      throw new HttpError(
        503,
        `the server is at capacity: ${this.core.active} of ${limit} sessions are open`,
      );
    const slot = Symbol('vector');
    this.core.slots.add(slot);
    const sessions: EnvSession[] = [];
    try {
      for (let i = 0; i < body.n; i++) sessions.push(await this.core.openSession());
    } catch (e) {
      for (const s of sessions) s.close();
      this.core.slots.delete(slot);
      throw e;
    }
    const v: Vector = {
      id: randomUUID(),
      mode: body.autoreset_mode ?? 'next_step',
      subs: sessions.map((session) => ({
        session,
        needsReset: false,
        ended: false,
        last: undefined as never,
      })),
      seeder: new Prng(0),
      task: taskOf(body),
      slot,
      timer: undefined,
      chain: Promise.resolve(),
      broken: false,
    };
    this.vectors.set(v.id, v);
    try {
      return await this.resetAll(v, body.seed ?? undefined);
    } catch (e) {
      this.drop(v.id);
      throw e;
    } finally {
      this.armIdle(v);
    }
  }

  /** One vector step: one action per sub-env, every sub-env stepped (or autoreset) in order. */
  step(body: z.output<typeof vectorStepBody>): Promise<VectorStepReply> {
    return this.withVector(body.vector_id, (v) => this.stepVector(v, body.actions));
  }

  /** Closes a vector and hands its environments back. */
  async close(vectorId: string): Promise<{ vector_id: string; closed: true }> {
    const v = this.find(vectorId);
    await v.chain;
    this.drop(vectorId);
    return { vector_id: vectorId, closed: true };
  }

  /** Vectors open now. */
  get size(): number {
    return this.vectors.size;
  }

  /** Closes every vector (the server is stopping). */
  dispose(): void {
    for (const id of [...this.vectors.keys()]) this.drop(id);
  }

  private find(vectorId: string): Vector {
    const v = this.vectors.get(vectorId);
    if (v) return v;
    throw new HttpError(
      404,
      this.expired.has(vectorId)
        ? `vector ${vectorId} expired: no request for ${this.core.options.idleTimeoutS} s (--idle-timeout); POST /vector/reset for a new one`
        : `no vector ${vectorId} (closed, or never made): POST /vector/reset {n} makes one`,
    );
  }

  /** Runs `fn` on the vector after the requests already sent to it, with its idle clock stopped. */
  private withVector<T>(vectorId: string, fn: (v: Vector) => Promise<T> | T): Promise<T> {
    const v = this.find(vectorId);
    const run = v.chain.then(async () => {
      clearTimeout(v.timer);
      try {
        if (this.vectors.get(vectorId) !== v) this.find(vectorId);
        return await fn(v);
      } finally {
        this.armIdle(v);
      }
    });
    v.chain = run.catch(() => undefined);
    return run;
  }

  private async resetExisting(v: Vector, body: VectorResetBody): Promise<VectorResetReply> {
    const n = v.subs.length;
    if (body.n !== undefined && body.n !== n)
      throw unprocessable([
        {
          type: 'value_error',
          loc: ['body', 'n'],
          msg: `vector ${v.id} has ${n} sub-envs, not ${body.n}`,
          input: body.n,
        },
      ]);
    if (body.autoreset_mode && body.autoreset_mode !== v.mode)
      throw unprocessable([
        {
          type: 'value_error',
          loc: ['body', 'autoreset_mode'],
          msg: `vector ${v.id} autoresets in mode ${v.mode}; make a new vector for another mode`,
          input: body.autoreset_mode,
        },
      ]);
    if (body.task_id != null || body.task_index != null) v.task = taskOf(body);
    if (!body.mask) return this.resetAll(v, body.seed ?? undefined);
    if (body.mask.length !== n)
      throw unprocessable([
        {
          type: 'value_error',
          loc: ['body', 'mask'],
          msg: `the mask needs ${n} booleans, got ${body.mask.length}`,
          input: body.mask,
        },
      ]);
    if (v.broken) throw new HttpError(409, `vector ${v.id} failed mid-step: reset all of it (no mask)`);
    const infos: Info[] = [];
    for (const [i, sub] of v.subs.entries()) {
      if (!body.mask[i]) {
        infos.push({});
        continue;
      }
      const seed = body.seed != null ? body.seed + i : v.seeder.nextU32();
      infos.push(await this.resetSub(v, sub, seed));
    }
    return { vector_id: v.id, observations: v.subs.map((s) => s.last), infos };
  }

  private async resetAll(v: Vector, seed: number | undefined): Promise<VectorResetReply> {
    const base = seed ?? this.core.nextSeed();
    v.seeder = new Prng(base);
    v.broken = false;
    const infos: Info[] = [];
    for (const [i, sub] of v.subs.entries())
      infos.push(await this.resetSub(v, sub, seed === undefined && i > 0 ? this.core.nextSeed() : base + i));
    return { vector_id: v.id, observations: v.subs.map((s) => s.last), infos };
  }

  private async resetSub(v: Vector, sub: SubEnv, seed: number): Promise<Info> {
    const r = await sub.session.reset({ seed, ...v.task });
    sub.last = r.observation;
    sub.needsReset = false;
    sub.ended = r.done && v.mode === 'disabled';
    if (r.done && v.mode === 'next_step') sub.needsReset = true;
    const state = sub.session.state();
    return {
      episode_id: r.observation.episode_id,
      seed: r.observation.seed,
      task_id: r.observation.task_id,
      task_index: state.task_index,
    };
  }

  private async stepVector(v: Vector, actions: unknown[]): Promise<VectorStepReply> {
    const n = v.subs.length;
    if (v.broken)
      throw new HttpError(409, `vector ${v.id} failed mid-step: POST /vector/reset {vector_id} first`);
    if (actions.length !== n)
      throw unprocessable([
        {
          type: 'value_error',
          loc: ['body', 'actions'],
          msg: `give one action per sub-env: ${n}, got ${actions.length}`,
          input: actions.length,
        },
      ]);
    // Every action is read before any sub-env moves: a bad one changes nothing.
    const parsed: (Action | undefined)[] = new Array(n);
    const issues: ValidationIssue[] = [];
    for (const [i, sub] of v.subs.entries()) {
      if (sub.needsReset) continue; // its action is ignored, as Gymnasium ignores it
      if (sub.ended) {
        issues.push({
          type: 'value_error',
          loc: ['body', 'actions', i],
          msg: `sub-env ${i} has ended and autoreset is disabled: POST /vector/reset {vector_id, mask} resets it`,
          input: actions[i],
        });
        continue;
      }
      const a = this.core.parseAction(actions[i], ['body', 'actions', i]);
      if (!a.ok) issues.push(...a.issues);
      else if (a.value.kind === 'step') parsed[i] = a.value.action;
      else
        issues.push({
          type: 'value_error',
          loc: ['body', 'actions', i],
          msg:
            a.value.kind === 'tool_error'
              ? a.value.error.message
              : 'list_tools takes no step: give each sub-env a tool call, a text reply or {"space": value}',
          input: actions[i],
        });
    }
    if (issues.length > 0) throw unprocessable(issues);

    const reply: VectorStepReply = {
      observations: [],
      rewards: [],
      terminations: [],
      truncations: [],
      infos: [],
    };
    try {
      for (const [i, sub] of v.subs.entries()) {
        if (sub.needsReset) {
          const info = await this.resetSub(v, sub, v.seeder.nextU32());
          reply.observations.push(sub.last);
          reply.rewards.push(0);
          reply.terminations.push(false);
          reply.truncations.push(false);
          reply.infos.push(info);
          continue;
        }
        const action = parsed[i]!;
        const wire = EnvSession.wire(
          sub.session.step(action),
          false,
          'tool' in action ? action.tool : undefined,
          sub.session.spaces,
        );
        const o = wire.observation;
        sub.last = o;
        reply.rewards.push(wire.reward ?? 0);
        reply.terminations.push(o.terminated);
        reply.truncations.push(o.truncated);
        let info: Info = {};
        if (wire.done) {
          if (v.mode === 'next_step') sub.needsReset = true;
          else if (v.mode === 'disabled') sub.ended = true;
          else {
            const reset = await this.resetSub(v, sub, v.seeder.nextU32());
            info = { ...reset, final_obs: o, final_info: {} };
          }
        }
        reply.observations.push(sub.last);
        reply.infos.push(info);
      }
    } catch (e) {
      v.broken = true;
      throw e;
    }
    return reply;
  }

  private armIdle(v: Vector): void {
    clearTimeout(v.timer);
    const ms = this.core.options.idleTimeoutS * 1000;
    if (ms > 0 && this.vectors.get(v.id) === v)
      v.timer = setTimeout(() => {
        this.drop(v.id);
        this.expired.add(v.id);
        if (this.expired.size > 256) this.expired.delete(this.expired.values().next().value!);
      }, ms);
  }

  private drop(vectorId: string): void {
    const v = this.vectors.get(vectorId);
    if (!v) return;
    this.vectors.delete(vectorId);
    clearTimeout(v.timer);
    for (const s of v.subs) s.session.close();
    this.core.slots.delete(v.slot);
  }
}

function taskOf(body: VectorResetBody): { taskId?: string; taskIndex?: number } {
  return {
    ...(body.task_id != null ? { taskId: body.task_id } : {}),
    ...(body.task_index != null ? { taskIndex: body.task_index } : {}),
  };
}
