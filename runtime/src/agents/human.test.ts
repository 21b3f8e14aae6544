import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { makeEnv, type PalestraError, readEpisode, type ToolSpec } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { runEpisodes } from '../run/runEpisodes.ts';
import type { TurnInput } from './agent.ts';
import { humanAgent, parseLine } from './human.ts';

const tools: ToolSpec[] = [
  {
    name: 'lookup_order',
    description: 'Find an order by id',
    parameters: { type: 'object', properties: { orderId: { type: 'string' } }, required: ['orderId'] },
    event: 'LOOKUP',
  },
  {
    name: 'move',
    description: 'Move one tile',
    parameters: { type: 'object', properties: { direction: { enum: ['left', 'right'] } } },
    event: 'MOVE',
  },
];

function input(step: number, text: string): TurnInput {
  return {
    observation: { text, json: {} },
    tools,
    episode: { seed: 1, taskIndex: 0, taskId: 't', instructions: '', state: [] },
    step,
    episodeIndex: 0,
  };
}

function terminal() {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let shown = '';
  stdout.on('data', (c: Buffer) => {
    shown += c.toString('utf8');
  });
  return { stdin, stdout, shown: () => shown };
}

describe('humanAgent, driven through streams', () => {
  test('shows the observation and numbered tools; reads tool calls by number or name, and text replies', async () => {
    const t = terminal();
    const agent = humanAgent({ input: t.stdin, output: t.stdout });
    t.stdin.write('1 {"orderId": "A-1042"}\nmove{"direction":"left"}\nHello, I am on it.\n');
    assert.deepEqual((await agent.turn(input(0, 'Ticket #7: refund please'))).actions, [
      { tool: 'lookup_order', arguments: { orderId: 'A-1042' } },
    ]);
    assert.match(t.shown(), /Ticket #7: refund please/);
    assert.match(t.shown(), / {2}1\. lookup_order\(orderId\*: string\) — Find an order by id/);
    assert.match(t.shown(), / {2}2\. move\(direction: "left"\|"right"\) — Move one tile/);
    assert.deepEqual((await agent.turn(input(1, 'next'))).actions, [
      { tool: 'move', arguments: { direction: 'left' } },
    ]);
    assert.deepEqual((await agent.turn(input(2, 'next'))).actions, [{ text: 'Hello, I am on it.' }]);
    assert.match(t.shown(), /> Hello, I am on it\.\n/);
    agent.close();
  });

  test('arguments that are not a JSON object are refused and the line is asked again', async () => {
    const t = terminal();
    const agent = humanAgent({ input: t.stdin, output: t.stdout });
    const pending = agent.turn(input(0, 'obs'));
    t.stdin.write('lookup_order {"orderId": \n');
    t.stdin.write('2 ["left"]\n');
    t.stdin.write('\n');
    t.stdin.write('lookup_order {"orderId": "B-7"}\n');
    assert.deepEqual((await pending).actions, [{ tool: 'lookup_order', arguments: { orderId: 'B-7' } }]);
    assert.match(t.shown(), /The arguments are not JSON/);
    assert.match(t.shown(), /must be a JSON object/);
    assert.equal(t.shown().match(/> /g)?.length, 4);
    agent.close();
  });

  test('the input ending before an action → HUMAN_INPUT_CLOSED', async () => {
    const t = terminal();
    const agent = humanAgent({ input: t.stdin, output: t.stdout });
    const pending = agent.turn(input(0, 'obs'));
    t.stdin.end();
    await assert.rejects(async () => pending, { code: 'HUMAN_INPUT_CLOSED' });
  });

  test('a new agent on an input that already ended refuses at once (it used to wait forever, and the process exited 0)', async () => {
    const t = terminal();
    const first = humanAgent({ input: t.stdin, output: t.stdout });
    const pending = first.turn(input(0, 'obs'));
    t.stdin.end();
    await assert.rejects(async () => pending, { code: 'HUMAN_INPUT_CLOSED' });
    // The next episode's agent reads the same, ended, input.
    const second = humanAgent({ input: t.stdin, output: t.stdout });
    const timer = setTimeout(() => assert.fail('the turn hung on an ended input'), 5000);
    try {
      await assert.rejects(
        async () => second.turn(input(0, 'obs')),
        (e: PalestraError) => {
          assert.equal(e.code, 'HUMAN_INPUT_CLOSED');
          assert.equal(e.details.permanent, true, 'not retried: asking again reads the same end');
          return true;
        },
      );
    } finally {
      clearTimeout(timer);
    }
  });

  test('parseLine: a tool with no arguments is {}; an unknown first word is a text reply', () => {
    assert.deepEqual(parseLine('move', tools), { kind: 'action', action: { tool: 'move', arguments: {} } });
    assert.deepEqual(parseLine('9 {}', tools), { kind: 'action', action: { text: '9 {}' } });
    assert.deepEqual(parseLine('?', tools), { kind: 'retry' });
  });

  test('a person plays a full echo-target episode through runEpisodes', async () => {
    const source = loadCatalog('echo-target');
    const probe = await makeEnv(source);
    const target = probe.reset({ seed: 4 }).info.taskId;
    probe.close();
    const t = terminal();
    const agent = humanAgent({ input: t.stdin, output: t.stdout });
    t.stdin.write(`echo {"word": "${target}"}\n`);
    const out = mkdtempSync(join(tmpdir(), 'palestra-human-'));
    const summary = await runEpisodes(source, agent, { episodes: 1, seed: 4, out });
    agent.close();
    assert.equal(summary.agent, 'human');
    assert.equal(summary.episodes[0]!.returnMicros, 1_000_000);
    assert.match(t.shown(), /=== Episode 0 \(seed 4\) ===/);
    assert.match(t.shown(), new RegExp(`Call the echo tool with the word: ${target}`));
    const ep = readEpisode(summary.episodes[0]!.file);
    assert.deepEqual(ep.steps[0]!.action, { tool: 'echo', arguments: { word: target } });
    assert.equal(ep.steps[0]!.turn, undefined);
  });
});
