/**
 * The benchmark's side of `server.ts`: forks it (tsx's loader, `--expose-gc`) and asks it over IPC.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Kind, Message, Pause, ProfileSummary, Request } from './server.ts';

type Op = Request['op'];

/** A collaboration server in a child process. */
export interface ServerProcess {
  kind: Kind;
  /** The base URL a `WebsocketProvider` takes (the room is appended). */
  base: string;
  /** The owner's signed session (studio), the socket's `?token=`; empty for the raw server. */
  token: string;
  /** The document it opened on start (the given environment id, or a new one). */
  room: string;
  pid: number;
  newRoom(): Promise<string>;
  memory(): Promise<{ heapUsed: number; rss: number; external: number; arrayBuffers: number }>;
  profileStart(): Promise<void>;
  profileStop(): Promise<ProfileSummary>;
  /** CPU time (user and system) this process used so far, ms. */
  cpuMs(): Promise<number>;
  /** The collections since the last call. */
  pauses(): Promise<Pause[]>;
  stop(): Promise<void>;
}

const entry = fileURLToPath(new URL('./server.ts', import.meta.url));

/**
 * Starts `kind` (`studio`, `raw-in-studio` and `collab` on the data folder `dir`; `studio` opens
 * `room` when given).
 *
 * @example
 * const raw = await startServer('raw');
 * const room = await raw.newRoom();
 * await raw.stop();
 */
export async function startServer(kind: Kind, dir = '', room = ''): Promise<ServerProcess> {
  const child: ChildProcess = fork(entry, [kind, dir, room], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    env: { ...process.env, NODE_ENV: 'production', DATABASE_URL: '' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map<number, { done: (m: Message) => void; fail: (e: Error) => void }>();
  let seq = 0;
  const ready = new Promise<Extract<Message, { ready: true }>>((done, fail) => {
    child.on('message', (m: Message) => {
      if ('ready' in m) done(m);
      else waiting.get(m.seq)?.done(m);
    });
    child.once('exit', (code, signal) => {
      const error = new Error(`the ${kind} server exited (${code ?? signal})`);
      fail(error);
      for (const { fail } of waiting.values()) fail(error);
    });
  });
  const ask = (op: Op) =>
    new Promise<Message>((done, fail) => {
      const s = ++seq;
      waiting.set(s, {
        done: (m) => {
          waiting.delete(s);
          done(m);
        },
        fail,
      });
      child.send({ seq: s, op } satisfies Request);
    });
  const { base, token, room: opened } = await ready;
  return {
    kind,
    base,
    token,
    room: opened,
    pid: child.pid!,
    newRoom: async () => ((await ask('room')) as Extract<Message, { room: string }>).room,
    memory: async () => ((await ask('memory')) as Extract<Message, { memory: unknown }>).memory,
    profileStart: async () => {
      await ask('profileStart');
    },
    profileStop: async () => ((await ask('profileStop')) as Extract<Message, { profile: unknown }>).profile,
    cpuMs: async () => ((await ask('cpu')) as Extract<Message, { cpuMs: number }>).cpuMs,
    pauses: async () => ((await ask('pauses')) as Extract<Message, { pauses: unknown }>).pauses,
    stop: async () => {
      const exited = new Promise((done) => child.once('exit', done));
      await ask('stop');
      await exited;
    },
  };
}
