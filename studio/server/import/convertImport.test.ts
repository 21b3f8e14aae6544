// Which format a file is, and XState configs as GymSpecs: what passes as written, what is dropped
// with a warning (and why), and placeholders for the guards and actions a config only names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { InputLimitError, parseSpec } from '@palestra/envs/core';
import { convertImport, sniffFormat } from './convertImport.ts';
import { ImportFormatError } from './errors.ts';

const light = {
  id: 'trafficLight',
  context: { cycles: 0 },
  initial: 'green',
  predictableActionArguments: true,
  states: {
    green: {
      on: {
        TIMER: {
          target: 'yellow',
          cond: 'canChange',
          actions: ['count', { type: 'log', params: { level: 1 } }],
        },
      },
      after: { 5000: 'yellow' },
    },
    yellow: {
      on: { TIMER: 'red', 'ped.request': 'red' },
      invoke: { src: 'beeper' },
    },
    red: {
      initial: 'walk',
      states: { walk: { on: { COUNTDOWN: 'stop' } }, stop: { type: 'final' } },
      onDone: { target: 'green' },
      entry: 'stopCars',
    },
    hist: { type: 'history', history: 'deep', target: 'red' },
  },
};

describe('sniffFormat', () => {
  it('goes by extension, then by content', () => {
    assert.equal(sniffFormat('anything', 'm.ts'), 'xstate-ts');
    assert.equal(sniffFormat('anything', 'm.mjs'), 'xstate-ts');
    assert.equal(sniffFormat('anything', 'm.mmd'), 'mermaid');
    assert.equal(sniffFormat('anything', 'README.md'), 'markdown');
    assert.equal(sniffFormat(JSON.stringify(loadCatalog('tally').spec), 'spec.json'), 'gymspec');
    assert.equal(sniffFormat(JSON.stringify(light), 'light.json'), 'xstate-json');
    assert.equal(sniffFormat(JSON.stringify({ machine: light })), 'xstate-json');
    assert.equal(
      sniffFormat('{ "specVersion": 1, "machine": {} }'),
      'gymspec',
      'a broken GymSpec is reported as one',
    );
    assert.equal(sniffFormat('{ not json'), 'gymspec');
    assert.equal(sniffFormat('%% hi\nstateDiagram-v2\n[*] --> a'), 'mermaid');
    assert.equal(sniffFormat('# doc\n```mermaid\nstateDiagram-v2\n```'), 'markdown');
    assert.equal(sniffFormat("import { createMachine } from 'xstate';\ncreateMachine({})"), 'xstate-ts');
  });
});

describe('XState configs', () => {
  it('keeps the statechart, drops after and invoke with a warning each, maps cond and onDone, and plays', async () => {
    const converted = await convertImport(JSON.stringify(light), 'light.json');
    assert.ok(converted);
    const { spec: input, report } = converted;
    const spec = parseSpec(input);
    assert.equal(spec.name, 'traffic-light');
    assert.deepEqual(spec.context.initial, { cycles: 0 });
    assert.equal(spec.machine.id, 'trafficLight');
    assert.deepEqual(spec.machine.states?.green, {
      on: {
        TIMER: {
          target: 'yellow',
          guard: 'canChange',
          actions: ['count', { type: 'log', params: { level: 1 } }],
        },
      },
    });
    assert.deepEqual(spec.machine.states?.red?.on, {
      'xstate.done.state.trafficLight.red': { target: 'green' },
    });
    assert.deepEqual(spec.machine.states?.hist, { type: 'history', history: 'deep', target: 'red' });
    const warned = report.warnings.join('\n');
    assert.match(warned, /state "green": "after" left out: delayed transitions/);
    assert.match(warned, /state "yellow": "invoke" left out/);
    assert.match(warned, /onDone" became a transition on the event "xstate.done.state.trafficLight.red"/);
    assert.match(warned, /no tool for "ped.request"/);
    assert.doesNotMatch(warned, /predictableActionArguments/);
    assert.deepEqual(report.placeholders, { guards: ['canChange'], actions: ['count', 'log', 'stopCars'] });
    assert.deepEqual(spec.guards.canChange, { expr: 'true' });
    assert.deepEqual(spec.actions.count?.assign, {});
    assert.deepEqual(
      spec.tools.map((t) => [t.name, t.event]),
      [
        ['TIMER', 'TIMER'],
        ['COUNTDOWN', 'COUNTDOWN'],
      ],
    );
  });

  it('reads { "machine": … } and renames names a GymSpec cannot hold', async () => {
    const converted = await convertImport(
      JSON.stringify({
        machine: {
          initial: 'a',
          states: { a: { on: { GO: { target: 'b', guard: 'is ready?', actions: 'xstate.log' } } }, b: {} },
        },
      }),
    );
    const spec = parseSpec(converted!.spec);
    assert.deepEqual(spec.machine.states?.a?.on?.GO, {
      target: 'b',
      guard: 'is_ready',
      actions: 'xstate_log',
    });
    assert.equal(spec.name, 'imported-machine');
    assert.match(converted!.report.warnings.join('\n'), /"is ready\?" renamed "is_ready"/);
  });

  it('keeps onDone beside on, whichever comes first', async () => {
    const converted = await convertImport(
      JSON.stringify({
        initial: 'job',
        states: {
          job: {
            initial: 'run',
            onDone: 'idle',
            on: { STOP: 'idle' },
            states: { run: { on: { FINISH: 'fin' } }, fin: { type: 'final' } },
          },
          idle: { on: { AGAIN: 'job' } },
        },
      }),
    );
    const spec = parseSpec(converted!.spec);
    assert.deepEqual(Object.keys(spec.machine.states?.job?.on ?? {}), [
      'STOP',
      'xstate.done.state.(machine).job',
    ]);
    assert.deepEqual(
      spec.tools.map((t) => t.event),
      ['STOP', 'FINISH', 'AGAIN'],
    );
  });

  it('refuses a machine no agent can act on, and a config whose states are not objects', async () => {
    await assert.rejects(
      convertImport(JSON.stringify({ initial: 'a', states: { a: { always: 'b' }, b: {} } })),
      (e: unknown) => e instanceof ImportFormatError && /no event an agent could send/.test(e.message),
    );
    await assert.rejects(
      convertImport(JSON.stringify({ initial: 'a', states: { a: 'nope' } })),
      (e: unknown) => e instanceof ImportFormatError && /states\.a is not an object/.test(e.message),
    );
  });

  it('refuses deeply nested JSON before parsing it', async () => {
    const deep = `{"initial":"a","states":${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}}`;
    await assert.rejects(convertImport(deep, 'deep.json'), (e: unknown) => e instanceof InputLimitError);
  });
});
