import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import type { TurnRecord } from '../agents/agent.ts';
import { readState } from './checkpoint.ts';
import { train } from './train.ts';

/**
 * In `npm run test:e2e`, not `npm test`: four real trainings take about four minutes of a 2-core
 * machine, and the README's own `palestra train` line already trains for real in `npm test`.
 *
 * The real loop end to end on echo-target: the Python trainer (tiny Qwen2 model made in code, its
 * chat template and tool-call parser, LoRA), the openai agent, the rollout engine, the overseer.
 * Nothing is mocked; the runs are small enough for two CPU cores.
 */

const dir = mkdtempSync(join(tmpdir(), 'palestra-train-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const source = loadCatalog('echo-target');
/** The README's training environment, and its half-right demonstrator (two lists per training task). */
const phrasings = loadCatalog('echo-phrasings');
const DEMOS = new URL('../../../examples/echo-phrasings-demos.json', import.meta.url).pathname;

/**
 * PPO steps of the learning test, and the reward it must gain over them. Measured (seeded, so the
 * same on one torch build): -0.069 0.458 0.500 0.486 0.431 0.444 0.736 0.625, a gain of 0.75.
 */
const PPO_STEPS = 8;
const PPO_GAIN = 0.5;

const CLI = new URL('../../bin/palestra.js', import.meta.url).pathname;

describe('palestra train (echo-phrasings and echo-target, tiny model, real trainer)', () => {
  it("GRPO, token in and token out: NAME@k-1 plays step k and trains NAME@k; rollouts carry the sampler's ids and log-probabilities", async () => {
    // Small on purpose: that GRPO *learns* (reward and held-out success) is asserted on the README's
    // own training command by scripts/readme.e2e.test.ts.
    const out = join(dir, 'grpo');
    const result = await train({
      source: phrasings,
      algo: 'grpo',
      model: 'tiny',
      gpu: 'cpu',
      steps: 2,
      group: 2,
      episodesPerStep: 4,
      seed: 1,
      out,
      maxTokens: 16,
    });
    const rl = result.state.steps.filter((s) => s.kind === 'grpo');
    assert.equal(rl.length, 2);
    for (const s of result.state.steps) {
      assert.equal(s.trained, `echo-phrasings@${s.step}`);
      assert.equal(s.policy, `echo-phrasings@${s.step - 1}`);
      assert.equal(typeof s.metrics!.loss, 'number');
      assert.deepEqual(Object.keys(s.groups ?? {}).sort(), ['groups', 'zeroVariance']);
    }
    const ep = readEpisode(join(out, 'steps', 'step-0002', 'episode-g000000-m00.jsonl'));
    const turn = ep.steps[0]!.turn as TurnRecord;
    assert.equal(turn.policy, 'echo-phrasings@1');
    assert.ok(turn.promptTokenIds!.length > 0 && turn.completionTokenIds!.length === turn.logprobs!.length);
    assert.ok(turn.logprobs!.every((l) => l <= 0));
    const html = readFileSync(result.chart, 'utf8');
    assert.match(html, /<svg/);
    assert.doesNotMatch(html, /<script|https?:\/\//);
  });

  it('PPO learns beyond its half-right demonstrator with the tiny defaults (value head, turn-level advantages)', async () => {
    const out = join(dir, 'ppo');
    const result = await train({
      source: phrasings,
      algo: 'ppo',
      model: 'tiny',
      gpu: 'cpu',
      warmStart: DEMOS,
      steps: PPO_STEPS,
      group: 8,
      seed: 0,
      out,
    });
    // The file's 36 lists demonstrate the 18 training tasks twice: right, then the next word.
    assert.equal(readdirSync(join(out, 'warm-start')).length, 36);
    const rl = result.state.steps.filter((s) => s.kind === 'ppo');
    const rewards = rl.map((s) => s.reward!.mean);
    console.log(`PPO reward per step ${rewards.map((r) => r.toFixed(3)).join(' ')}`);
    assert.equal(rl.length, PPO_STEPS);
    // Imitation leaves a policy right about half the time (reward ≈ 0 on the ±1 scale).
    assert.ok(
      Math.abs(rewards[0]!) < 0.35,
      `first PPO step reward ${rewards[0]}: expected the demonstrator's ≈ 0`,
    );
    const lastTwo = (rewards.at(-1)! + rewards.at(-2)!) / 2;
    assert.ok(
      lastTwo >= rewards[0]! + PPO_GAIN,
      `PPO reward per step ${rewards.join(' ')}: the last two average ${lastTwo}, not ${PPO_GAIN} above the first`,
    );
    for (const s of rl) assert.equal(typeof s.metrics!.value_loss, 'number');
  });

  it("a model folder that does not exist is a clear error carrying the trainer's own message, not a hang", async () => {
    await assert.rejects(
      train({
        source,
        algo: 'grpo',
        model: join(dir, 'no-model'),
        gpu: 'cpu',
        loraRank: 8,
        steps: 1,
        group: 2,
        out: join(dir, 'bad'),
      }),
      (e: Error & { code?: string; hint?: string }) =>
        e.code === 'TRAINER_FAILED_TO_START' && /never downloads models/.test(e.hint ?? ''),
    );
  });

  it('resumes after a crash at step 1 (the trainer had trained it): continues at step 2, trains no step twice', async () => {
    const out = join(dir, 'resume');
    const args = [
      CLI,
      'train',
      'echo-target',
      '--model',
      'tiny',
      '--gpu',
      'cpu',
      '--algo',
      'grpo',
      '--steps',
      '3',
      '--group',
      '2',
      '--episodes-per-step',
      '4',
      '--max-tokens',
      '16',
      '--seed',
      '2',
      '--quiet',
      '--out',
      out,
    ];
    // First run: killed (SIGKILL, no cleanup) as soon as step 1 is recorded.
    const first = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const killed = await new Promise<boolean>((resolve) => {
      first.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (/^step 1 grpo/m.test(stdout)) {
          first.kill('SIGKILL');
          resolve(true);
        }
      });
      first.once('exit', () => resolve(false));
    });
    assert.ok(killed, `the first run ended before step 1 was recorded:\n${stdout}`);
    const afterCrash = readState(out)!;
    assert.equal(afterCrash.steps.length, 1);
    // The crash window between the trainer finishing a step and train.json recording it: forget step 1.
    writeFileSync(join(out, 'train.json'), JSON.stringify({ ...afterCrash, steps: [] }));

    const second = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out2 = '';
    let err2 = '';
    second.stdout.on('data', (c: Buffer) => {
      out2 += c.toString();
    });
    second.stderr.on('data', (c: Buffer) => {
      err2 += c.toString();
    });
    const code = await new Promise<number | null>((resolve) => second.once('exit', resolve));
    assert.equal(code, 0, `${out2}\n${err2}`);
    assert.match(out2, /step 1 grpo \(recovered/);
    assert.doesNotMatch(out2, /^step 1 grpo → /m);
    assert.match(out2, /^step 2 grpo → echo-target@2/m);
    const state = readState(out)!;
    assert.deepEqual(
      state.steps.map((s) => [s.step, s.trained, s.recovered ?? false]),
      [
        [1, 'echo-target@1', true],
        [2, 'echo-target@2', false],
        [3, 'echo-target@3', false],
      ],
    );
    // The trainer's own record: three adapters, not four.
    const trainer = JSON.parse(readFileSync(join(out, 'trainer', 'state.json'), 'utf8')) as { step: number };
    assert.equal(trainer.step, 3);
    assert.ok(existsSync(join(out, 'reward-curve.html')));
  });
});
