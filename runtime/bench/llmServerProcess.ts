// The bench's policy server, in its own process (a policy server runs elsewhere in production, so
// its CPU should not be billed to the harness): frozen-lake tool calls after --delay-ms.
// `--lean` answers from a precomputed vLLM-shaped body over bare node:http (prompt token ids sized
// from the request, as a real server returns them) instead of the test server, whose toy tokenizer
// costs more CPU per request than the harness being measured: on two cores the two share.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLlmServer } from '@palestra/testing/llm';

const i = process.argv.indexOf('--delay-ms');
const delayMs = i > 0 ? Number(process.argv[i + 1]) : 0;
const DIRS = ['left', 'down', 'right', 'up'];
let k = 0;

if (process.argv.includes('--lean')) {
  const completion = Array.from({ length: 16 }, (_, j) => 1000 + j);
  const bodies = DIRS.map((direction) => ({
    object: 'chat.completion',
    model: 'toy',
    choices: [
      {
        index: 0,
        finish_reason: 'tool_calls',
        message: {
          role: 'assistant',
          content: null,
          tool_calls: [
            {
              id: 'call_0',
              type: 'function',
              function: { name: 'move', arguments: JSON.stringify({ direction }) },
            },
          ],
        },
        logprobs: {
          content: completion.map((id) => ({
            token: `token_id:${id}`,
            logprob: -0.25,
            bytes: null,
            top_logprobs: [],
          })),
        },
        token_ids: completion,
      },
    ],
  }));
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => {
      bytes += c.length;
    });
    req.on('end', () => {
      const promptTokens = Math.ceil(bytes / 4);
      const body = JSON.stringify({
        ...bodies[k++ % 4]!,
        prompt_token_ids: Array.from({ length: promptTokens }, (_, j) => j % 50_000),
        usage: { prompt_tokens: promptTokens, completion_tokens: 16, total_tokens: promptTokens + 16 },
      });
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(body), delayMs);
    });
  });
  server.keepAliveTimeout = 120_000;
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1\n`);
  });
  process.on('SIGTERM', () => process.exit(0));
} else {
  const server = await startLlmServer({
    script: () => ({
      toolCalls: [{ name: 'move', arguments: { direction: DIRS[k++ % 4]! } }],
      ...(delayMs ? { delayMs } : {}),
    }),
  });
  process.stdout.write(`${server.url}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
