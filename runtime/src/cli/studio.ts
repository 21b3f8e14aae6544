import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PalestraError } from '@palestra/envs';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { processAlive } from '../process/alive.ts';
import { parseFlags } from './flags.ts';

/** The flags of `palestra studio`, checked as a whole (commander's parser checked the port). */
export const studioFlags = z.object({
  port: z.number().int().min(0).max(65535),
  host: z.string().min(1).default('127.0.0.1'),
  open: z.boolean().default(false),
});
export type StudioFlags = z.output<typeof studioFlags>;

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('--port must be an integer from 0 to 65535 (0 picks a free one)');
  return n;
}

/**
 * Adds `palestra studio`: the web studio, built if needed and served from this process.
 *
 * @example
 * registerStudioCommand(program); // palestra studio --port 5199 --open
 */
export function registerStudioCommand(program: Command): Command {
  const studio = program
    .command('studio')
    .description(
      'serve the web studio (environments, the statechart canvas, the simulator) on this machine; builds it first if needed',
    )
    .option('--port <port>', 'TCP port to listen on (0 picks a free one)', port, 5199)
    .option(
      '--host <address>',
      'address to listen on: 127.0.0.1 serves this machine only; 0.0.0.0 lets colleagues on the network in (with invite links)',
      '127.0.0.1',
    )
    .option('--open', 'open the studio in the browser (when this machine has a display)')
    .addHelpText(
      'after',
      `
The studio keeps its data under .palestra/studio/ and records itself in .palestra/studio/server.json;
a second studio in the same folder is refused and names the first one's address. Ctrl-C stops it.

Only this machine's browsers sign in as the owner, automatically. With --host 0.0.0.0 the studio
is reachable on the network; colleagues sign in through links from palestra studio invite (over
plain HTTP: use it on a network you trust).

Examples:
  palestra studio
  palestra studio --port 0 --open
  palestra studio --host 0.0.0.0`,
    )
    .action(async (raw: unknown) => {
      await studioAction(parseFlags(studioFlags, raw, 'studio'));
    });
  studio
    .command('invite')
    .description(
      'print a link that signs a colleague in to the running studio (one person, valid seven days)',
    )
    .option(
      '--role <role>',
      'editor (edits documents) or viewer (reads them; its edits are dropped)',
      'editor',
    )
    .option('--name <name>', "the colleague's name, shown beside their cursor and in who is here")
    .option(
      '--workspace <name or id>',
      'the workspace the colleague joins (default: the default workspace); they see only its environments',
    )
    .addHelpText(
      'after',
      `
Asks the studio running for this folder (.palestra/studio/server.json) over loopback. Opening the
link creates the member and signs its browser in; a script may pass the token as ?token= instead.
A studio on 127.0.0.1 (the default) is reachable from this machine only: start it with
--host 0.0.0.0 for a link colleagues on the network can open.

Examples:
  palestra studio invite --name Ana
  palestra studio invite --role viewer
  palestra studio invite --workspace "Refund desk" --name Ana`,
    )
    .action(async (raw: unknown) => {
      const flags = parseFlags(inviteFlags, raw, 'studio invite');
      const result = await requestInvite(flags);
      // The studio's own typed refusal (an unknown workspace, with a hint listing them): its code.
      if (!result.ok && result.error)
        throw new PalestraError(result.error.code, result.error.message, { hint: result.error.hint });
      if (!result.ok) {
        console.error(`palestra studio invite: ${result.reason}`);
        process.exitCode = 1;
        return;
      }
      console.log(flags.name ? `${result.url}?name=${encodeURIComponent(flags.name)}` : result.url);
      console.error(
        `  ${result.role} of ${result.workspace?.name ?? 'the default workspace'}, for one person, valid until ${result.expiresAt}`,
      );
    });
  return studio;
}

/** The flags of `palestra studio invite`. */
export const inviteFlags = z.object({
  role: z.enum(['editor', 'viewer']).default('editor'),
  name: z.string().trim().min(1).max(40).optional(),
  workspace: z.string().trim().min(1).max(200).optional(),
});
export type InviteFlags = z.output<typeof inviteFlags>;

/** What server.json holds; anything else reads as no studio. */
const serverInfo = z.object({
  pid: z.number().int().positive(),
  port: z.number().int(),
  token: z.string().min(1),
});
const inviteAnswer = z.object({
  url: z.string(),
  role: z.enum(['editor', 'viewer']),
  expiresAt: z.string(),
  // Absent from a studio older than workspaces.
  workspace: z.object({ id: z.string(), name: z.string() }).optional(),
});
/** A refusal the studio typed (`STUDIO_WORKSPACE_NOT_FOUND`, …). */
const studioRefusal = z.object({ code: z.string(), message: z.string(), hint: z.string().optional() });

/** What `requestInvite` got: the link, or why not (with the studio's typed error when it gave one). */
export type InviteResult =
  | ({ ok: true } & z.output<typeof inviteAnswer>)
  | { ok: false; running: boolean; reason: string; error?: z.output<typeof studioRefusal> };

/**
 * Asks the studio running for `cwd` for an invite link (`POST /api/invites` with the token of its
 * server.json, as `studioLink.ts` registers runs). Never throws: a failure is the returned reason.
 *
 * @example
 * const r = await requestInvite({ role: 'viewer' });
 * if (r.ok) console.log(r.url);
 */
export async function requestInvite(
  flags: InviteFlags,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<InviteResult> {
  const file = join(resolve(options.cwd ?? process.cwd()), '.palestra', 'studio', 'server.json');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    raw = undefined;
  }
  const info = serverInfo.safeParse(raw);
  if (!info.success || !processAlive(info.data.pid))
    return {
      ok: false,
      running: false,
      reason: `no studio runs for this folder (${file}): start it with palestra studio`,
    };
  try {
    const res = await fetch(`http://127.0.0.1:${info.data.port}/api/invites`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${info.data.token}` },
      body: JSON.stringify({ role: flags.role, workspace: flags.workspace }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
    });
    const body = (await res.json().catch(() => ({}))) as { message?: unknown };
    const answer = inviteAnswer.safeParse(body);
    if (res.ok && answer.success) return { ok: true, ...answer.data };
    const refusal = studioRefusal.safeParse(body);
    return {
      ok: false,
      running: true,
      reason: `the studio refused (${res.status}${typeof body.message === 'string' ? `: ${body.message}` : ''})`,
      ...(refusal.success && refusal.data.code !== 'STUDIO_BAD_REQUEST' && { error: refusal.data }),
    };
  } catch (e) {
    return { ok: false, running: true, reason: `the studio did not answer (${String(e)})` };
  }
}

/** True when a browser window can be shown: always on macOS and Windows, with a display elsewhere. */
function hasDisplay(): boolean {
  if (process.platform === 'darwin' || process.platform === 'win32') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** Asks the desktop to open `url`; a missing opener is not an error, the URL is printed anyway. */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args, { stdio: 'ignore', detached: true });
  child.on('error', () => {});
  child.unref();
}

/**
 * `palestra studio`: starts the studio (the studio package is loaded only here, so no other
 * command pays for it), prints its address, and serves until SIGINT (Ctrl-C) or SIGTERM.
 */
export async function studioAction(flags: StudioFlags): Promise<void> {
  const { startStudio } = await import('@palestra/studio/server');
  const studio = await startStudio({ port: flags.port, host: flags.host, warm: true });
  console.log(`Palestra Studio on ${studio.url} · Ctrl-C stops it`);
  if (studio.shareUrl !== studio.url)
    console.log(`  colleagues on the network: ${studio.shareUrl} (they sign in with palestra studio invite)`);
  if (flags.open) {
    if (hasDisplay()) openBrowser(studio.url);
    else console.log('  no display here: open the address above in a browser');
  }
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      studio.close().then(done, done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
