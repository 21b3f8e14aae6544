#!/usr/bin/env node
// `palestra mcp <env>` without the CLI (its wiring lives elsewhere): what the MCP tests spawn.
// Palestra's packages are TypeScript run through tsx's loader, as in runtime/bin/palestra.js.
import { register } from 'tsx/esm/api';

register();
const { loadCatalog } = await import('@palestra/envs/catalog');
const { runMcpStdio } = await import('./stdio.ts');
const name = process.argv[2];
if (!name) {
  process.stderr.write('usage: node runtime/src/mcp/launch.js <env>\n');
  process.exit(2);
}
try {
  await runMcpStdio(loadCatalog(name));
} catch (e) {
  // Stdout belongs to the protocol: the reason goes to stderr.
  process.stderr.write(`palestra mcp: ${typeof e?.explain === 'function' ? e.explain() : e}\n`);
  process.exit(1);
}
