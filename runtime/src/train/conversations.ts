import type { Action, Episode, EpisodeStep, ToolSpec } from '@palestra/envs';
import {
  type OpenAiTool,
  observationText,
  openaiTools,
  systemPrompt,
  toolResultTexts,
} from '../agents/messages.ts';
import { parseTurnRecord } from '../agents/turnRecord.ts';

/** An OpenAI-format chat message, as `/train` with `algo: 'sft'` takes it (the server renders it with the model's chat template). */
export type SftMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string | null;
      tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
    }
  | { role: 'tool'; tool_call_id: string; content: string };

/** One recorded episode as a chat to imitate. */
export interface SftConversation {
  messages: SftMessage[];
  tools: OpenAiTool[];
}

/** An agent turn of a recorded episode: what was said, and the steps it caused. */
interface RecordedTurn {
  text: string | null;
  calls: { name: string; arguments: string }[];
  steps: EpisodeStep[];
}

function callOf(action: Action): { name: string; arguments: string } | undefined {
  if (!('tool' in action)) return undefined;
  const args = action.arguments as unknown;
  return { name: action.tool, arguments: typeof args === 'string' ? args : JSON.stringify(args ?? {}) };
}

/**
 * The turns of an episode. With turn records (a model played it) a turn is the record and every step
 * until the next record (several tool calls → several steps); without (a scripted agent), each step
 * is a turn of one action.
 */
function turnsOf(episode: Episode): RecordedTurn[] {
  const turns: RecordedTurn[] = [];
  for (const [k, step] of episode.steps.entries()) {
    // Read with its schema, never cast: a malformed record fails here with its JSON path.
    const record =
      step.turn === undefined || step.turn === null
        ? undefined
        : parseTurnRecord(step.turn, { path: ['steps', k, 'turn'] });
    if (record) {
      turns.push({
        text: record.completion.text,
        calls: record.completion.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })),
        steps: [step],
      });
    } else if (
      record === undefined &&
      turns.length > 0 &&
      turns.at(-1)!.calls.length > turns.at(-1)!.steps.length
    ) {
      turns.at(-1)!.steps.push(step);
    } else {
      const call = callOf(step.action);
      turns.push({
        text: call ? null : 'text' in step.action ? step.action.text : null,
        calls: call ? [call] : [],
        steps: [step],
      });
    }
  }
  return turns;
}

/**
 * A recorded episode → the chat the `openai` agent would have had while playing it (the same
 * system prompt, observation and tool-result texts from `agents/messages.ts`), so behaviour cloned
 * with SFT is the behaviour the agent then shows in rollouts: the system prompt with the task's
 * instructions, the first observation as a user message, each turn's assistant message (text and
 * tool calls), then tool results (or a user message after a text reply) carrying the next
 * observation. The conversation ends with the last assistant message: nothing after it is trained.
 *
 * @example
 * const chat = episodeConversation(readEpisode('runs/warm/episode-000000.jsonl'), spec.tools);
 */
export function episodeConversation(episode: Episode, tools: ToolSpec[]): SftConversation {
  const messages: SftMessage[] = [
    { role: 'system', content: systemPrompt(episode.header.info) },
    { role: 'user', content: observationText(episode.header.observation) },
  ];
  const turns = turnsOf(episode);
  for (const [k, turn] of turns.entries()) {
    // The ids the openai agent gives calls that come without one: `call_<steps so far>_<i>`.
    const ids = turn.calls.map((_, i) => `call_${turn.steps[0]!.i - 1}_${i}`);
    messages.push({
      role: 'assistant',
      content: turn.text,
      ...(turn.calls.length > 0
        ? {
            tool_calls: turn.calls.map((c, i) => ({
              id: ids[i]!,
              type: 'function' as const,
              function: { name: c.name, arguments: c.arguments },
            })),
          }
        : {}),
    });
    if (k === turns.length - 1) break;
    const observation = turn.steps.at(-1)!.observation;
    if (turn.calls.length === 0) messages.push({ role: 'user', content: observationText(observation) });
    else {
      const texts = toolResultTexts(turn.calls.length, observation);
      for (const [i, id] of ids.entries())
        messages.push({ role: 'tool', tool_call_id: id, content: texts[i]! });
    }
  }
  return { messages, tools: openaiTools(tools) };
}
