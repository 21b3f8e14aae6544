import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { EnvSource } from '@palestra/envs';
import { EnvSession } from '../serve/session.ts';
import { wireJson } from '../serve/wireJson.ts';
import { createMcpServer, type McpServerOptions } from './mcpServer.ts';

/**
 * The SDK's stdio transport, writing each message as OpenEnv's wire does (`wireJson`): a reward is
 * a float (`1.0`), as Python clients expect, where `JSON.stringify` would print `1`.
 */
class FloatRewardStdioTransport extends StdioServerTransport {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    super(process.stdin, out as typeof process.stdout);
  }

  override send(message: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.out.write(`${wireJson(message)}\n`)) resolve();
      else this.out.once('drain', resolve);
    });
  }
}

/**
 * Serves an environment to an MCP client over stdin/stdout until the client disconnects. Stdout
 * carries the protocol only; anything for people goes to stderr.
 *
 * @example
 * await runMcpStdio(loadCatalog('echo-target'));
 */
export async function runMcpStdio(source: EnvSource, options: McpServerOptions = {}): Promise<void> {
  const session = await EnvSession.open(source);
  const server = createMcpServer(session, options);
  const transport = new FloatRewardStdioTransport();
  const closed = new Promise<void>((resolve) => {
    server.server.onclose = () => resolve();
  });
  await server.connect(transport);
  process.stderr.write(`palestra mcp: ${source.spec.name}@${source.spec.version} on stdio\n`);
  // Stdin ending (the client went away) ends the session too.
  process.stdin.once('end', () => void server.close());
  await closed;
  session.close();
}
