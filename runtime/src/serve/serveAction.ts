import { loadCatalog } from '@palestra/envs/catalog';
import type { ServeFlags } from './command.ts';
import { listenError } from './listenError.ts';
import { type EnvServer, startServer } from './server.ts';

/** `palestra serve <env>`: starts the OpenEnv server and keeps it up until SIGINT or SIGTERM. */
export async function serveAction(name: string, flags: ServeFlags): Promise<void> {
  const source = loadCatalog(name);
  const { spec } = source;
  let server: EnvServer;
  try {
    server = await startServer(source, {
      port: flags.port,
      host: flags.host,
      maxSessions: flags.maxSessions,
      idleTimeoutS: flags.idleTimeout,
      invalidActions: flags.invalidActions,
    });
  } catch (e) {
    throw listenError(e, { host: flags.host, port: flags.port });
  }
  // With --port 0 the system picked the port: server.url carries the real one.
  console.log(
    `serving ${spec.name}@${spec.version} on ${server.url} (WebSocket ${server.url.replace(/^http/, 'ws')}/ws)${flags.port === 0 ? ' · port picked by --port 0' : ''}`,
  );
  console.log(
    `  up to ${flags.maxSessions} sessions · idle timeout ${flags.idleTimeout ? `${flags.idleTimeout} s` : 'none'} · invalid actions: ${flags.invalidActions} · Ctrl-C stops`,
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
