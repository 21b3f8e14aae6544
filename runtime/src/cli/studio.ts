import { spawn } from 'node:child_process';
import { type Command, InvalidArgumentError } from 'commander';
import { z } from 'zod';
import { parseFlags } from './flags.ts';

/** The flags of `palestra studio`, checked as a whole (commander's parser checked the port). */
export const studioFlags = z.object({
  port: z.number().int().min(0).max(65535),
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
  return program
    .command('studio')
    .description(
      'serve the web studio (environments, the statechart canvas, the simulator) on this machine; builds it first if needed',
    )
    .option('--port <port>', 'TCP port to listen on (0 picks a free one)', port, 5199)
    .option('--open', 'open the studio in the browser (when this machine has a display)')
    .addHelpText(
      'after',
      `
The studio keeps its data under .palestra/studio/ and records itself in .palestra/studio/server.json;
a second studio in the same folder is refused and names the first one's address. Ctrl-C stops it.

Examples:
  palestra studio
  palestra studio --port 0 --open`,
    )
    .action(async (raw: unknown) => {
      await studioAction(parseFlags(studioFlags, raw, 'studio'));
    });
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
  const studio = await startStudio({ port: flags.port, warm: true });
  console.log(`Palestra Studio on ${studio.url} · Ctrl-C stops it`);
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
