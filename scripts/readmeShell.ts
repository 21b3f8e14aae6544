// Running README commands as a user's shell would: `sh -c`, each in its own process group, so a
// timeout or a stop ends everything a command started (npx, the CLI it launches, the workers).
import { type ChildProcess, spawn } from 'node:child_process';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const MINUTE = 60_000;

/** How a command ended, and what it printed. */
export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  seconds: number;
}

/** Runs `command` with `sh -c` in its own process group (so a timeout stops everything it started). */
export function runShell(
  command: string,
  cwd: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<Ran> {
  const t0 = performance.now();
  const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - t0) / 1000 });
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** SIGTERM to the child's process group; SIGKILL if it has not exited 10 s later. */
export async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('close', resolve));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export function tail(text: string, lines = 40): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function describe(r: Ran): string {
  return `exit ${r.code ?? r.signal} after ${r.seconds.toFixed(1)} s\n--- stdout (end)\n${tail(r.stdout)}\n--- stderr (end)\n${tail(r.stderr)}`;
}

/** Starts a long-running command; resolves with the child once a stdout line matches `ready`. */
export function startServer(command: string, cwd: string, env: NodeJS.ProcessEnv, ready: RegExp) {
  const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  const match = new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready after 60 s: ${command}\n${stdout}${stderr}`)),
      MINUTE,
    );
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c;
      const m = ready.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before it served: ${command}\n${stdout}${stderr}`));
    });
  });
  return { match, stop: () => stopGroup(child) };
}

/**
 * The MCP SDK's stdio framing over a command run with `sh -c` in its own process group (the SDK's
 * own StdioClientTransport spawns a bare executable and stops only that process, not what npx starts).
 */
export class ShellStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  stderr = '';
  private child?: ChildProcess;
  private readonly buffer = new ReadBuffer();
  constructor(
    private readonly command: string,
    private readonly cwd: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}
  async start(): Promise<void> {
    const child = spawn('sh', ['-c', this.command], { cwd: this.cwd, env: this.env, detached: true });
    this.child = child;
    child.stderr!.on('data', (c: Buffer) => (this.stderr += c));
    child.stdout!.on('data', (c: Buffer) => {
      this.buffer.append(c);
      for (let m = this.buffer.readMessage(); m; m = this.buffer.readMessage()) this.onmessage?.(m);
    });
    child.on('error', (e) => this.onerror?.(e));
    child.on('close', () => this.onclose?.());
  }
  async send(message: JSONRPCMessage): Promise<void> {
    this.child!.stdin!.write(serializeMessage(message));
  }
  async close(): Promise<void> {
    if (this.child) await stopGroup(this.child);
  }
}
