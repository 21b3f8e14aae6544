/**
 * One turn of the design assistant, run in the browser: the member's request goes to the model
 * (through the studio, which holds the key), the model's tool calls run here on the member's own
 * document, their results go back, until the model answers in words. The whole turn is one undo
 * step (`beginAssistantTurn`).
 *
 * Why the loop runs in the browser and not in the studio: the edits must be this member's
 * document transactions (their origin, their undo manager, the page's live check), and the
 * browser already holds the live document. The studio only proxies each model call, so the key
 * never leaves it, and keeps no conversation.
 */
import type * as Y from 'yjs';
import { executeTool, type ToolHost, type ToolOutcome } from './executeTool.ts';
import type { AssistantErrorView, ChatMessage, ModelReply, ToolResultMessage } from './transcript.ts';
import { beginAssistantTurn } from './turnUndo.ts';

/** What the chat shows, in order. */
export type ChatEntry =
  | { kind: 'user'; text: string }
  | { kind: 'assistant'; text: string }
  | { kind: 'tool'; outcome: ToolOutcome }
  | { kind: 'error'; error: AssistantErrorView }
  | { kind: 'note'; text: string };

/** A failed model call, as the studio reported it. */
export class AssistantCallError extends Error {
  override name = 'AssistantCallError';
  constructor(readonly view: AssistantErrorView) {
    super(view.message);
  }
}

export interface TurnDeps {
  doc: Y.Doc;
  host: ToolHost;
  /** One model call through the studio; rejects with an `AssistantCallError`. */
  complete(messages: ChatMessage[], signal?: AbortSignal): Promise<ModelReply>;
  /** Each entry as it happens. */
  onEntry(entry: ChatEntry): void;
  signal?: AbortSignal;
  /** Model calls per turn at most (default `MAX_ROUNDS`). */
  maxRounds?: number;
}

/** Model calls in one turn before the assistant stops and says so. */
export const MAX_ROUNDS = 16;

/** A finished turn. */
export interface TurnResult {
  /** The conversation with the turn in it. */
  messages: ChatMessage[];
  /** The turn's undo stack item (undefined when it changed nothing): undoable while it is on top. */
  undoStep: unknown;
}

/**
 * Runs the turn that answers `request` after `history`; resolves to the conversation with the
 * turn in it (also when the model call failed or the member stopped it: the conversation stays
 * well-formed, every tool call answered).
 *
 * @example
 * ({ messages: history } = await runAssistantTurn(history, 'add a state review', { doc, host, complete, onEntry }));
 */
export async function runAssistantTurn(
  history: ChatMessage[],
  request: string,
  deps: TurnDeps,
): Promise<TurnResult> {
  const messages: ChatMessage[] = [...history, { role: 'user', text: request }];
  deps.onEntry({ kind: 'user', text: request });
  const end = beginAssistantTurn(deps.doc);
  let undoStep: unknown;
  try {
    await turnLoop(messages, deps);
  } finally {
    undoStep = end();
  }
  return { messages, undoStep };
}

/** The model calls and tool runs of one turn, appended to `messages`. */
async function turnLoop(messages: ChatMessage[], deps: TurnDeps): Promise<void> {
  for (let round = 0; round < (deps.maxRounds ?? MAX_ROUNDS); round++) {
    if (deps.signal?.aborted) {
      deps.onEntry({ kind: 'note', text: 'Stopped.' });
      return;
    }
    let reply: ModelReply;
    try {
      reply = await deps.complete(messages, deps.signal);
    } catch (e) {
      if (deps.signal?.aborted) deps.onEntry({ kind: 'note', text: 'Stopped.' });
      else
        deps.onEntry({
          kind: 'error',
          error:
            e instanceof AssistantCallError
              ? e.view
              : {
                  code: 'ASSISTANT_STUDIO_UNREACHABLE',
                  message: (e as Error)?.message ?? String(e),
                  hint: 'check that the studio is running, then send again',
                },
        });
      return;
    }
    messages.push({ role: 'assistant', text: reply.text, toolCalls: reply.toolCalls });
    if (reply.text?.trim()) deps.onEntry({ kind: 'assistant', text: reply.text.trim() });
    if (reply.toolCalls.length === 0) return;
    const results: ToolResultMessage[] = [];
    for (const call of reply.toolCalls) {
      // Once stopped, the remaining calls are answered without running, so the next request is valid.
      const outcome: ToolOutcome = deps.signal?.aborted
        ? { call, ok: false, content: '{"error":"stopped by the member"}', effect: 'not run: stopped' }
        : await executeTool(deps.doc, call, deps.host);
      deps.onEntry({ kind: 'tool', outcome });
      results.push({ id: call.id, name: call.name, content: outcome.content, isError: !outcome.ok });
    }
    messages.push({ role: 'tool', results });
  }
  deps.onEntry({
    kind: 'note',
    text: `Stopped after ${deps.maxRounds ?? MAX_ROUNDS} model calls in one turn; ask again to go on.`,
  });
}
