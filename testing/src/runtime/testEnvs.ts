import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type EnvSource, envSource } from '@palestra/envs';
import { CATALOG_DIR } from '@palestra/envs/catalog';
import type { Agent } from '../../../runtime/src/agents/agent.ts';

/**
 * For tests of failed episodes: echo-target whose `remember` action is a code module that throws
 * when the agent echoes `boom` (or any word, with `always`): an environment fault at that step.
 */
export function echoBoom(options: { always?: boolean } = {}): EnvSource {
  const spec = JSON.parse(readFileSync(join(CATALOG_DIR, 'echo-target', 'spec.json'), 'utf8'));
  spec.name = 'echo-boom';
  spec.actions.remember = { module: 'boom.js#remember' };
  const when = options.always ? 'true' : "event.word === 'boom'";
  return envSource(spec, {
    'boom.js': `export function remember({ event }) { if (${when}) throw new Error('boom'); return { said: event.word }; }`,
  });
}

/** For tests on echo-target: says the target word, or `boom` when `breaks` says so for the word. */
export function boomOrRight(breaks: (word: string) => boolean, id = 'test:boom-or-right'): Agent {
  return {
    id,
    turn: ({ episode }) => {
      const word = /word: (\w+)/.exec(episode.instructions)?.[1] ?? '';
      return { actions: [{ tool: 'echo', arguments: { word: breaks(word) ? 'boom' : word } }] };
    },
  };
}
