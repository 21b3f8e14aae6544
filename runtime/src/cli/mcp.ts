import { type Command, InvalidArgumentError } from 'commander';

/**
 * Adds `palestra mcp <env>`: the environment as an MCP server on stdio, for MCP clients (Claude
 * Desktop, the MCP inspector, agent frameworks) to play it.
 *
 * @example
 * registerMcpCommand(program); // palestra mcp refund-desk
 */
export function registerMcpCommand(program: Command): Command {
  return program
    .command('mcp')
    .description('serve an environment to an MCP client over stdio: its tools, plus reset and state')
    .argument('<env>', 'catalog name or folder with spec.json')
    .option(
      '--first-seed <n>',
      'seed of the first reset that names none (then +1 each time)',
      (v: string) => {
        const n = Number(v);
        if (!Number.isSafeInteger(n) || n < 0)
          throw new InvalidArgumentError('--first-seed must be an integer ≥ 0');
        return n;
      },
      0,
    )
    .addHelpText(
      'after',
      `
The client starts this command and talks to it on stdin/stdout (stdout carries only the protocol).
Tools: one per environment tool (same name, description and JSON Schema), plus
  reset {seed?, taskId?}   start an episode: call it first, and again after one ends
  state                    episode id, seed, task, step count, status, return so far
Each tool call is one step: the result's text is the observation; its structured content has
reward, done, terminated, truncated and reward_micros (exact). After the episode ends, tool calls
answer with an error that says to call reset.

Examples:
  palestra mcp echo-target
  npx @modelcontextprotocol/inspector npx palestra mcp refund-desk
  # Claude Desktop (claude_desktop_config.json):
  #   "mcpServers": { "refund-desk": { "command": "npx", "args": ["palestra", "mcp", "refund-desk"] } }`,
    )
    .action(async (name: string, flags: { firstSeed: number }) => {
      // The MCP SDK loads only when the server starts, not for every `palestra` command.
      const [{ runMcpStdio }, { jobSource }] = await Promise.all([
        import('../mcp/stdio.ts'),
        import('../jobs/env.ts'),
      ]);
      await runMcpStdio(await jobSource(name), { firstSeed: flags.firstSeed });
    });
}
