import { serve } from '../jobs/serve.ts';
import { parseFlags } from './flags.ts';
import { serveFlags } from './serve.ts';

/**
 * `palestra serve <env>`: the serve job, its address, and the server kept up until SIGINT (Ctrl-C)
 * or SIGTERM, which close it, its sessions and their environments; then the command ends, exit 0.
 */
export async function serveAction(name: string, raw: unknown): Promise<void> {
  const flags = parseFlags(serveFlags, raw, 'serve');
  const controller = new AbortController();
  const server = await serve(
    {
      env: name,
      port: flags.port,
      host: flags.host,
      maxSessions: flags.maxSessions,
      idleTimeoutS: flags.idleTimeout,
      invalidActions: flags.invalidActions,
    },
    { signal: controller.signal },
  );
  // With --port 0 the system picked the port: server.url carries the real one.
  console.log(
    `serving ${server.env} on ${server.url} (WebSocket ${server.wsUrl})${flags.port === 0 ? ' · port picked by --port 0' : ''}`,
  );
  console.log(
    `  up to ${flags.maxSessions} sessions · idle timeout ${flags.idleTimeout ? `${flags.idleTimeout} s` : 'none'} · invalid actions: ${flags.invalidActions} · Ctrl-C stops`,
  );
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await server.closed;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
