import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Script } from 'node:vm';
import { type Episode, openEnv, readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { agentStats, boomOrRight, echoBoom, slowFlakyAgent, TEST_CLI } from '@palestra/testing/runtime';
import { TURN_GOLDEN_PATH } from '@palestra/testing/turn-record';
import { Command } from 'commander';
import { registerHtmlCommands } from '../cli/html.ts';
import { planGroups } from '../rollout/plan.ts';
import { rollout } from '../rollout/rollout.ts';
import { cumulativeReturns, escapeHtml, renderEpisodeHtml, writeEpisodeHtml } from './episodeHtml.ts';

const dir = mkdtempSync(join(tmpdir(), 'palestra-html-'));
const lake = loadCatalog('frozen-lake');

async function recorded(): Promise<string> {
  const out = join(dir, 'run');
  const plans = planGroups(lake.spec, { episodes: 4, seed: 4, out });
  const result = await rollout(lake, {
    plans,
    agent: () => slowFlakyAgent(lake.spec, agentStats(), { delayMs: 0 }),
  });
  // The longest of the four, so the page has several steps to scrub.
  return result.episodes.sort((a, b) => b.length - a.length)[0]!.file;
}

test('the page holds every step (observation, action, reward, state, turn record) and loads nothing', async () => {
  const file = await recorded();
  const ep = readEpisode(file);
  assert.ok(ep.steps.length >= 2);
  const html = renderEpisodeHtml(ep);
  assert.match(html, /^<!doctype html>/);
  assert.ok(html.includes(`id="step-0"`), 'the reset is a position on the timeline');
  for (const s of ep.steps) {
    assert.ok(html.includes(`<section class="step" id="step-${s.i}" data-i="${s.i}"`), `step ${s.i}`);
    assert.ok(html.includes(`<li data-i="${s.i}"`), `step ${s.i} in the list`);
    assert.ok(html.includes(escapeHtml(s.observation.text)), `observation of step ${s.i}`);
    assert.ok(html.includes(escapeHtml(s.state.join(' '))), `state of step ${s.i}`);
    assert.ok(
      html.includes(escapeHtml(`move ${JSON.stringify((s.action as { arguments: unknown }).arguments)}`)),
    );
  }
  assert.equal(html.match(/<h4>Model turn<\/h4>/g)?.length, ep.steps.length, 'one turn record per step');
  assert.match(html, /10 prompt \+ 2 completion tokens/);
  assert.match(html, new RegExp(`<input id="scrub" type="range" min="0" max="${ep.steps.length}"`));
  // The sparkline: one point per position (reset + steps), inline SVG.
  const points = /<polyline points="([^"]+)"/.exec(html)![1]!.split(' ');
  assert.equal(points.length, ep.steps.length + 1);
  assert.deepEqual(cumulativeReturns(ep).at(-1), ep.footer!.return / 1e6);
  // Self-contained: no URL, no external resource of any kind.
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /\s(src|href)=/);
  assert.doesNotMatch(html, /<link|@import|url\(/);
  // The inline script parses.
  const js = /<script>([\s\S]*)<\/script>/.exec(html)![1]!;
  assert.doesNotThrow(() => new Script(js));
});

test('whatever an episode holds is escaped, never markup', () => {
  const golden = JSON.parse(readFileSync(TURN_GOLDEN_PATH, 'utf8')) as { turns: { record: object }[] };
  const nasty = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
  const ep: Episode = {
    header: {
      kind: 'header',
      v: 1,
      spec: { name: 'x', version: '1.0.0', root: null },
      seed: 0,
      taskIndex: 0,
      taskId: nasty,
      agent: nasty,
      engines: {},
      observation: { text: nasty, json: {} },
      info: { seed: 0, taskIndex: 0, taskId: 't', instructions: nasty, state: ['a'] },
      hash: 'h0',
    },
    steps: [
      {
        kind: 'step',
        i: 1,
        action: { text: nasty },
        observation: { text: nasty, json: { nasty } },
        reward: -500000,
        terminated: false,
        truncated: false,
        state: ['a'],
        event: { type: 'REPLY', text: nasty },
        components: [{ name: nasty, micros: -500000 }],
        // A valid turn record (the page reads it through the schema) whose strings are all hostile.
        turn: {
          ...golden.turns[0]!.record,
          agent: nasty,
          policy: nasty,
          messages: [{ role: 'user', content: nasty }],
        },
        hash: 'h1',
      },
    ],
    footer: undefined,
    complete: false,
  };
  const html = renderEpisodeHtml(ep);
  assert.doesNotMatch(html, /<script>alert|<img/);
  assert.match(html, /&#60;script&#62;alert/);
  assert.match(html, /incomplete record \(interrupted after step 1\)/);
  assert.match(html, /-0\.5/);
});

test('palestra html and palestra replay --html write the page beside the episode', async () => {
  const file = await recorded();
  const cli = TEST_CLI;
  const out = join(dir, 'page.html');
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, 'html', file, '--out', out], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /verified and written/);
  assert.equal(readFileSync(out, 'utf8'), renderEpisodeHtml(readEpisode(file)));

  // --html rides on an existing replay command (main.ts's), after its action ran.
  const program = new Command('palestra').exitOverride();
  let replayed = false;
  program
    .command('replay')
    .argument('<episode>')
    .option('--step <k>')
    .action(() => {
      replayed = true;
    });
  registerHtmlCommands(program);
  const logged: string[] = [];
  const log = console.log;
  console.log = (...a: unknown[]) => logged.push(a.join(' '));
  try {
    await program.parseAsync(['replay', file, '--html'], { from: 'user' });
  } finally {
    console.log = log;
  }
  assert.equal(replayed, true);
  const page = file.replace(/\.jsonl$/, '.html');
  assert.ok(existsSync(page));
  assert.match(logged.join('\n'), /page: /);
  writeEpisodeHtml(readEpisode(file), join(dir, 'nested', 'deeper', 'p.html'));
  assert.ok(existsSync(join(dir, 'nested', 'deeper', 'p.html')));
});

test('a failed episode shows the action that broke it, the error and its fault, as the last position', async () => {
  const source = echoBoom();
  const out = join(dir, 'boom');
  const result = await rollout(source, {
    plans: planGroups(source.spec, { episodes: 1, seed: 0, out }),
    agent: () => boomOrRight(() => true),
    openEnv: (s) => openEnv(s, { isolate: false }),
  });
  const ep = readEpisode(result.episodes[0]!.file);
  assert.equal(ep.steps.length, 0);
  const html = renderEpisodeHtml(ep);
  assert.ok(html.includes('<section class="step" id="step-1" data-i="1"'), 'the failure is position 1');
  assert.ok(html.includes(escapeHtml('echo {"word":"boom"}')), 'the failing action');
  assert.match(html, /failed \(environment fault\)/);
  assert.match(html, /failed at step 1: EXCEPTION/);
  assert.match(html, /<input id="scrub" type="range" min="0" max="1"/);
});
