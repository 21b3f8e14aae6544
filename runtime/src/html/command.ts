import type { Command } from 'commander';
import { checkOutFile } from '../rollout/cliArgs.ts';

/** `runs/a/episode-000003.jsonl` → `runs/a/episode-000003.html` */
export function htmlPathFor(episodeFile: string): string {
  return episodeFile.replace(/\.jsonl$/, '') + '.html';
}

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
    .option('--env <env>', 'the environment (default: the catalog environment named in the episode)')
    .action(async (file: string, opts: { out?: string; env?: string }) => {
      if (opts.out !== undefined) checkOutFile(opts.out, '--out', htmlPathFor(file));
      const { episodeToHtml } = await import('./episodeToHtml.ts');
      const r = await episodeToHtml(file, opts);
      console.log(
        `✔ verified and written: ${r.path}${r.sameBundle ? '' : ' (the environment changed since, yet every step matches)'}`,
      );
    });
  const replayCommand = program.commands.find((c) => c.name() === 'replay');
  if (replayCommand && !replayCommand.options.some((o) => o.long === '--html')) {
    replayCommand.option('--html [file]', 'also write the episode as one self-contained HTML page');
    // A folder as the page is refused before the replay runs, not after it.
    replayCommand.hook('preAction', (cmd) => {
      const html = cmd.opts().html as string | boolean | undefined;
      if (typeof html === 'string') checkOutFile(html, '--html', htmlPathFor(cmd.args[0]!));
    });
    // The replay action verified the episode already; after it, write the page.
    replayCommand.hook('postAction', async (cmd) => {
      const html = cmd.opts().html as string | boolean | undefined;
      if (html === undefined || html === false) return;
      const file = cmd.args[0]!;
      const [{ readEpisode }, { writeEpisodeHtml }] = await Promise.all([
        import('@palestra/envs'),
        import('./episodeHtml.ts'),
      ]);
      const path = writeEpisodeHtml(readEpisode(file), typeof html === 'string' ? html : htmlPathFor(file));
      console.log(`page: ${path}`);
    });
  }
}
