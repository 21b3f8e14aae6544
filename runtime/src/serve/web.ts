import type { IncomingMessage } from 'node:http';
import type { Action } from '@palestra/envs';
import { z } from 'zod';
import type { ServeCore } from './core.ts';
import { describeError } from './errors.ts';
import { HtmlPage, readText } from './httpBody.ts';
import { EnvSession, type WireState, type WireStep } from './session.ts';

/**
 * `/web`: a page to play the environment by hand, as OpenEnv's servers have one. Server-rendered
 * HTML, no script: one form per tool (its fields from the tool's JSON Schema, as `/schema` gives
 * it), one for a text reply, one to reset. HTTP keeps no episode, so the page carries it: each form
 * sends the seed, the task and the actions so far, and the server replays them from the seed
 * (episodes are deterministic) before playing the new one, on the same environment `POST /step` uses.
 */

const esc = (s: unknown) =>
  String(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

const episodeForm = z.object({
  seed: z.coerce.number().int().min(0).default(0),
  task_index: z.union([z.literal('').transform(() => undefined), z.coerce.number().int().min(0)]).optional(),
  history: z.string().default('[]'),
});

type Property = { type?: unknown; enum?: unknown[]; description?: string };

/** One input per argument: a select for an enum, a checkbox for a boolean, JSON for anything else. */
function field(name: string, p: Property, required: boolean): string {
  const label = `<label>${esc(name)}${required ? ' *' : ''} `;
  const title = p.description ? ` title="${esc(p.description)}"` : '';
  if (Array.isArray(p.enum))
    return `${label}<select name="arg.${esc(name)}"${title}>${p.enum.map((v) => `<option value="${esc(JSON.stringify(v))}">${esc(v)}</option>`).join('')}</select></label>`;
  if (p.type === 'boolean')
    return `${label}<input type="checkbox" name="arg.${esc(name)}" value="true"${title}></label>`;
  if (p.type === 'string')
    return `${label}<input name="arg.${esc(name)}" data-kind="string"${title}></label>`;
  if (p.type === 'integer' || p.type === 'number')
    return `${label}<input type="number" step="any" name="arg.${esc(name)}"${title}></label>`;
  return `${label}<textarea name="arg.${esc(name)}" placeholder="JSON"${title}></textarea></label>`;
}

/** The form's arguments back to JSON, each read as its schema says. */
function readArguments(form: URLSearchParams, parameters: Record<string, unknown>): Record<string, unknown> {
  const props = (parameters.properties ?? {}) as Record<string, Property>;
  const args: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(props)) {
    const raw = form.get(`arg.${name}`);
    if (p.type === 'boolean') {
      args[name] = raw === 'true';
      continue;
    }
    if (raw === null || raw === '') continue;
    if (Array.isArray(p.enum) || (p.type !== 'string' && p.type !== undefined)) {
      try {
        args[name] = JSON.parse(raw);
      } catch {
        args[name] = raw;
      }
    } else args[name] = raw;
  }
  return args;
}

function hidden(seed: number, taskIndex: number | undefined, history: Action[]): string {
  return [
    `<input type="hidden" name="seed" value="${seed}">`,
    `<input type="hidden" name="task_index" value="${taskIndex ?? ''}">`,
    `<input type="hidden" name="history" value="${esc(JSON.stringify(history))}">`,
  ].join('');
}

function render(
  core: ServeCore,
  view: {
    seed: number;
    taskIndex?: number;
    history: Action[];
    last?: WireStep;
    state?: WireState;
    error?: string;
  },
): HtmlPage {
  const spec = core.spec;
  const h = hidden(view.seed, view.taskIndex, view.history);
  const tools = spec.tools.map((t) => {
    const params = t.parameters as { properties?: Record<string, Property>; required?: string[] };
    const fields = Object.entries(params.properties ?? {}).map(([n, p]) =>
      field(n, p, (params.required ?? []).includes(n)),
    );
    return `<form method="post" action="/web"><fieldset><legend>${esc(t.name)}</legend><p>${esc(t.description)}</p>${h}<input type="hidden" name="kind" value="tool"><input type="hidden" name="tool" value="${esc(t.name)}">${fields.join(' ')} <button>call ${esc(t.name)}</button></fieldset></form>`;
  });
  const o = view.last?.observation;
  const result = view.last
    ? `<h2>Observation</h2><pre id="observation">${esc(o?.text ?? '')}</pre>
<p>reward: <b id="reward">${esc(view.last.reward ?? 'null')}</b> · done: <b id="done">${view.last.done}</b>${o?.invalid_action ? ` · invalid action: ${esc(o.invalid_action.message)}` : ''}</p>
<details><summary>observation JSON</summary><pre>${esc(JSON.stringify(o?.json ?? {}, null, 2))}</pre></details>`
    : '';
  const state = view.state
    ? `<h2>State</h2><pre id="state">${esc(JSON.stringify(view.state, null, 2))}</pre>`
    : '';
  const error = view.error ? `<p id="error" style="color:#b00">${esc(view.error)}</p>` : '';
  const playing = view.last && !view.last.done;
  return new HtmlPage(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(spec.name)} · palestra serve</title>
<style>body{font:15px system-ui,sans-serif;max-width:52rem;margin:1.5rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:.6rem;white-space:pre-wrap}fieldset{margin:.6rem 0}label{margin-right:.8rem}</style></head>
<body><h1>${esc(spec.name)} <small>${esc(spec.version)}</small></h1><p>${esc(spec.description ?? '')}</p>
<form method="post" action="/web"><fieldset><legend>reset</legend><input type="hidden" name="kind" value="reset">
<label>seed <input type="number" name="seed" min="0" value="${view.seed}"></label>
<label>task_index <input type="number" name="task_index" min="0" value="${view.taskIndex ?? ''}"></label> <button>reset</button></fieldset></form>
${error}${result}${state}
${playing ? `<h2>Act</h2>${tools.join('\n')}<form method="post" action="/web"><fieldset><legend>text reply</legend>${h}<input type="hidden" name="kind" value="text"><textarea name="text"></textarea> <button>reply</button></fieldset></form>` : ''}
<p>Step ${view.history.length}. The schemas: <a href="/schema">/schema</a> · <a href="/openapi.json">/openapi.json</a></p>
</body></html>`);
}

/** `GET /web` (a fresh page) and `POST /web` (reset, or one more action after replaying the ones before). */
export async function webPage(
  core: ServeCore,
  req: IncomingMessage,
  method: 'GET' | 'POST',
): Promise<HtmlPage> {
  if (method === 'GET') return render(core, { seed: 0, history: [] });
  const form = new URLSearchParams(await readText(req));
  const parsed = episodeForm.safeParse(Object.fromEntries(form));
  if (!parsed.success)
    return render(core, { seed: 0, history: [], error: 'the form is not valid: reset again' });
  const { seed, task_index: taskIndex } = parsed.data;
  let history: Action[] = [];
  try {
    history = form.get('kind') === 'reset' ? [] : (JSON.parse(parsed.data.history) as Action[]);
  } catch {
    return render(core, {
      seed,
      taskIndex,
      history: [],
      error: 'the history is not valid JSON: reset again',
    });
  }
  const kind = form.get('kind');
  const next: Action | undefined =
    kind === 'tool'
      ? (() => {
          const tool = core.spec.tools.find((t) => t.name === form.get('tool'));
          return {
            tool: form.get('tool') ?? '',
            arguments: tool ? readArguments(form, tool.parameters as Record<string, unknown>) : {},
          };
        })()
      : kind === 'text'
        ? { text: form.get('text') ?? '' }
        : undefined;
  try {
    return await core.withScratch(async (s) => {
      let last: WireStep = await s.reset({ seed, ...(taskIndex !== undefined ? { taskIndex } : {}) });
      for (const a of history) last = EnvSession.wire(s.step(a), false, undefined, s.spaces);
      let error: string | undefined;
      if (next) {
        const rejection = core.rejectReason(next);
        if (rejection) error = `not played: ${rejection}`;
        else {
          last = EnvSession.wire(s.step(next), false, undefined, s.spaces);
          history = [...history, next];
        }
      }
      return render(core, { seed, taskIndex, history, last, state: s.state(), ...(error ? { error } : {}) });
    });
  } catch (e) {
    return render(core, { seed, taskIndex, history: [], error: describeError(e) });
  }
}
