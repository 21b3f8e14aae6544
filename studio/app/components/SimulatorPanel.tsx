import type { GymSpec } from '@palestra/envs/core';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useFetcher } from 'react-router';
import { matchErrors } from '../form/fieldErrors.ts';
import { SchemaForm } from '../form/SchemaForm.tsx';
import { argumentsOf, type Drafts, draftsOf, fieldsOf } from '../form/schemaFields.ts';
import { openSimulatorEnv } from '../sim/openSimulatorEnv.ts';
import { Simulator, type SimView, type TimelineSummary } from '../sim/simulator.ts';
import '../sim/simulatorPanel.css';

export interface SimulatorPanelProps {
  /** The spec (as the loader sent it) and its module files. */
  spec: GymSpec;
  files: Record<string, string>;
  /**
   * The environment's bundle root (the loader's `root`): written in the record's header, so that
   * `palestra replay` finds the environment of a saved episode.
   */
  root: string;
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

/** An error as the panel shows it: a typed error's code, message and hint, or any error's message. */
export interface ShownError {
  code?: string;
  message: string;
  hint?: string;
}

export function shownError(e: unknown): ShownError {
  if (e && typeof e === 'object' && 'code' in e && typeof e.code === 'string' && e instanceof Error) {
    const hint = (e as { hint?: unknown }).hint;
    return { code: e.code, message: e.message, ...(typeof hint === 'string' && hint ? { hint } : {}) };
  }
  return { message: message(e) };
}

/** The parsed JSON view: an object, or why the text is not one. */
function parseArguments(text: string): { value?: Record<string, unknown>; problem?: string } {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : JSON.parse(text);
  } catch (e) {
    return { problem: `The arguments are not JSON: ${message(e)}` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { problem: 'The arguments must be a JSON object, such as {"direction": "down"}.' };
  return { value: value as Record<string, unknown> };
}

/** What the simulate route's action answers to "Save episode". */
type SaveAnswer =
  | { saved: { folder: string; file: string; command: string; steps: number; ended: boolean } }
  | { problem: ShownError };

function ErrorBox({ error, title }: { error: ShownError; title: string }) {
  return (
    <div role="alert" className="sim-alert">
      <p>
        <strong>{title}</strong> {error.code && <code>{error.code}</code>} {error.message}
      </p>
      {error.hint && <p>{error.hint}</p>}
    </div>
  );
}

/**
 * Plays an environment in the page as the agent: a task and a seed, Reset; a tool and its
 * arguments, in a form generated from the tool's JSON schema or as raw JSON (the two in sync, both
 * checked as you type by the kernel's own validator), or a text reply, Step; Back, Fork and a
 * timeline switcher; Save episode (the current timeline's record, checked and written as a run by
 * the route's action). Shows the observation, the reward and its components and the active
 * states; `onActive` lets the page light them on the canvas. A step or call that throws shows the
 * typed error's code, message and hint, and the panel stays usable.
 */
export function SimulatorPanel({ spec, files, root, onActive }: SimulatorPanelProps) {
  const simRef = useRef<Simulator | undefined>(undefined);
  const closeRef = useRef<(() => void) | undefined>(undefined);
  const [view, setView] = useState<SimView | undefined>();
  const [timelines, setTimelines] = useState<TimelineSummary[]>([]);
  const [path, setPath] = useState<{ step: number; state: string[] }[]>([]);
  const [error, setError] = useState<ShownError | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [busy, setBusy] = useState(true);
  /** The simulator once built (also in `simRef`, for the handlers): the argument check needs it. */
  const [ready, setReady] = useState<Simulator | undefined>();
  const save = useFetcher<SaveAnswer>();

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
  const [mode, setMode] = useState<'form' | 'json'>('form');

  const toolSpec = spec.tools.find((t) => t.name === tool);
  const fields = useMemo(() => fieldsOf(toolSpec?.parameters), [toolSpec]);
  const [drafts, setDrafts] = useState<Drafts>(() => draftsOf(fields, JSON.parse(args)));

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
      setError(shownError(e));
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
        const { env, validator, close } = await openSimulatorEnv(spec, files);
        const closeBoth = () => {
          close();
          if (validator !== env) validator.close();
        };
        if (!live) return closeBoth();
        closeRef.current = closeBoth;
        const sim = new Simulator(env, { root, validator });
        simRef.current = sim;
        setReady(sim);
        show(sim, await doReset(sim));
      } catch (e) {
        if (live) setError(shownError(e));
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
  }, [spec, files, root]);

  /** The JSON view's text, parsed. In form mode it is what the form's inputs make (kept in sync). */
  const parsed = useMemo(() => parseArguments(args), [args]);
  /** What an input holds that is no value (a number that is not one, a JSON field that does not parse). */
  const formProblems = useMemo(
    () => (mode === 'form' ? argumentsOf(fields, drafts, parsed.value).problems : {}),
    [mode, fields, drafts, parsed.value],
  );
  /** The kernel's verdict on the arguments, as a whole and by field. */
  const invalid = useMemo(
    () => (tool === TEXT_REPLY || !parsed.value ? undefined : ready?.argumentErrors(tool, parsed.value)),
    [tool, parsed.value, ready],
  );
  const matched = useMemo(
    () =>
      matchErrors(
        invalid?.fields ?? [],
        fields.map((f) => f.name),
      ),
    [invalid, fields],
  );
  const fieldErrors = useMemo(() => {
    const out: Record<string, string[]> = { ...matched.byField };
    for (const [name, problem] of Object.entries(formProblems)) out[name] = [problem, ...(out[name] ?? [])];
    return out;
  }, [matched, formProblems]);

  const formProblemCount = Object.keys(formProblems).length;
  /** Why Step is off, under the arguments: the JSON view's problem, or the form's summary. */
  const argsProblem = (() => {
    if (tool === TEXT_REPLY) return undefined;
    if (mode === 'json') return parsed.problem ?? invalid?.message;
    const marked = formProblemCount > 0 || Object.keys(matched.byField).length > 0;
    const parts = [marked ? 'Fix the fields marked above.' : '', ...matched.general];
    if (!marked && matched.general.length === 0 && invalid) parts.push(invalid.message);
    return parts.filter(Boolean).join(' ') || undefined;
  })();

  const chooseTool = (name: string) => {
    setTool(name);
    const t = spec.tools.find((x) => x.name === name);
    if (t) {
      const skeleton = argumentsSkeleton(t.parameters);
      setArgs(skeleton);
      setDrafts(draftsOf(fieldsOf(t.parameters), JSON.parse(skeleton)));
    }
  };

  /** A form input changed: its draft, and the JSON view follows (an input holding no value is left out). */
  const onDraft = (name: string, text: string) => {
    const next = { ...drafts, [name]: text };
    setDrafts(next);
    setArgs(JSON.stringify(argumentsOf(fields, next, parsed.value).value, null, 2));
  };

  /** The JSON view changed: the form follows whenever the text is an object. */
  const onJson = (text: string) => {
    setArgs(text);
    const p = parseArguments(text);
    if (p.value) setDrafts(draftsOf(fields, p.value));
  };

  const current = timelines.find((t) => t.current);
  const canStep = !busy && view !== undefined && !view.done && (tool === TEXT_REPLY || !argsProblem);
  const doStep = () => {
    if (!canStep) return;
    const action = tool === TEXT_REPLY ? { text: reply } : { tool, arguments: parsed.value ?? {} };
    run((sim) => sim.step(action));
  };

  const saving = save.state !== 'idle';
  const doSave = () => {
    const sim = simRef.current;
    if (!sim || !view) return;
    setNotice(undefined);
    try {
      const { text } = sim.record();
      save.submit({ text }, { method: 'post', encType: 'application/json' });
    } catch (e) {
      setError(shownError(e));
    }
  };
  const answer = saving ? undefined : save.data;

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
        <div className="button-row">
          <label>
            Tool{' '}
            <select value={tool} onChange={(e) => chooseTool(e.target.value)}>
              {spec.tools.map((t) => (
                <option key={t.name} value={t.name}>
                  {t.name}
                </option>
              ))}
              <option value={TEXT_REPLY}>Text reply</option>
            </select>
          </label>
          {tool !== TEXT_REPLY && (
            <button
              type="button"
              className="sim-mode-toggle"
              aria-pressed={mode === 'json'}
              disabled={mode === 'json' && parsed.value === undefined}
              title={mode === 'json' ? 'Back to the form' : 'Edit the arguments as raw JSON'}
              onClick={() => {
                if (mode === 'json' && parsed.value) setDrafts(draftsOf(fields, parsed.value));
                setMode(mode === 'json' ? 'form' : 'json');
              }}
            >
              JSON
            </button>
          )}
        </div>
        {toolSpec && tool !== TEXT_REPLY && <p className="muted">{toolSpec.description}</p>}
        {tool === TEXT_REPLY ? (
          <label className="block-label">
            Reply
            <textarea rows={3} value={reply} onChange={(e) => setReply(e.target.value)} />
          </label>
        ) : (
          <>
            {mode === 'json' ? (
              <label className="block-label">
                Arguments (JSON)
                <textarea
                  rows={4}
                  value={args}
                  spellCheck={false}
                  aria-invalid={argsProblem !== undefined}
                  aria-describedby="args-problem"
                  onChange={(e) => onJson(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                      e.preventDefault();
                      doStep();
                    }
                  }}
                />
              </label>
            ) : (
              <SchemaForm
                fields={fields}
                drafts={drafts}
                onDraft={onDraft}
                errors={fieldErrors}
                onEnter={doStep}
                idPrefix={`arg-${tool}`}
              />
            )}
            <p id="args-problem" className={argsProblem ? 'field-error' : 'muted'} aria-live="polite">
              {argsProblem ?? 'The arguments are valid.'}
            </p>
          </>
        )}
        <div className="button-row">
          <button type="button" disabled={!canStep} onClick={doStep}>
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
        <div className="button-row">
          <button type="button" disabled={busy || !view || saving} onClick={doSave}>
            {saving ? 'Saving…' : 'Save episode'}
          </button>
          <span className="muted">
            saves timeline {view?.timeline ?? 't1'}, from the reset to step {view?.step ?? 0}
          </span>
        </div>
      </fieldset>

      {error && <ErrorBox error={error} title="Error:" />}
      {notice && <p role="status">{notice}</p>}
      {answer && 'problem' in answer && <ErrorBox error={answer.problem} title="Not saved:" />}
      {answer && 'saved' in answer && <SavedRun saved={answer.saved} />}

      {view?.error && (
        <ErrorBox
          error={view.error}
          title={`Step ${view.step} failed (${view.error.fault} fault); step back or reset to go on:`}
        />
      )}

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
                ? `failed: ${view.error.code}: ${view.error.message}`
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

/** Where the episode was saved, and the command that verifies it, with a button to copy it. */
function SavedRun({ saved }: { saved: { folder: string; command: string; steps: number; ended: boolean } }) {
  const [copied, setCopied] = useState<string | undefined>();
  return (
    <div role="status" className="sim-saved">
      <p>
        Saved to <code id="saved-folder">{saved.folder}</code> ({saved.steps} step
        {saved.steps === 1 ? '' : 's'}
        {saved.ended ? ', ended' : ', not ended'}). Verify it with:
      </p>
      <p>
        <code id="replay-command">{saved.command}</code>{' '}
        <button
          type="button"
          onClick={() =>
            navigator.clipboard.writeText(saved.command).then(
              () => setCopied('Copied.'),
              () => setCopied('Copy failed: select the command and copy it by hand.'),
            )
          }
        >
          Copy command
        </button>{' '}
        <span aria-live="polite">{copied}</span>
      </p>
    </div>
  );
}
