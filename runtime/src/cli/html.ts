import type { Command } from 'commander';
import { z } from 'zod';

/** The flags of `palestra html`. */
export const htmlFlags = z.object({
  out: z.string().min(1).optional(),
  env: z.string().min(1).optional(),
});

/**
 * Adds `palestra html <episode>` (verify, then write one self-contained page to scrub through),
 * and `--html [file]` to `palestra replay` when that command is already on the program.
 *
 * @example
 * registerHtmlCommands(program); // after `replay` is defined: palestra replay ep.jsonl --html
 */
export function registerHtmlCommands(program: Command): void {
  program
    .command('html')
    .description(
      'replay an episode to verify it, then write it as one self-contained HTML page to scrub through',
    )
    .argument('<episode>', 'an episode .jsonl file')
    .option('--out <file>', 'the page (default: the episode file with .html)')
    .option(
      '--env <env>',
      'replay against this environment instead (folder, catalog name or bundle root); default: the one that recorded the episode, found by the bundle root in its header (the content store .palestra/store, else the unchanged catalog environment)',
    )
    .action(async (file: string, flags: unknown) => {
      const { htmlAction } = await import('./htmlAction.ts');
      await htmlAction(file, flags);
    });
  const replayCommand = program.commands.find((c) => c.name() === 'replay');
  if (replayCommand && !replayCommand.options.some((o) => o.long === '--html')) {
    replayCommand.option('--html [file]', 'also write the episode as one self-contained HTML page');
    // A folder as the page is refused before the replay runs, not after it.
    replayCommand.hook('preAction', async (cmd) => {
      const html = cmd.opts().html as string | boolean | undefined;
      if (typeof html !== 'string') return;
      const { checkReplayHtml } = await import('./htmlAction.ts');
      checkReplayHtml(cmd.args[0]!, html);
    });
    // The replay action verified the episode already; after it, write the page.
    replayCommand.hook('postAction', async (cmd) => {
      const html = cmd.opts().html as string | boolean | undefined;
      if (html === undefined || html === false) return;
      const { replayHtmlAction } = await import('./htmlAction.ts');
      replayHtmlAction(cmd.args[0]!, html);
    });
  }
}
