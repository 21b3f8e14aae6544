import type { GymSpec } from '@palestra/envs/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { openSimulatorEnv } from '../sim/openSimulatorEnv.ts';
import { Simulator, type SimView, type TimelineSummary } from '../sim/simulator.ts';

export interface SimulatorPanelProps {
  /** The spec (as the loader sent it) and its module files. */
  spec: GymSpec;
  files: Record<string, string>;
  /** Called with the active states whenever the view changes (the page lights them on the canvas). */
  onActive?: (state: string[]) => void;
}

const TEXT_REPLY = '(text reply)';

/** A starting JSON for a tool's arguments: each required property with its first enum value or an empty value. */
export function argumentsSkeleton(parameters: unknown): string {
  const schema = (parameters ?? {}) as {
    properties?: Record<string, { type?: string; enum?: unknown[]; default?: unknown }>;
  };
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(schema.properties ?? {}))
    out[name] =
      p.default ??
      p.enum?.[0] ??
      (p.type === 'number' || p.type === 'integer'
        ? 0
        : p.type === 'boolean'
          ? false
          : p.type === 'array'
            ? []
            : p.type === 'object'
              ? {}
              : '');
  return JSON.stringify(out, null, 2);
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Plays an expression environment in the page as the agent: a task and a seed, Reset; a tool and
 * its JSON arguments (checked as you type by the kernel's own validator) or a text reply, Step;
 * Back, Fork and a timeline switcher. Shows the observation, the reward and its components and the
 * active states; `onActive` lets the page light them on the canvas.
 */
export function SimulatorPanel({ spec, files, onActive }: SimulatorPanelProps) {
  const simRef = useRef<Simulator | undefined>(undefined);
  const closeRef = useRef<(() => void) | undefined>(undefined);
  const [view, setView] = useState<SimView | undefined>();
  const [timelines, setTimelines] = useState<TimelineSummary[]>([]);
  const [path, setPath] = useState<{ step: number; state: string[] }[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(true);
  /** The simulator once built (also in `simRef`, for the handlers): the argument check needs it. */
  const [ready, setReady] = useState<Simulator | undefined>();

  const taskIds = useMemo(
    () =>
      'list' in spec.tasks
        ? spec.tasks.list.map((t) => t.id)
        : Array.from({ length: Math.min(spec.tasks.count, 200) }, (_, i) => String(i)),
    [spec],
  );
  const [task, setTask] = useState(taskIds[0] ?? '');
  const [seed, setSeed] = useState(0);
  const [tool, setTool] = useState(spec.tools[0]?.name ?? TEXT_REPLY);
  const [args, setArgs] = useState(() => argumentsSkeleton(spec.tools[0]?.parameters));
  const [reply, setReply] = useState('');

  const show = (sim: Simulator, v: SimView) => {
    setView(v);
    setTimelines(sim.timelines());
    setPath(sim.path());
    onActive?.(v.state);
  };

  /** Runs one simulator call, showing its error in the page instead of throwing. */
  const run = async (what: (sim: Simulator) => Promise<SimView | undefined>) => {
    const sim = simRef.current;
    if (!sim) return;
    setBusy(true);
    setError(undefined);
    setNotice(undefined);
    try {
      const v = await what(sim);
      if (v) show(sim, v);
    } catch (e) {
      setError(message(e));
    } finally {
      setBusy(false);
    }
  };

  const doReset = (sim: Simulator) => sim.reset({ task: 'list' in spec.tasks ? task : Number(task), seed });

  // biome-ignore lint/correctness/useExhaustiveDependencies: one environment per spec; reset once on load
  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const { env, validator } = await openSimulatorEnv(spec, files);
        const closeBoth = () => {
          env.close();
          if (validator !== env) validator.close();
        };
        if (!live) return closeBoth();
        closeRef.current = closeBoth;
        const sim = new Simulator(env, { validator });
        simRef.current = sim;
        setReady(sim);
        show(sim, await doReset(sim));
      } catch (e) {
        if (live) setError(message(e));
      } finally {
        if (live) setBusy(false);
      }
    })();
    return () => {
      live = false;
      closeRef.current?.();
      closeRef.current = undefined;
      simRef.current = undefined;
    };
  }, [spec, files]);

  const parsed = useMemo((): { value?: Record<string, unknown>; problem?: string } => {
    if (tool === TEXT_REPLY) return {};
    let value: unknown;
    try {
      value = args.trim() === '' ? {} : JSON.parse(args);
    } catch (e) {
      return { problem: `The arguments are not JSON: ${message(e)}` };
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      return { problem: 'The arguments must be a JSON object, such as {"direction": "down"}.' };
    const invalid = ready?.argumentErrors(tool, value as Record<string, unknown>);
    return invalid
      ? { value: value as Record<string, unknown>, problem: invalid.message }
      : { value: value as Record<string, unknown> };
  }, [tool, args, ready]);

  const current = timelines.find((t) => t.current);
  const canStep = !busy && view !== undefined && !view.done && (tool === TEXT_REPLY || !parsed.problem);

  return (
    <div className="sim-panel">
      <fieldset className="sim-group">
        <legend>Episode</legend>
        <label>
          Task{' '}
          <select value={task} onChange={(e) => setTask(e.target.value)}>
            {taskIds.map((id) => (
              <option key={id} value={id}>
                {id}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Seed{' '}
          <input
            type="number"
            min={0}
            value={seed}
            onChange={(e) => setSeed(Number(e.target.value) || 0)}
            className="seed-input"
          />
        </label>{' '}
        <button type="button" disabled={busy || !simRef.current} onClick={() => run(doReset)}>
          Reset
        </button>
      </fieldset>

      <fieldset className="sim-group">
        <legend>Action</legend>
        <label>
          Tool{' '}
          <select
            value={tool}
            onChange={(e) => {
              setTool(e.target.value);
              const t = spec.tools.find((x) => x.name === e.target.value);
              if (t) setArgs(argumentsSkeleton(t.parameters));
            }}
          >
            {spec.tools.map((t) => (
              <option key={t.name} value={t.name}>
                {t.name}
              </option>
            ))}
            <option value={TEXT_REPLY}>Text reply</option>
          </select>
        </label>
        {tool === TEXT_REPLY ? (
          <label className="block-label">
            Reply
            <textarea rows={3} value={reply} onChange={(e) => setReply(e.target.value)} />
          </label>
        ) : (
          <>
            <label className="block-label">
              Arguments (JSON)
              <textarea
                rows={4}
                value={args}
                spellCheck={false}
                aria-invalid={parsed.problem !== undefined}
                aria-describedby="args-problem"
                onChange={(e) => setArgs(e.target.value)}
              />
            </label>
            <p id="args-problem" className={parsed.problem ? 'field-error' : 'muted'} aria-live="polite">
              {parsed.problem ?? 'The arguments are valid.'}
            </p>
          </>
        )}
        <div className="button-row">
          <button
            type="button"
            disabled={!canStep}
            onClick={() =>
              run((sim) =>
                sim.step(tool === TEXT_REPLY ? { text: reply } : { tool, arguments: parsed.value ?? {} }),
              )
            }
          >
            Step
          </button>
          <button
            type="button"
            disabled={busy || !view || view.step === 0}
            onClick={() =>
              run(async (sim) => {
                const r = await sim.back();
                if (!r.moved) setNotice(r.reason);
                return r.view;
              })
            }
          >
            Back
          </button>
          <button
            type="button"
            disabled={busy || !view}
            onClick={() =>
              run(async (sim) => {
                await sim.fork();
                return sim.view();
              })
            }
          >
            Fork
          </button>
          <label htmlFor="sim-timeline">Timeline</label>
          <select
            id="sim-timeline"
            value={current?.id ?? ''}
            disabled={busy || timelines.length < 2}
            onChange={(e) => {
              const id = e.target.value;
              run((sim) => sim.switchTo(id));
            }}
          >
            {timelines.map((t) => (
              <option key={t.id} value={t.id}>
                {t.id}
                {t.parent ? ` (from ${t.parent.id} at step ${t.parent.step})` : ''} · step {t.at} of{' '}
                {t.length}
              </option>
            ))}
          </select>
        </div>
      </fieldset>

      {error && (
        <p role="alert" className="field-error">
          {error}
        </p>
      )}
      {notice && <p role="status">{notice}</p>}

      {view && (
        <section aria-labelledby="obs-title" className="sim-view" aria-busy={busy}>
          <h2 id="obs-title">
            Observation{' '}
            <span className="muted">
              · timeline {view.timeline}, step {view.step}
            </span>
          </h2>
          <pre id="observation" className="observation">
            {view.observation.text}
          </pre>
          <details>
            <summary>Observation JSON</summary>
            <pre id="observation-json">{JSON.stringify(view.observation.json, null, 2)}</pre>
          </details>
          <dl className="sim-facts">
            <dt>Reward</dt>
            <dd id="reward">{view.reward}</dd>
            <dt>Components</dt>
            <dd>
              {view.components.length === 0
                ? 'none'
                : view.components.map((c) => `${c.name}: ${c.micros / 1e6}`).join(', ')}
            </dd>
            <dt>Active state</dt>
            <dd id="active-state">
              <code>{view.state.join(', ')}</code>
            </dd>
            <dt>Status</dt>
            <dd>
              {view.error
                ? `failed: ${view.error.message}`
                : view.terminated
                  ? 'terminated'
                  : view.truncated
                    ? 'truncated'
                    : 'running'}
            </dd>
            {view.invalidAction && (
              <>
                <dt>Invalid action</dt>
                <dd className="field-error">{view.invalidAction.message}</dd>
              </>
            )}
            <dt>Path</dt>
            <dd>
              <ol className="sim-path">
                {path.map((p) => (
                  <li key={p.step}>
                    {p.step}: <code>{p.state.join(', ')}</code>
                  </li>
                ))}
              </ol>
            </dd>
          </dl>
        </section>
      )}
    </div>
  );
}
