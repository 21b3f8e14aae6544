import { createInterface, type Interface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { type Action, PalestraError, type ToolSpec } from '@palestra/envs';
import type { Agent, TurnInput, TurnResult } from './agent.ts';

export interface HumanAgentOptions {
  /** Where lines are read from. Default: the terminal (stdin). */
  input?: Readable;
  /** Where the observation, tools and prompts go. Default: stdout. */
  output?: Writable;
}

/** A human agent can be closed, to let go of the terminal when the run ends. */
export interface HumanAgent extends Agent {
  close(): void;
}

const HELP =
  'Type a tool (its number or name) and its JSON arguments, e.g. 1 {"orderId": "A-1042"};\n' +
  'any other line is a text reply. "?" shows the tools again.';

/**
 * A person playing the environment in the terminal: each turn shows the observation and the
 * numbered tools, then reads one line. A line whose first word is a tool's number or name is a
 * call of that tool with the rest of the line as JSON arguments (none → `{}`); arguments that are
 * not a JSON object are refused on the spot and the line is asked again, since a person can retype.
 * Any other line is a text reply. One action per turn; no turn record (there is no model).
 *
 * @example
 * await runEpisodes(loadCatalog('refund-desk'), humanAgent(), { episodes: 1, seed: 1, out: 'runs/me' });
 */
export function humanAgent(options: HumanAgentOptions = {}): HumanAgent {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const tty = options.input === undefined && process.stdin.isTTY === true;
  let rl: Interface | undefined;
  const lines: string[] = [];
  let waiting: ((line: string | null) => void) | undefined;
  let closed = false;
  let helped = false;

  function open(): Interface {
    if (rl) return rl;
    // An input that ended before (an earlier agent read it to the end) emits no 'close' for a new
    // reader: without this a turn would wait forever, and the process would quietly exit 0.
    if (input.readableEnded || input.destroyed) closed = true;
    rl = createInterface({ input, ...(tty ? { output, terminal: true } : { terminal: false }) });
    rl.on('line', (line) => {
      const w = waiting;
      waiting = undefined;
      if (w) w(line);
      else lines.push(line);
    });
    // In a terminal, readline takes Ctrl-C as a key (the terminal is raw) and would only pause:
    // hand it to the process, so a run stops cleanly (its SIGINT handler) or the process exits.
    rl.on('SIGINT', () => process.kill(process.pid, 'SIGINT'));
    rl.on('close', () => {
      closed = true;
      const w = waiting;
      waiting = undefined;
      w?.(null);
    });
    return rl;
  }

  /** The next line, or null once the input has ended. */
  function nextLine(signal: AbortSignal | undefined): Promise<string | null> {
    const reader = open();
    if (lines.length > 0) return Promise.resolve(lines.shift()!);
    if (closed) return Promise.resolve(null);
    reader.resume();
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        waiting = undefined;
        reader.pause();
        reject(new PalestraError('HUMAN_ABORTED', 'the turn was cancelled while waiting for input'));
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      waiting = (line) => {
        signal?.removeEventListener('abort', onAbort);
        // Paused between turns, so an idle prompt does not keep the process alive.
        reader.pause();
        resolve(line);
      };
    });
  }

  const write = (text: string) => output.write(text);

  return {
    id: 'human',
    startEpisode(index, seed) {
      write(`\n=== Episode ${index} (seed ${seed}) ===\n`);
    },
    async turn(turn: TurnInput): Promise<TurnResult> {
      write(`\n--- Step ${turn.step} ---\n${turn.observation.text}\n\nTools:\n${formatTools(turn.tools)}\n`);
      if (!helped) {
        write(`${HELP}\n`);
        helped = true;
      }
      for (;;) {
        write('> ');
        const line = await nextLine(turn.signal);
        // A terminal echoes what is typed; piped input is echoed here so the transcript reads right.
        if (line !== null && !tty) write(`${line}\n`);
        if (line === null) {
          write('\n');
          // Permanent: asking again reads the same end of input.
          throw new PalestraError('HUMAN_INPUT_CLOSED', 'the input ended before an action was given', {
            details: { step: turn.step, episode: turn.episodeIndex, permanent: true },
            hint: 'play in a terminal, or pipe one line per turn into palestra run --agent human',
          });
        }
        const parsed = parseLine(line.trim(), turn.tools);
        if (parsed.kind === 'retry') {
          if (parsed.message) write(`${parsed.message}\n`);
          else write(`Tools:\n${formatTools(turn.tools)}\n${HELP}\n`);
          continue;
        }
        return { actions: [parsed.action] };
      }
    },
    close() {
      rl?.close();
    },
  };
}

/** `  1. lookup_order(orderId: string*) — Find an order by id` (`*` marks a required argument). */
export function formatTools(tools: ToolSpec[]): string {
  return tools
    .map((t, i) => {
      const props = (t.parameters.properties ?? {}) as Record<string, { type?: unknown; enum?: unknown[] }>;
      const required = new Set((t.parameters.required as string[] | undefined) ?? []);
      const args = Object.entries(props)
        .map(([name, s]) => {
          const type = Array.isArray(s.enum)
            ? s.enum.map((v) => JSON.stringify(v)).join('|')
            : String(s.type ?? 'any');
          return `${name}${required.has(name) ? '*' : ''}: ${type}`;
        })
        .join(', ');
      return `  ${i + 1}. ${t.name}(${args}) — ${t.description}`;
    })
    .join('\n');
}

type Parsed = { kind: 'action'; action: Action } | { kind: 'retry'; message?: string };

/** One typed line → an action, or why to ask again. */
export function parseLine(line: string, tools: ToolSpec[]): Parsed {
  if (line === '') return { kind: 'retry', message: 'Type an action (or "?" for help).' };
  if (line === '?') return { kind: 'retry' };
  const m = /^(\S+?)(?=\s|\{|$)\s*(.*)$/s.exec(line);
  const head = m?.[1] ?? '';
  const rest = (m?.[2] ?? '').trim();
  const byNumber = /^\d+$/.test(head) ? tools[Number(head) - 1] : undefined;
  const tool = byNumber ?? tools.find((t) => t.name === head);
  if (!tool) return { kind: 'action', action: { text: line } };
  if (rest === '') return { kind: 'action', action: { tool: tool.name, arguments: {} } };
  let args: unknown;
  try {
    args = JSON.parse(rest);
  } catch (e) {
    return {
      kind: 'retry',
      message: `The arguments are not JSON (${(e as Error).message}); type the line again.`,
    };
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    return {
      kind: 'retry',
      message: 'The arguments must be a JSON object like {"name": "value"}; type the line again.',
    };
  return { kind: 'action', action: { tool: tool.name, arguments: args as Record<string, unknown> } };
}
