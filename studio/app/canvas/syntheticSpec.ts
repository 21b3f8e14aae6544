import type { GymSpecInput } from '@palestra/envs/core';
import type { StateNodeSpec } from './stateIndex.ts';

/**
 * A generated GymSpec whose machine has exactly `states` states: top-level groups of about ten,
 * one group in three parallel, nested compound states, finals, guarded transitions to states
 * anywhere (by `#id`), and eventless ones. For layout tests and the canvas benchmark; the same
 * count always gives the same spec (a fixed linear congruential sequence, no Math.random).
 *
 * @example
 * const spec = parseSpec(syntheticSpec(200)); // a valid spec with 200 states
 */
export function syntheticSpec(states: number): GymSpecInput {
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const root: StateNodeSpec = { states: {} };
  const leaves: { node: StateNodeSpec; path: string }[] = [];
  let group: { node: StateNodeSpec; path: string } = { node: root, path: '' };
  let inner = group;
  for (let i = 0; i < states; i++) {
    const add = (parent: { node: StateNodeSpec; path: string }, key: string, node: StateNodeSpec) => {
      parent.node.states ??= {};
      parent.node.states[key] = node;
      return { node, path: parent.path ? `${parent.path}.${key}` : key };
    };
    if (i % 10 === 0) {
      const node: StateNodeSpec = i % 30 === 10 ? { type: 'parallel', states: {} } : { states: {} };
      group = add({ node: root, path: '' }, `g${i}`, node);
      inner = group;
    } else if (i % 10 === 4 && group.node.type !== 'parallel') {
      inner = add(group, `s${i}`, { states: {} });
    } else if (i % 10 === 8 && group.node.type !== 'parallel') {
      add(group, `f${i}`, { type: 'final' });
    } else leaves.push(add(inner, `s${i}`, {}));
  }
  leaves.forEach(({ node }, i) => {
    const target = leaves[next(leaves.length)]!;
    node.on = {
      [`E${i % 5}`]: [
        { guard: 'ok', target: `#(machine).${target.path}`, actions: 'act' },
        ...(i % 4 === 0 ? [{ actions: 'act' }] : []),
      ],
    };
    if (i % 7 === 3)
      node.always = { guard: 'never', target: `#(machine).${leaves[next(leaves.length)]!.path}` };
  });
  const setInitial = (node: StateNodeSpec) => {
    const keys = Object.keys(node.states ?? {});
    if (keys.length === 0) {
      if (node.type !== 'final' && node.states) delete node.states;
      return;
    }
    if (node.type !== 'parallel') node.initial = keys[0];
    for (const child of Object.values(node.states ?? {})) setInitial(child);
  };
  setInitial(root);
  return {
    specVersion: 1,
    name: `synthetic-${states}`,
    version: '1.0.0',
    context: { initial: { n: 0 } },
    tasks: { list: [{ id: 'only', instructions: 'wander' }] },
    tools: [0, 1, 2, 3, 4].map((k) => ({ name: `e${k}`, description: `event E${k}`, event: `E${k}` })),
    machine: root,
    guards: { ok: { expr: 'context.n >= 0' }, never: { expr: 'context.n < 0' } },
    actions: { act: { assign: { n: 'context.n + 1' } } },
    observation: { template: 'n = {{n}}' },
  };
}
