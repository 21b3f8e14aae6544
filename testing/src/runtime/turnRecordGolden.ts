import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Action, type InvalidAction, readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { openaiAgent } from '../../../runtime/src/agents/openai.ts';
import { parseTurnRecord, type TurnRecord } from '../../../runtime/src/agents/turnRecord.ts';
import { runEpisodes } from '../../../runtime/src/run/runEpisodes.ts';
import { type LlmRequest, type ScriptedReply, startLlmServer } from '../llm/index.ts';

/**
 * The golden turn-record fixture shared by rollouts and the trainer (DESIGN.md, "Turn record"):
 * one refund-desk episode played by the openai agent against the local LLM server, with token ids
 * and log-probabilities. It covers a text reply, a malformed tool call (an invalid step), a turn
 * with two tool calls (two steps) and a closing decision. Latency is the only value that varies
 * between runs, so it is written as 0.
 */
export const TURN_GOLDEN_PATH = new URL('../../../runtime/fixtures/turn-record.golden.json', import.meta.url)
  .pathname;

export interface TurnGolden {
  v: 1;
  description: string;
  env: string;
  seed: number;
  taskId: string;
  agent: string;
  /** The episode's return in micro-units. */
  return: number;
  terminated: boolean;
  truncated: boolean;
  /** Each model turn: its record and the steps it caused, in order. */
  turns: {
    record: TurnRecord;
    steps: { i: number; action: Action; reward: number; invalidAction?: InvalidAction }[];
  }[];
}

const SEED = 11;
const MODEL = 'palestra-toy@step0';

/** The model's side of the episode: it reads the order id from the ticket in the system prompt. */
function reply(request: LlmRequest): ScriptedReply {
  const system = String((request.body.messages as { content: unknown }[])[0]?.content ?? '');
  const orderId = /for order ([A-Z]-\d+)/.exec(system)?.[1] ?? 'unknown';
  switch (request.index) {
    case 0:
      return { text: 'Let me look into this ticket first.' };
    case 1:
      // Cut off mid-argument: malformed JSON the kernel must reject as an invalid step.
      return { toolCalls: [{ name: 'lookup_order', arguments: `{"orderId": "${orderId.slice(0, 3)}` }] };
    case 2:
      return {
        text: 'Telling the customer, then looking the order up.',
        toolCalls: [
          { name: 'reply', arguments: { message: 'Thanks, I am checking your order now.' } },
          { name: 'lookup_order', arguments: { orderId } },
        ],
      };
    default:
      return {
        toolCalls: [
          { name: 'escalate', arguments: { reason: 'The order total is over 500: a supervisor decides.' } },
        ],
      };
  }
}

/** Plays the golden episode and returns the fixture (latency normalised to 0). */
export async function recordTurnGolden(): Promise<TurnGolden> {
  const llm = await startLlmServer({ script: reply });
  const out = mkdtempSync(join(tmpdir(), 'palestra-turn-golden-'));
  try {
    const source = loadCatalog('refund-desk');
    const agent = openaiAgent({ model: MODEL, baseURL: llm.url, temperature: 0, maxRetries: 0 });
    const summary = await runEpisodes(source, agent, { episodes: 1, seed: SEED, out });
    const episode = readEpisode(summary.episodes[0]!.file);
    const turns: TurnGolden['turns'] = [];
    for (const [k, step] of episode.steps.entries()) {
      if (step.turn !== undefined) {
        const record = parseTurnRecord(step.turn, {
          path: ['steps', k, 'turn'],
          file: summary.episodes[0]!.file,
        });
        turns.push({ record: { ...record, latencyMs: 0 }, steps: [] });
      }
      turns.at(-1)?.steps.push({
        i: step.i,
        action: step.action,
        reward: step.reward,
        ...(step.invalidAction ? { invalidAction: step.invalidAction } : {}),
      });
    }
    return {
      v: 1,
      description:
        'One refund-desk episode (seed 11) played by openai:palestra-toy@step0 against overseer/src/testing/llmServer.ts: ' +
        'a text reply, a malformed tool call (invalid step), two tool calls in one turn, then an escalation. ' +
        'Token ids come from the toy tokenizer (overseer/src/testing/tokenizer.ts); latencyMs is normalised to 0. ' +
        'Re-record on purpose with UPDATE_GOLDEN=1 npm test -- turnRecordGolden, then npx biome format --write runtime/fixtures.',
      env: `${source.spec.name}@${source.spec.version}`,
      seed: SEED,
      taskId: episode.header.taskId,
      agent: agent.id,
      return: episode.footer!.return,
      terminated: episode.footer!.terminated,
      truncated: episode.footer!.truncated,
      turns,
    };
  } finally {
    await llm.close();
    rmSync(out, { recursive: true, force: true });
  }
}
