import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import type { EnvSource } from '@palestra/envs';
import { EnvSession } from '../serve/session.ts';
import { createMcpServer, type McpServerOptions } from './mcpServer.ts';

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
  const transport = new StdioServerTransport();
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
