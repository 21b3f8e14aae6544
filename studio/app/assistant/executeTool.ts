/**
 * Runs one of the model's tool calls on this browser's document. Edits are ordinary document
 * transactions with `assistantOrigin` (they reach colleagues live, go through the page's live
 * check and are undone by the member's undo); reads come from the document, the page's live
 * check and the studio's run summaries (`ToolHost`). A malformed or impossible call is an error
 * result the model reads and can correct, never an exception.
 */
import type * as Y from 'yjs';
import type { LiveCheck } from '../validate/liveChecker.ts';
import { environmentView } from './environmentView.ts';
import { addTasksTool, addToolTool, editToolTool } from './listTools.ts';
import {
  addStateTool,
  addTransitionTool,
  deleteStateTool,
  deleteTransitionTool,
  moveStateTool,
  renameStateTool,
  setActionTool,
  setGuardTool,
  type ToolEffect,
} from './machineTools.ts';
import { argumentsObject, bad, reqString, ToolArgumentError } from './toolArgs.ts';
import { ASSISTANT_TOOLS } from './tools.ts';
import type { ModelToolCall } from './transcript.ts';

type Json = Record<string, unknown>;

/** What the tools read from outside the document. */
export interface ToolHost {
  /** The page's live check for the document as it is now (waits while it is pending). */
  problems(): Promise<LiveCheck>;
  /** This environment's runs (`GET /env/:name/assistant/runs`). */
  runs(): Promise<unknown>;
  /** One run's summary (`GET /env/:name/assistant/runs?run=<id>`). */
  run(id: string): Promise<unknown>;
}

/** A tool call's outcome: what the model reads and what the chat shows. */
export interface ToolOutcome {
  call: ModelToolCall;
  ok: boolean;
  /** The result as the model reads it (JSON text). */
  content: string;
  /** One sentence for people: what changed, or why nothing did. */
  effect: string;
  /** Set by `propose_version`: the chat shows a card with a Commit button. */
  proposal?: { message: string };
}

type Handler = (doc: Y.Doc, args: Json, host: ToolHost) => ToolEffect | Promise<ToolEffect>;

/** The longest version message a proposal may carry. */
const MESSAGE_MAX = 200;

const HANDLERS: Record<string, Handler> = {
  read_environment: (doc) => {
    const view = environmentView(doc);
    const states = (view.states as unknown[]).length;
    return { result: view, effect: `read the environment (${states} states)` };
  },
  add_state: addStateTool,
  rename_state: renameStateTool,
  move_state: moveStateTool,
  delete_state: deleteStateTool,
  add_transition: addTransitionTool,
  delete_transition: deleteTransitionTool,
  set_guard: setGuardTool,
  set_action: setActionTool,
  add_tasks: addTasksTool,
  add_tool: addToolTool,
  edit_tool: editToolTool,
  read_problems: async (_doc, _args, host) => {
    const check = await host.problems();
    if (check.state === 'failed')
      return {
        result: { checkerFailed: { code: check.code, message: check.message, hint: check.hint } },
        effect: `the checker could not run (${check.code})`,
      };
    if (check.state === 'pending')
      return { result: { pending: true }, effect: 'the check has not answered yet' };
    const problems = check.problems.map((p) => ({
      level: p.level,
      check: p.check,
      ...(p.code !== undefined && { code: p.code }),
      message: p.message,
      ...(p.hint !== undefined && { hint: p.hint }),
      ...(p.where !== undefined && { where: p.where }),
      states: p.states,
      transitions: p.transitions,
    }));
    const errors = problems.filter((p) => p.level === 'error').length;
    return {
      result: { checked: check.checked, problems },
      effect: `read the checker's findings: ${errors} error(s), ${problems.length - errors} warning(s)`,
    };
  },
  list_runs: async (_doc, _args, host) => {
    const runs = await host.runs();
    const n = Array.isArray((runs as { runs?: unknown[] }).runs)
      ? (runs as { runs: unknown[] }).runs.length
      : 0;
    return { result: runs as Json, effect: `listed this environment's runs (${n})` };
  },
  read_run: async (_doc, args, host) => {
    const id = reqString(args, 'run');
    return { result: (await host.run(id)) as Json, effect: `read the summary of run ${id}` };
  },
  propose_version: (_doc, args) => {
    const message = reqString(args, 'message');
    if (message.length > MESSAGE_MAX) bad(`the message is over ${MESSAGE_MAX} characters`);
    return {
      result: {
        proposed: message,
        note: 'shown to the member as a card with a Commit button; it is not committed until they press it',
      },
      effect: `proposed a version: ${message}`,
    };
  },
};

const KNOWN = ASSISTANT_TOOLS.map((t) => t.name);

/**
 * Runs `call` on `doc`.
 *
 * @example
 * const out = await executeTool(doc, { id: 'c1', name: 'add_state', arguments: '{"name":"ask_id"}' }, host);
 * out.ok // true; out.effect: 'added state "ask_id" under the root'
 */
export async function executeTool(doc: Y.Doc, call: ModelToolCall, host: ToolHost): Promise<ToolOutcome> {
  const handler = Object.hasOwn(HANDLERS, call.name) ? HANDLERS[call.name] : undefined;
  if (!handler) return failed(call, `no tool "${call.name}"; the tools are: ${KNOWN.join(', ')}`);
  try {
    const args = argumentsObject(call.arguments);
    const { result, effect } = await handler(doc, args, host);
    return {
      call,
      ok: true,
      content: JSON.stringify(result),
      effect,
      ...(call.name === 'propose_version' && { proposal: { message: String(args.message).trim() } }),
    };
  } catch (e) {
    // Anything else (a run the studio cannot read, a network error) is reported the same way:
    // the model reads why and the turn goes on.
    const message =
      e instanceof ToolArgumentError ? e.message : `the tool failed: ${(e as Error)?.message ?? e}`;
    return failed(call, message);
  }
}

function failed(call: ModelToolCall, message: string): ToolOutcome {
  return { call, ok: false, content: JSON.stringify({ error: message }), effect: message };
}
