// The bench's policy server, in its own process (a policy server runs elsewhere in production, so
// its CPU should not be billed to the harness): tool calls for frozen-lake after --delay-ms.
import { startLlmServer } from '@palestra/overseer/testing';

const i = process.argv.indexOf('--delay-ms');
const delayMs = i > 0 ? Number(process.argv[i + 1]) : 0;
const DIRS = ['left', 'down', 'right', 'up'];
let k = 0;
const server = await startLlmServer({
  script: () => ({
    toolCalls: [{ name: 'move', arguments: { direction: DIRS[k++ % 4]! } }],
    ...(delayMs ? { delayMs } : {}),
  }),
});
process.stdout.write(`${server.url}\n`);
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
