/**
 * Telling a running studio about a run folder a CLI command just wrote: the studio records itself in
 * `.palestra/studio/server.json` ({ pid, port, token }), and accepts `POST /api/runs` with the
 * folder over loopback. Best effort by design: a studio that is not running, or does not answer
 * within a second, indexes the folder on its next start anyway, so the command never fails here.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { processAlive } from '../process/alive.ts';
import { paint } from './args.ts';

/** What server.json holds; anything else reads as no studio. */
const serverInfo = z.object({
  pid: z.number().int().positive(),
  port: z.number().int().min(1).max(65535),
  token: z.string().min(1),
});

/** Options of `registerRunWithStudio`. */
export interface StudioLinkOptions {
  /** The folder whose `.palestra/studio/server.json` names the studio. Default: the working directory. */
  cwd?: string;
  /** How long to wait for the studio's answer, in ms. Default 1000. */
  timeoutMs?: number;
}

/** What registering did: `registered`, or why not (`running: false` when no studio runs). */
export type StudioLinkResult =
  | { registered: true; folder: string }
  | { registered: false; running: boolean; reason: string };

/**
 * Registers `folder` with the studio running for `cwd`, if one runs. Never throws: a failure is
 * the returned reason.
 *
 * @example
 * const r = await registerRunWithStudio('.palestra/runs/rollout');
 * if (!r.registered && r.running) console.error(r.reason);
 */
export async function registerRunWithStudio(
  folder: string,
  options: StudioLinkOptions = {},
): Promise<StudioLinkResult> {
  const cwd = resolve(options.cwd ?? process.cwd());
  const file = join(cwd, '.palestra', 'studio', 'server.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { registered: false, running: false, reason: 'not running' };
  }
  const parsed = serverInfo.safeParse(raw);
  if (!parsed.success || !processAlive(parsed.data.pid))
    return { registered: false, running: false, reason: 'not running' };
  const { port, token } = parsed.data;
  try {
    const res = await fetch(`http://127.0.0.1:${port}/api/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ folder: resolve(cwd, folder) }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 1000),
    });
    const body = (await res.json().catch(() => ({}))) as { folder?: unknown; message?: unknown };
    if (res.ok) return { registered: true, folder: String(body.folder ?? folder) };
    return {
      registered: false,
      running: true,
      reason: `the studio refused it (${res.status}${typeof body.message === 'string' ? `: ${body.message}` : ''})`,
    };
  } catch (e) {
    const timedOut = e instanceof Error && e.name === 'TimeoutError';
    return {
      registered: false,
      running: true,
      reason: timedOut
        ? 'the studio did not answer within a second'
        : `the studio did not answer (${String(e)})`,
    };
  }
}

/**
 * What a command calls after writing a run folder: registers it, and when a running studio did not
 * take it, one dim line on stderr says so (nothing when no studio runs).
 *
 * @example
 * await announceRun(flags.out);
 */
export async function announceRun(folder: string, options: StudioLinkOptions = {}): Promise<void> {
  const result = await registerRunWithStudio(folder, options);
  if (!result.registered && result.running)
    process.stderr.write(
      `${paint('dim', `studio: ${folder} not listed yet: ${result.reason}; the studio indexes it on its next start`)}\n`,
    );
}
