// Per-step frames (active states, path so far, visited states) from real refund-desk episodes
// played by the runtime's random agent, matched against the canvas graph of the same spec.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { statechartGraph } from '../canvas/statechartGraph.ts';
import { type EpisodeFixture, playEpisodes } from './episodes.fixture.ts';
import { replayFrames, takenTransitions } from './replayFrames.ts';

const graph = statechartGraph(loadCatalog('refund-desk').spec);
const edgeIds = new Set(graph.edges.map((e) => e.id));
let all: EpisodeFixture[] = [];
let close = () => {};

before(async () => {
  // Some invalid calls too: a step whose action is invalid sends no event.
  ({ all, close } = await playEpisodes('refund-desk', 'random:invalid=0.3', 8));
});
after(() => close());

test('one frame per step plus the reset, each with the states the record says were active', () => {
  for (const { episode } of all) {
    const frames = replayFrames(episode, graph.edges);
    assert.equal(frames.length, episode.steps.length + 1);
    assert.deepEqual(frames[0]!.active, episode.header.info.state);
    assert.ok(frames[0]!.active.length > 0);
    episode.steps.forEach((s, k) => {
      assert.equal(frames[k + 1]!.step, s.i);
      assert.deepEqual(frames[k + 1]!.active, s.state);
    });
  }
});

test('the path grows step by step, names real transitions, and each taken one is the step event from an active state', () => {
  let takenSomewhere = 0;
  for (const { episode } of all) {
    const frames = replayFrames(episode, graph.edges);
    for (let k = 1; k < frames.length; k++) {
      const [before, now] = [frames[k - 1]!, frames[k]!];
      assert.deepEqual(now.path.slice(0, before.path.length), before.path, 'the path only grows');
      for (const s of now.active) assert.ok(now.visited.includes(s), `${s} is visited`);
      const step = episode.steps[k - 1]!;
      for (const id of now.taken) {
        assert.ok(edgeIds.has(id), id);
        assert.ok(now.path.includes(id));
        const edge = graph.edges.find((e) => e.id === id)!;
        if (edge.data.kind === 'event') {
          assert.equal(edge.data.event, step.event?.type);
          assert.ok(before.active.includes(edge.source) || edge.source === '(machine)', edge.id);
        }
        assert.ok(edge.data.targetless || now.active.includes(edge.target), edge.id);
      }
      // A step that moved the machine to new states took a transition to get there.
      const moved = step.state.some((s) => !before.active.includes(s));
      if (moved) {
        assert.ok(now.taken.length > 0, `step ${step.i} (${step.event?.type}) moved but took nothing`);
        takenSomewhere++;
      }
      if (step.event === null) assert.deepEqual(now.taken, []);
    }
  }
  assert.ok(takenSomewhere > 0, 'no step of the fixture moved the machine: the test checked nothing');
});

test('frames share their path and visited arrays while nothing is added (a memoised canvas sees no change)', () => {
  for (const { episode } of all) {
    const frames = replayFrames(episode, graph.edges);
    for (let k = 1; k < frames.length; k++)
      if (frames[k]!.path.length === frames[k - 1]!.path.length)
        assert.equal(frames[k]!.path, frames[k - 1]!.path);
  }
});

test('an invalid action (no event) takes no transition', () => {
  assert.deepEqual(
    takenTransitions(graph.edges, new Set(['open', 'open.triage']), undefined, new Set(['open'])),
    [],
  );
  assert.ok(
    all.some(({ episode }) => episode.steps.some((s) => s.invalidAction)),
    'the fixture has an invalid action',
  );
});
