import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';

function integer(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new InvalidArgumentError(`${flag} must be an integer from ${min} to ${max}`);
    return n;
  };
}

function seconds(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('--idle-timeout must be a number of seconds ≥ 0');
  return n;
}

/** The flags of `palestra serve`, checked as a whole (commander's parsers checked each value). */
export const serveFlags = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1),
  maxSessions: z.number().int().min(1),
  idleTimeout: z.number().min(0),
  invalidActions: z.enum(['reject', 'penalize']),
});
export type ServeFlags = z.output<typeof serveFlags>;

/**
 * Adds `palestra serve <env>`: the environment over HTTP and WebSocket with OpenEnv's protocol.
 *
 * @example
 * registerServeCommand(program); // palestra serve refund-desk --port 8000 --max-sessions 16
 */
export function registerServeCommand(program: Command): Command {
  return program
    .command('serve')
    .description(
      "serve an environment over HTTP + WebSocket with OpenEnv's protocol, so OpenEnv clients and TRL can train on it",
    )
    .argument('<env>', 'catalog name or folder with spec.json')
    .option('--port <port>', 'TCP port to listen on (0 picks a free one)', integer('--port', 0, 65535), 8000)
    .option(
      '--host <host>',
      'address to listen on; the default only accepts connections from this machine (use 0.0.0.0 to open it to the network)',
      '127.0.0.1',
    )
    .option(
      '--max-sessions <n>',
      'WebSocket sessions at once, each with its own environment; further connections get CAPACITY_REACHED (TRL needs one per generation in a batch)',
      integer('--max-sessions', 1),
      8,
    )
    .option(
      '--idle-timeout <seconds>',
      'close a session that sent no message for this long, freeing its slot (0: never); an hour by default, since a slow trainer can pause that long mid-episode',
      seconds,
      3600,
    )
    .option(
      '--invalid-actions <mode>',
      'reject: an action outside the schema gets 422 / VALIDATION_ERROR and no step (as OpenEnv); penalize: it is played as a penalised step, as in `palestra run`',
      (v: string) => {
        if (v !== 'reject' && v !== 'penalize')
          throw new InvalidArgumentError('--invalid-actions is reject or penalize');
        return v;
      },
      'reject',
    )
    .addHelpText(
      'after',
      `
Endpoints (OpenEnv's protocol):
  GET  /health  /metadata  /schema  /state
  POST /reset {"seed": 1, "task_id": "..."}     a fresh episode's first observation
  POST /step  {"action": {...}, "seed": 1}       the action as the first step of a fresh episode
  WS   /ws    one episode per connection: {"type": "reset", "data": {...}}, {"type": "step", "data": action},
              {"type": "state"}, {"type": "mcp", "data": json-rpc}, {"type": "close"}
  POST /mcp   JSON-RPC tools/list and tools/call; openenv/session/create|close for a persistent
              session (params.session_id), as OpenEnv's MCPToolClient uses in production mode

Actions: {"tool": "echo", "arguments": {"word": "apple"}} calls a tool; {"text": "..."} is a plain reply.
A reset without a seed takes the next one of a server-wide counter (0, 1, 2, …); every observation
after reset says its seed, so the episode can be replayed.

Examples:
  palestra serve echo-target
  palestra serve refund-desk --port 8001 --max-sessions 32 --idle-timeout 120
  curl -s localhost:8000/health

  # Python, with OpenEnv installed (pip install openenv-core; checked with 0.3.0):
  #   from openenv.core import GenericEnvClient
  #   with GenericEnvClient(base_url="http://localhost:8000").sync() as env:
  #       r = env.reset(seed=1); r = env.step({"tool": "echo", "arguments": {"word": "apple"}})`,
    )
    .action(async (name: string, raw: unknown) => {
      const { serveAction } = await import('./serveAction.ts');
      await serveAction(name, raw);
    });
}
