import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Env, makeEnv } from '../../src/index.ts';
import { Prng } from '../../src/kernel/prng.ts';
import { taskIndices } from '../../src/kernel/tasks.ts';
import type { Action, StepResult, Task } from '../../src/kernel/types.ts';
import { loadCatalog } from '../index.ts';

type Sighting = {
  camera: string;
  description: string;
  species: string;
  animal: string;
  features: Record<string, string>;
};
type Batch = { sightings: Sighting[] };

const SPECIES = ['leopard', 'cheetah', 'hyena', 'elephant', 'zebra', 'wildebeest', 'lion', 'pangolin'];
const source = loadCatalog('wildlife-survey');
let env: Env;
before(async () => {
  env = await makeEnv(source);
});
after(() => env.close());

function task(): Task & { data: Batch } {
  return (env as unknown as { task: Task & { data: Batch } }).task;
}

const classify = (species: string): Action => ({ tool: 'classify', arguments: { species } });
const skip: Action = { tool: 'skip', arguments: {} };
const submit: Action = { tool: 'submit_report', arguments: {} };

/** Reads the field guide from what the agent sees: species → feature → allowed values. */
function readGuide(text: string): Map<string, Record<string, string[]>> {
  const guide = new Map<string, Record<string, string[]>>();
  for (const line of text.split('Field guide')[1]!.split('\n')) {
    const m = /^- ([a-z]+): (.*)$/.exec(line);
    if (!m) continue;
    const entry: Record<string, string[]> = {};
    for (const part of m[2]!.split('; ')) {
      const [feature, values] = [part.slice(0, part.indexOf(': ')), part.slice(part.indexOf(': ') + 2)];
      entry[feature] = values.split(' | ');
    }
    guide.set(m[1]!, entry);
  }
  return guide;
}

/** Reads the features a description shows. */
function readSighting(d: string): Record<string, string> {
  const f: Record<string, string> = {};
  const head = /^Camera \w+ \(([^)]+)\): (?:a (.+?) animal|an animal)(?: with (.+?))?\.(?: |$)/.exec(d);
  assert.ok(head, `unreadable description: ${d}`);
  if (head[1] !== 'time not recorded') f.time = head[1]!;
  if (head[2] !== undefined) f.size = head[2];
  if (head[3] !== undefined) f.look = head[3];
  const grab = (key: string, re: RegExp) => {
    const m = re.exec(d);
    if (m) f[key] = m[1]!;
  };
  grab('behaviour', / It was (.+?)\.(?: |$)/);
  grab('tracks', / Tracks: (.+?)\.(?: |$)/);
  grab('habitat', / Habitat: (.+?)\.$/);
  return f;
}

/** An agent that follows the instructions to the letter, from the observation text alone. */
function solve(observationText: string, description: string): string {
  const guide = readGuide(observationText);
  const seen = readSighting(description);
  const fits = [...guide]
    .filter(([, e]) => Object.entries(seen).every(([k, v]) => e[k]!.includes(v)))
    .map(([s]) => s);
  return fits.length === 1 ? fits[0]! : 'unknown';
}

test('the spec loads with 120 generated batches, 30 held out, and strict tools', () => {
  assert.equal(source.spec.name, 'wildlife-survey');
  assert.equal(env.taskCount, 120);
  assert.equal(taskIndices(source.spec, 'eval').length, 30);
  const cls = source.spec.tools.find((t) => t.name === 'classify')!;
  assert.deepEqual(
    (cls.parameters as unknown as { properties: { species: { enum: string[] } } }).properties.species.enum,
    [...SPECIES, 'unknown'],
  );
  for (const t of source.spec.tools)
    assert.equal((t.parameters as { additionalProperties?: unknown }).additionalProperties, false);
  assert.deepEqual(source.spec.reward.bounds, { min: -0.5, max: 1.5 });
});

test('batches are deterministic, 4-6 sightings, labelled by the field guide the agent reads, without leaking labels', () => {
  const labels = new Map<string, number>();
  const sizes = new Set<number>();
  let n = 0;
  for (let i = 0; i < 120; i++) {
    const r = env.reset({ seed: 1000 + i, taskIndex: i });
    const { sightings } = task().data;
    sizes.add(sightings.length);
    assert.ok(sightings.length >= 4 && sightings.length <= 6);
    assert.equal(r.observation.json.total, sightings.length);
    assert.equal(r.observation.json.current, sightings[0]!.description);
    assert.match(r.observation.text, new RegExp(`Sighting 1 of ${sightings.length}:`));
    assert.doesNotMatch(JSON.stringify(r.observation.json), /"species"|"animal"/);
    for (const s of sightings) {
      n++;
      labels.set(s.species, (labels.get(s.species) ?? 0) + 1);
      assert.deepEqual(readSighting(s.description), s.features, s.description);
      assert.equal(solve(r.observation.text, s.description), s.species, s.description);
      if (s.species !== 'unknown') assert.equal(s.species, s.animal);
      for (const name of SPECIES)
        assert.ok(!s.description.includes(name), `the description names ${name}: ${s.description}`);
    }
  }
  assert.deepEqual([...sizes].sort(), [4, 5, 6]);
  for (const s of [...SPECIES, 'unknown']) assert.ok((labels.get(s) ?? 0) >= 10, `${s}: ${labels.get(s)}`);
  const unknownShare = labels.get('unknown')! / n;
  assert.ok(unknownShare > 0.03 && unknownShare < 0.25, `unknown share ${unknownShare}`);
  env.reset({ seed: 1, taskIndex: 9 });
  const a = structuredClone(task());
  env.reset({ seed: 2, taskIndex: 9 });
  assert.deepEqual(task(), a);
});

function run(
  actions: (r: StepResult | undefined, k: number) => Action,
  limit = 20,
): { results: StepResult[]; micros: number } {
  const results: StepResult[] = [];
  let micros = 0;
  for (let k = 0; k < limit; k++) {
    const r = env.step(actions(results.at(-1), k));
    results.push(r);
    micros += r.info.rewardMicros;
    if (r.terminated || r.truncated) break;
  }
  return { results, micros };
}

test('a guide-reading agent labels every sighting right, reviews, submits and earns the full return on 30 batches', () => {
  for (const i of [...Array(20).keys(), ...taskIndices(source.spec, 'eval').slice(0, 10)]) {
    const r0 = env.reset({ seed: 7, taskIndex: i });
    const { sightings } = task().data;
    const n = sightings.length;
    const unitMicros = Math.floor(1_000_000 / n);
    let text = r0.observation.text;
    const { results, micros } = run((prev, k) => {
      if (prev) text = prev.observation.text;
      if (k < n) {
        assert.match(
          text,
          new RegExp(
            `Sighting ${k + 1} of ${n}:\\n${sightings[k]!.description.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
          ),
        );
        return classify(solve(text, sightings[k]!.description));
      }
      return submit;
    });
    assert.equal(results.length, n + 1, `batch ${i}`);
    for (const r of results.slice(0, n)) assert.equal(r.info.rewardMicros, unitMicros, `batch ${i}`);
    const review = results[n - 1]!;
    assert.deepEqual(review.info.state, ['reviewing']);
    assert.match(review.observation.text, new RegExp(`All ${n} sightings are done\\. Your report:`));
    assert.match(review.observation.text, /Call submit_report to file it\./);
    const last = results.at(-1)!;
    assert.ok(last.terminated);
    assert.deepEqual(last.info.state, ['submitted']);
    assert.deepEqual(last.info.rewardComponents, [{ name: 'accuracy bonus', micros: 500_000 }]);
    assert.equal(micros, n * unitMicros + 500_000, `batch ${i}`);
    assert.ok(micros <= 1_500_000);
  }
});

function findBatch(pred: (b: Batch) => boolean): void {
  for (let i = 0; i < 120; i++) {
    env.reset({ seed: 3, taskIndex: i });
    if (pred(task().data)) return;
  }
  throw new Error('no such batch');
}

test('wrong labels, skips and early submission earn what the rules say', () => {
  // All wrong: -unit/2 each, no bonus.
  findBatch((b) => b.sightings.length === 6 && b.sightings.every((s) => s.species !== 'unknown'));
  let { sightings } = task().data;
  let unit = Math.floor(1_000_000 / 6);
  let out = run((_, k) => (k < 6 ? classify('unknown') : submit));
  assert.deepEqual(out.results.at(-1)!.info.state, ['submitted']);
  assert.equal(out.micros, 6 * Math.round(-unit / 2));
  assert.ok(out.micros >= -500_000);

  // All skipped: -unit/10 each.
  env.reset({ seed: 3, taskIndex: task().index });
  out = run((_, k) => (k < 6 ? skip : submit));
  assert.equal(out.micros, 6 * Math.round(-unit / 10));
  assert.match(out.results[5]!.observation.text, /- Sighting 6: skipped/);

  // Four of six right (67%): no bonus. Five of six (83%): bonus.
  for (const [right, bonus] of [
    [4, 0],
    [5, 500_000],
  ] as const) {
    env.reset({ seed: 3, taskIndex: task().index });
    out = run((_, k) => (k < 6 ? (k < right ? classify(sightings[k]!.species) : skip) : submit));
    assert.equal(out.micros, right * unit + (6 - right) * Math.round(-unit / 10) + bonus, `${right} right`);
  }

  // Exactly 80% (four of five): bonus.
  findBatch((b) => b.sightings.length === 5);
  ({ sightings } = task().data);
  unit = 200_000;
  const wrongLabel = (s: string) => (s === 'zebra' ? 'lion' : 'zebra');
  out = run((_, k) =>
    k < 5 ? classify(k === 2 ? wrongLabel(sightings[k]!.species) : sightings[k]!.species) : submit,
  );
  assert.equal(out.micros, 4 * unit - unit / 2 + 500_000);

  // Submitting at once ends the episode with nothing earned.
  env.reset({ seed: 3, taskIndex: 0 });
  const r = env.step(submit);
  assert.ok(r.terminated);
  assert.deepEqual(r.info.state, ['submitted']);
  assert.equal(r.reward, 0);
});

test('after the last sighting classify and skip change nothing, and a survey never submitted is truncated', () => {
  env.reset({ seed: 4, taskIndex: 5 });
  const n = task().data.sightings.length;
  for (let k = 0; k < n; k++) env.step(skip);
  const before = env.step({ text: 'done?' });
  assert.deepEqual(before.info.state, ['reviewing']);
  assert.equal(before.reward, 0);
  let r = env.step(classify('lion'));
  assert.equal(r.reward, 0);
  assert.deepEqual(r.info.state, ['reviewing']);
  assert.deepEqual(r.observation.json.classified, before.observation.json.classified);
  assert.match(r.observation.text, /Every sighting is done: call submit_report/);
  while (!r.truncated) {
    assert.equal(r.terminated, false);
    r = env.step(skip);
  }
  assert.equal(r.info.step, 10);
  assert.deepEqual(r.info.state, ['reviewing']);
});

test('invalid tool calls give an error observation and neither end nor move the survey', () => {
  env.reset({ seed: 8, taskIndex: 11 });
  env.step(skip);
  for (const a of [
    classify('tiger'),
    { tool: 'classify', arguments: {} },
    { tool: 'classify', arguments: { species: 'lion', confidence: 0.9 } },
    { tool: 'skip', arguments: { n: 2 } },
    { tool: 'photograph', arguments: {} },
  ] as Action[]) {
    const r = env.step(a);
    assert.match(r.observation.text, /^Error: /, JSON.stringify(a));
    assert.ok(r.info.invalidAction);
    assert.equal(r.terminated, false);
    assert.equal(r.reward, 0);
    assert.equal(r.observation.json.position, 2);
    assert.deepEqual(r.info.state, ['surveying']);
  }
});

function randomAction(rng: Prng): Action {
  const k = rng.int(12);
  if (k < 8) return classify([...SPECIES, 'unknown'][rng.int(9)]!);
  if (k < 10) return skip;
  if (k === 10) return rng.int(3) === 0 ? submit : { text: 'hmm' };
  return classify('tiger');
}

test('the same seed and actions give the same episode', () => {
  const play = () => {
    const rng = new Prng(9);
    const out: unknown[] = [env.reset({ seed: 21, taskIndex: 100 })];
    for (let i = 0; i < 10; i++) {
      const r = env.step(randomAction(rng));
      out.push(r);
      if (r.terminated || r.truncated) break;
    }
    return out;
  };
  assert.deepEqual(play(), play());
});

test('returns of random agents stay within the declared bounds over 50 episodes', () => {
  const { min, max } = source.spec.reward.bounds!;
  const rng = new Prng(77);
  let bonuses = 0;
  for (let ep = 0; ep < 50; ep++) {
    env.reset({ seed: ep, taskIndex: rng.int(120) });
    let micros = 0;
    for (;;) {
      const r = env.step(randomAction(rng));
      micros += r.info.rewardMicros;
      if (r.info.rewardComponents.some((c) => c.name === 'accuracy bonus')) bonuses++;
      assert.ok(r.reward >= min && r.reward <= max, `step reward ${r.reward}`);
      if (r.terminated || r.truncated) break;
    }
    assert.ok(micros >= min * 1e6 && micros <= max * 1e6, `episode ${ep}: return ${micros / 1e6}`);
  }
  assert.ok(bonuses <= 5, `random labels earned the accuracy bonus ${bonuses} times`);
});
