/**
 * A hostile environment for tests of containment (here and in the runtime): its `hang` tool runs a
 * native builtin over a huge sparse array, a loop inside QuickJS's C code that never polls the
 * interrupt handler, so only stopping the worker thread ends it. `safe` ends the episode with 1.
 */
export const HANG_SPEC = {
  specVersion: 1,
  name: 'trap',
  version: '1.0.0',
  tasks: { list: [{ id: 't', instructions: 'choose' }] },
  tools: [
    { name: 'safe', description: 'fine', event: 'SAFE' },
    { name: 'hang', description: 'hangs in native code', event: 'HANG' },
  ],
  machine: {
    initial: 'a',
    states: {
      a: { on: { SAFE: { target: 'done', actions: 'ok' }, HANG: { actions: 'hang' } } },
      done: { type: 'final' },
    },
  },
  actions: { ok: { module: 'trap.js#ok' }, hang: { module: 'trap.js#hang' } },
  reward: { rules: [{ onEnter: 'done', value: 1 }] },
  observation: { template: 'pick' },
  limits: { stepDeadlineMs: 100 },
} as const;

export const HANG_FILES: Record<string, string> = {
  'trap.js':
    'export function ok() { return {}; }\nexport function hang() { return { x: new Array(4e9).includes(1) }; }',
};

/**
 * A door that can get stuck: a dead end (`stuck`) behind a guard no task passes, which the checker
 * reports as unreachable and as a dead end (for tests of the checker's findings and the studio's
 * problems list).
 */
export const DOOR_SPEC = {
  specVersion: 1,
  name: 'door',
  version: '1.0.0',
  context: { initial: { tries: 0 } },
  tasks: { list: [{ id: 'd', instructions: 'open the door' }] },
  tools: [{ name: 'push', description: 'push the door', event: 'PUSH' }],
  machine: {
    initial: 'closed',
    states: {
      closed: {
        on: {
          PUSH: [
            { guard: 'never', target: 'stuck' },
            { target: 'open', actions: 'count' },
          ],
        },
      },
      stuck: {},
      open: { type: 'final' },
    },
  },
  guards: { never: { expr: 'tries > 5.0' } },
  actions: { count: { assign: { tries: 'tries + 1' } } },
  reward: { rules: [{ onEnter: 'open', value: 1 }], bounds: { min: 0, max: 1 } },
  observation: { template: 'tries: {{tries}}' },
};
