/**
 * Starts and stops anvil (the binary shipped by the `@foundry-rs/anvil` npm package) on a free loopback
 * port, and waits until its JSON-RPC answers. No sleeps: readiness is polled.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { ContractsError } from './errors.ts';

const require = createRequire(import.meta.url);

/** The native anvil binary from the platform package that `@foundry-rs/anvil` installs. */
export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platform = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    const dir = dirname(require.resolve(`${platform}/package.json`));
    return join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil');
  } catch (cause) {
    throw new ContractsError('ANVIL_MISSING', `anvil's binary package ${platform} is not installed`, {
      cause,
      hint: 'run `npm ci` at the repository root (optional dependencies must not be omitted)',
    });
  }
}

/** A free TCP port on 127.0.0.1: listen on port 0, read the port the OS chose, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Resolve once `rpcUrl` answers `eth_chainId`, polling every few milliseconds; throw after `timeoutMs`. */
export async function waitForRpc(
  rpcUrl: string,
  timeoutMs = 15_000,
  isAlive: () => boolean = () => true,
): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    if (!isAlive()) break;
    try {
      const res = await fetch(rpcUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      const body = (await res.json()) as { result?: string };
      if (body.result) return Number.parseInt(body.result, 16);
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new ContractsError('RPC_UNREACHABLE', `no JSON-RPC answer from ${rpcUrl}`, {
    cause: lastError,
    details: { rpcUrl, timeoutMs },
    hint: 'check that anvil started (see its log) and that nothing else holds the port',
  });
}

export interface AnvilOptions {
  /** Loopback port; a free one is picked when omitted. */
  port?: number;
  chainId?: number;
  /** Load state from this file at start and write it back on exit (anvil `--state`). */
  stateFile?: string;
  /** Also write the state every this many seconds while running (anvil `--state-interval`). */
  stateIntervalSeconds?: number;
  /** Outlive this process (for `palestra chain up`): detached, output appended to `logFile`. */
  detached?: boolean;
  logFile?: string;
  /** Extra anvil flags. */
  args?: string[];
}

export interface AnvilInstance {
  rpcUrl: string;
  port: number;
  pid: number;
  chainId: number;
  /** Stop anvil and wait for it to exit (it writes its state file on the way out). */
  stop(): Promise<void>;
}

/**
 * Start anvil on 127.0.0.1 and wait until it answers.
 *
 * @example
 * const anvil = await startAnvil();
 * try { … createPublicClient({ transport: http(anvil.rpcUrl) }) … } finally { await anvil.stop() }
 */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilInstance> {
  const port = options.port ?? (await freePort());
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--chain-id',
    String(options.chainId ?? 31337),
  ];
  if (options.stateFile) args.push('--state', options.stateFile);
  if (options.stateIntervalSeconds) args.push('--state-interval', String(options.stateIntervalSeconds));
  args.push(...(options.args ?? []));

  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const child: ChildProcess = spawn(anvilBinary(), args, {
    stdio: ['ignore', out, out],
    detached: options.detached ?? false,
  });
  // The child holds its own copy of the log file descriptor.
  if (typeof out === 'number') closeSync(out);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
  });
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (cause) =>
      reject(new ContractsError('ANVIL_SPAWN_FAILED', `could not start anvil: ${cause.message}`, { cause })),
    ),
  );
  if (options.detached) child.unref();
  const rpcUrl = `http://127.0.0.1:${port}`;
  try {
    const chainId = await Promise.race([waitForRpc(rpcUrl, 15_000, () => !exited), spawnError]);
    const pid = child.pid!;
    return {
      rpcUrl,
      port,
      pid,
      chainId,
      async stop() {
        if (exited) return;
        child.kill('SIGTERM');
        await exit;
      },
    };
  } catch (e) {
    if (!exited) child.kill('SIGKILL');
    if (exited && e instanceof ContractsError && e.code === 'RPC_UNREACHABLE') {
      throw new ContractsError('ANVIL_EXITED', `anvil exited before answering on ${rpcUrl}`, {
        details: { args, logFile: options.logFile },
        hint: options.logFile
          ? `read ${options.logFile}`
          : 'run anvil by hand with the same flags to see why',
      });
    }
    throw e;
  }
}

/** Whether a process with this id exists (signal 0 probes without signalling). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Send SIGTERM to `pid` and poll until it is gone; SIGKILL after `timeoutMs`. */
export async function stopProcess(pid: number, timeoutMs = 10_000): Promise<void> {
  if (!processAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = performance.now() + timeoutMs;
  while (processAlive(pid)) {
    if (performance.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
