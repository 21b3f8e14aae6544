import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Action, makeEnv } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import type { TurnInput } from './agent.ts';
import { randomAgent } from './random.ts';

/** The random agent ignores what it sees: any input will do. */
const input = {} as TurnInput;

async function actionsOf(
  agent: ReturnType<typeof randomAgent>,
  episodes: number,
  turns: number,
): Promise<Action[]> {
  const out: Action[] = [];
  for (let e = 0; e < episodes; e++) {
    agent.startEpisode?.(e, e);
    for (let t = 0; t < turns; t++) out.push(...(await agent.turn(input)).actions);
  }
  return out;
}

describe('randomAgent', () => {
  it("calls refund-desk's tools with arguments the kernel accepts (reasons of at least 3 characters, amounts above 0)", async () => {
    const source = loadCatalog('refund-desk');
    const env = await makeEnv(source);
    try {
      const actions = await actionsOf(randomAgent(source.spec, 4), 20, 15);
      let seed = 0;
      env.reset({ seed });
      for (const action of actions) {
        const r = env.step(action);
        assert.equal(
          r.info.invalidAction,
          undefined,
          `${JSON.stringify(action)}: ${r.info.invalidAction?.message}`,
        );
        if (r.terminated || r.truncated) env.reset({ seed: ++seed });
      }
      const reasons = actions.flatMap((a) =>
        'tool' in a && (a.tool === 'deny_refund' || a.tool === 'escalate')
          ? [a.arguments!.reason as string]
          : [],
      );
      assert.ok(reasons.length > 0);
      assert.ok(reasons.every((r) => r.length >= 3));
    } finally {
      env.close();
    }
  });

  it('is deterministic per seed and episode seed; the id says when it is asked for invalid calls', async () => {
    const spec = loadCatalog('refund-desk').spec;
    assert.deepEqual(
      await actionsOf(randomAgent(spec, 9), 3, 5),
      await actionsOf(randomAgent(spec, 9), 3, 5),
    );
    assert.notDeepEqual(
      await actionsOf(randomAgent(spec, 9), 3, 5),
      await actionsOf(randomAgent(spec, 10), 3, 5),
    );
    assert.equal(randomAgent(spec, 9).id, 'random:9');
    assert.equal(randomAgent(spec, 9, { invalidRate: 0.5 }).id, 'random:9:invalid=0.5');
  });

  it('makes invalid calls only when asked, and then about as often as asked', async () => {
    const source = loadCatalog('refund-desk');
    const env = await makeEnv(source);
    try {
      for (const invalidRate of [0, 0.5]) {
        const actions = await actionsOf(randomAgent(source.spec, 2, { invalidRate }), 20, 10);
        let seed = 0;
        let invalid = 0;
        env.reset({ seed });
        for (const action of actions) {
          const r = env.step(action);
          if (r.info.invalidAction?.code === 'INVALID_ARGUMENTS') invalid++;
          if (r.terminated || r.truncated) env.reset({ seed: ++seed });
        }
        if (invalidRate === 0) assert.equal(invalid, 0);
        else assert.ok(invalid > 60 && invalid < 140, `${invalid} of 200 invalid at invalidRate 0.5`);
      }
    } finally {
      env.close();
    }
    assert.throws(() => randomAgent(source.spec, 1, { invalidRate: -1 }), { code: 'SAMPLE_OPTION_INVALID' });
  });
});
