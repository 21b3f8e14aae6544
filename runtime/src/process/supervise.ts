/**
 * Runs a long-lived child process (the trainer, a server) so that it never outlives us: it starts
 * under a small watchdog shell that kills it when our end of the shell's stdin closes, which the
 * kernel does for us when this process dies in any way, SIGKILL included. The child may hold
 * gigabytes of GPU memory or a port; an orphan would keep them.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { constants } from 'node:os';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { type ExitStatus, ProcessExitedError, ProcessFailedToStartError } from './processError.ts';

export type { ExitStatus } from './processError.ts';

export interface SuperviseOptions<R> {
  /** The child's environment. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** The child's working folder. Default: this process's. */
  cwd?: string;
  /**
   * Reads each stdout line until the child is ready: a falsy answer keeps waiting; any other
   * (`true`, `{ port }`, the URL it printed) means ready and becomes `Supervised.ready`.
   * Omitted: the child is ready as soon as it runs.
   */
  ready?: (line: string) => R | false | null | undefined;
  /** How long the child may take to print its ready line before it is killed. Default 60 000 ms. */
  readyTimeoutMs?: number;
  /** Every stderr line, as it comes (the last ones are also kept for `stderrTail()` and errors). */
  onStderr?: (line: string) => void;
  /** Every stdout line, the ready line included. Stdout is drained either way. */
  onStdout?: (line: string) => void;
  /** How long `stop()` (and the watchdog, when we died) waits after SIGTERM before SIGKILL. Default 10 000 ms. */
  stopGraceMs?: number;
  /** Aborting while starting kills the child and rejects with the signal's reason; later, it stops the child. */
  signal?: AbortSignal;
  /** What the child is, for messages ("the trainer"). Default: the command's file name. */
  name?: string;
}

export interface Supervised<R = true> {
  /** The child's own pid (not the watchdog shell's). */
  pid: number;
  /** What `ready` answered for the ready line (`true` when no `ready` was given). */
  ready: R;
  /** The child's last stderr lines (40 by default, up to 200). */
  stderrTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves once the child is gone. Idempotent. */
  stop(): Promise<ExitStatus>;
  /** Resolves when the child has exited, for whatever reason, and its stderr has been read. */
  exited: Promise<ExitStatus>;
}

const KEPT_STDERR_LINES = 200;

/**
 * The watchdog. `$0 "$@"` is the child; fd 3 is a pipe on which the shell sends us the child's pid;
 * stdin is the lifeline. A background reader waits for the lifeline to close (we stopped it or
 * died), then sends SIGTERM, and SIGKILL after the grace period if the child is still there.
 * The shell waits for the child and exits with its status.
 *
 * Why each redirection: background jobs of a non-interactive shell get /dev/null as stdin, so the
 * lifeline is kept on fd 5 for the reader. The shell's own stderr goes to /dev/null (fd 4 keeps
 * the real one for the child): a shell whose child ends by SIGTERM prints "Terminated", which
 * reads as a failure on a normal stop. The reader closes stdout and stderr so that our pipes end
 * when the child does, not when the reader does. A background job ignores Ctrl-C's SIGINT (POSIX),
 * and the shell is told to as well: whether a Ctrl-C stops the child is ours to decide (stop(),
 * or our own death closing the lifeline), so a Node process with a SIGINT handler can shut down
 * in order.
 */
function watchdog(graceMs: number): string {
  const graceS = Math.max(0, Math.ceil(graceMs / 1000));
  return [
    "trap '' INT QUIT",
    'exec 5<&0 4>&2 2>/dev/null',
    '"$0" "$@" </dev/null 2>&4 3>&- 4>&- 5<&- & child=$!',
    'echo $child >&3',
    'exec 3>&-',
    `(read _ <&5; kill $child; n=0; while kill -0 $child && [ $n -lt ${graceS} ]; do sleep 1; n=$((n+1)); done; kill -9 $child) </dev/null >/dev/null 2>&1 4>&- &`,
    'exec 5<&-',
    'wait $child',
  ].join('\n');
}

/** Signal numbers to names, to read a shell's `128 + n` exit status. */
const SIGNAL_NAMES = new Map(
  Object.entries(constants.signals).map(([name, n]) => [n, name as NodeJS.Signals]),
);

/**
 * The child's status from the watchdog's: a shell reports a child killed by signal n as code
 * 128 + n. (A child that itself exits with such a code reads as that signal: the shell cannot
 * tell them apart, and neither can we.)
 */
function childStatus(code: number | null, signal: NodeJS.Signals | null): ExitStatus {
  if (signal !== null || code === null || code <= 128) return { code, signal };
  const name = SIGNAL_NAMES.get(code - 128);
  return name ? { code: null, signal: name } : { code, signal: null };
}

// One 'exit' listener for all supervised children (not one each: Node warns past ten). On a normal
// exit of this process the lifeline closes anyway; this kills at once, not after the grace period.
const killOnExit = new Set<() => void>();
let exitHooked = false;
function onProcessExit(kill: () => void): () => void {
  if (!exitHooked) {
    exitHooked = true;
    process.on('exit', () => {
      for (const k of killOnExit) k();
    });
  }
  killOnExit.add(kill);
  return () => killOnExit.delete(kill);
}

/**
 * Starts `command args` under the watchdog and resolves once it is ready (see `ready`). When it
 * rejects, the child is gone: `ProcessExitedError` (it exited while starting) and
 * `ProcessFailedToStartError` (no ready line in time, or it could not be spawned) carry its stderr
 * tail in their hint.
 *
 * @example
 * const server = await supervise('python3', ['-u', '-m', 'http.server', '8000'], {
 *   ready: (line) => line.includes('Serving HTTP') && { port: 8000 },
 * });
 * try { console.log(server.ready.port); } finally { await server.stop(); }
 */
export function supervise<R = true>(
  command: string,
  args: readonly string[],
  options: SuperviseOptions<R> = {},
): Promise<Supervised<R>> {
  const what = options.name ?? basename(command);
  const graceMs = options.stopGraceMs ?? 10_000;
  const timeoutMs = options.readyTimeoutMs ?? 60_000;
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(signal.reason);

  const child = spawn('/bin/sh', ['-c', watchdog(graceMs), command, ...args], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env ?? process.env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  // Ending the lifeline after the shell is gone may raise EPIPE: nothing is listening any more,
  // which is what ending it asks for.
  child.stdin!.on('error', () => {});
  const lifeline = () => child.stdin!.end();

  const stderr: string[] = [];
  const stderrTail = (lines = 40) => stderr.slice(-lines).join('\n');
  // readline reassembles lines that arrive split over several chunks.
  const stderrLines = createInterface({ input: child.stderr!, crlfDelay: Number.POSITIVE_INFINITY });
  stderrLines.on('line', (line) => {
    stderr.push(line);
    if (stderr.length > KEPT_STDERR_LINES) stderr.shift();
    options.onStderr?.(line);
  });
  const stderrEnded = once(stderrLines, 'close').catch(() => {});

  let pid: number | undefined;
  let status: ExitStatus | undefined;
  let escalation: NodeJS.Timeout | undefined;
  // SIGKILL to the child alone: the shell reaps it and exits with its status (killing the shell
  // first would leave the child unreaped). Without its pid yet, the shell goes, and ending the
  // lifeline when it has gone makes the reader kill the child.
  const killNow = () => {
    if (status) return;
    try {
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
      else child.kill('SIGKILL');
    } catch {
      // already gone
    }
  };
  // This process is exiting: no time to wait for anything, so both at once.
  const killAll = () => {
    killNow();
    child.kill('SIGKILL');
  };
  const terminate = () => {
    if (status) return;
    lifeline(); // the watchdog sends SIGTERM, even if it has not told us the pid yet
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    escalation ??= setTimeout(killNow, graceMs);
  };
  const unhook = onProcessExit(killAll);

  let spawnError: Error | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    const done = async (s: ExitStatus) => {
      if (status) return;
      status = s;
      clearTimeout(escalation);
      unhook();
      signal?.removeEventListener('abort', onAbort);
      lifeline(); // lets the watchdog's reader go
      // 'exit' can come before the last stderr chunks: wait for the pipe to end (bounded, in case a
      // grandchild still holds it), so that the tail and the errors show all the child said.
      // (A shell that was never spawned said nothing, and its pipes may never end.)
      if (!spawnError) {
        let bound: NodeJS.Timeout | undefined;
        await Promise.race([
          stderrEnded,
          new Promise((r) => {
            bound = setTimeout(r, 2_000);
          }),
        ]);
        clearTimeout(bound);
      }
      resolve(s);
    };
    child.once('exit', (code, sig) => void done(childStatus(code, sig)));
    child.once('error', (e) => {
      // 'error' without a pid: the shell could not be spawned (a missing cwd), and no 'exit' follows.
      if (child.pid !== undefined) return;
      spawnError = e;
      void done({ code: null, signal: null });
    });
  });

  let stopping: Promise<ExitStatus> | undefined;
  const stop = () =>
    (stopping ??= (() => {
      terminate();
      return exited;
    })());
  function onAbort() {
    void stop();
  }
  signal?.addEventListener('abort', onAbort, { once: true });

  return new Promise<Supervised<R>>((resolve, reject) => {
    let readyValue: R | undefined = options.ready ? undefined : (true as R);
    let settled = false;
    let timedOut = false;
    let readyThrew: { error: unknown } | undefined;

    const maybeReady = () => {
      if (settled || status || pid === undefined || readyValue === undefined) return;
      settled = true;
      clearTimeout(timer);
      resolve({ pid, ready: readyValue, stderrTail, stop, exited });
    };

    const pidChannel = child.stdio[3] as Readable;
    let pidText = '';
    pidChannel.setEncoding('utf8');
    pidChannel.on('data', (chunk: string) => {
      pidText += chunk;
    });
    pidChannel.on('end', () => {
      const n = Number(pidText.trim());
      if (Number.isInteger(n) && n > 0) pid = n;
      maybeReady();
    });
    pidChannel.on('error', () => {}); // a shell killed at once: 'exit' reports it

    createInterface({ input: child.stdout!, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      options.onStdout?.(line);
      if (readyValue !== undefined || !options.ready) return;
      let answer: R | false | null | undefined;
      try {
        answer = options.ready(line);
      } catch (e) {
        // A `ready` that throws ends the start: the child goes, and the error is the rejection.
        readyThrew = { error: e };
        killNow();
        return;
      }
      if (answer) {
        readyValue = answer;
        maybeReady();
      }
    });

    const timer = setTimeout(() => {
      timedOut = true;
      killNow();
    }, timeoutMs);

    void exited.then(() => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const tail = stderrTail();
      if (spawnError)
        reject(new ProcessFailedToStartError({ what, reason: 'spawn', stderrTail: tail, cause: spawnError }));
      else if (readyThrew) reject(readyThrew.error);
      else if (signal?.aborted) reject(signal.reason);
      else if (timedOut)
        reject(
          new ProcessFailedToStartError({
            what,
            reason: 'timeout',
            stderrTail: tail,
            timeoutMs,
            ...(pid === undefined ? {} : { pid }),
          }),
        );
      else
        reject(
          new ProcessExitedError({
            what,
            status: status!,
            stderrTail: tail,
            ...(pid === undefined ? {} : { pid }),
          }),
        );
    });
  });
}
