import { readEpisode } from '@palestra/envs';
import { writeEpisodeHtml } from '../html/episodeHtml.ts';
import { episodeToHtml, htmlPathFor } from '../html/episodeToHtml.ts';
import { checkOutFile } from '../jobs/checks.ts';
import { parseFlags } from './flags.ts';
import { htmlFlags } from './html.ts';

/** `palestra html <episode>`: verified by replay, then written as one page. */
export async function htmlAction(file: string, raw: unknown): Promise<void> {
  const flags = parseFlags(htmlFlags, raw, 'html');
  if (flags.out !== undefined) checkOutFile(flags.out, '--out', htmlPathFor(file));
  const r = await episodeToHtml(file, flags);
  console.log(
    `✔ verified and written: ${r.path}${r.sameBundle ? '' : ' (the environment changed since, yet every step matches)'}`,
  );
}

/** `palestra replay --html <file>`: a folder as the page is refused before the replay runs, not after it. */
export function checkReplayHtml(file: string, html: string): void {
  checkOutFile(html, '--html', htmlPathFor(file));
}

/** `palestra replay --html [file]`, after the replay verified the episode: its page. */
export function replayHtmlAction(file: string, html: string | true): void {
  const path = writeEpisodeHtml(readEpisode(file), typeof html === 'string' ? html : htmlPathFor(file));
  console.log(`page: ${path}`);
}
