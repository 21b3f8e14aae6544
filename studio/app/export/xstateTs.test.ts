import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { type GymSpec, parseSpec } from '@palestra/envs/core';
import ts from 'typescript';
import * as xstate from 'xstate';
import { tsLiteral } from './tsLiteral.ts';
import { xstateTs } from './xstateTs.ts';

type Machine = GymSpec['machine'];

/**
 * The module as TypeScript transpiles it (no syntax diagnostics allowed), run with `xstate` as the
 * given module: its exports.
 */
function run(source: string, xstateModule: unknown): Record<string, unknown> {
  const out = ts.transpileModule(source, {
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, strict: true },
  });
  assert.deepEqual(
    (out.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')),
    [],
  );
  const exports: Record<string, unknown> = {};
  const require = (name: string) => {
    assert.equal(name, 'xstate', 'the module imports xstate only');
    return xstateModule;
  };
  new Function('require', 'exports', out.outputText)(require, exports);
  return exports;
}

/** A config captured by a stand-in `createMachine`, to compare with the spec. */
const capture = { createMachine: (config: unknown) => ({ config }) };

interface StateEvents {
  path: string;
  events: string[];
}

/** Every state's dotted path and its `on` event names, from the spec. */
function statesOf(node: Machine, prefix = ''): StateEvents[] {
  return Object.entries(node.states ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [{ path, events: Object.keys(child.on ?? {}).sort() }, ...statesOf(child, path)];
  });
}

/** The same, from a real XState machine. */
function xstateStatesOf(node: xstate.AnyStateMachine['root'], prefix = ''): StateEvents[] {
  return Object.entries(node.states).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    const events = Object.keys(child.config.on ?? {}).sort();
    return [{ path, events }, ...xstateStatesOf(child, path)];
  });
}

/**
 * Type errors of TypeScript modules given by name, checked together against the real `xstate`
 * types (strict). The files exist only in memory, beside this test, so `xstate` resolves from here.
 */
function typeErrors(sources: Map<string, string>): string[] {
  const files = new Map([...sources].map(([name, text]) => [join(import.meta.dirname, `${name}.ts`), text]));
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (f, lang, ...rest) => {
    const text = files.get(f);
    return text === undefined
      ? getSourceFile.call(host, f, lang, ...rest)
      : ts.createSourceFile(f, text, lang);
  };
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

describe('xstateTs', () => {
  it('every catalog machine type-checks against xstate (strict), and a wrong config does not', () => {
    const sources = new Map(catalogNames().map((n) => [`__${n}.machine`, xstateTs(loadCatalog(n).spec)]));
    const broken = xstateTs(loadCatalog('tally').spec).replace(
      'createMachine({',
      'createMachine({ bogus: 1,',
    );
    const errors = typeErrors(new Map([...sources, ['__broken.machine', broken]]));
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /__broken\.machine\.ts: .*'bogus' does not exist/);
  });

  for (const name of catalogNames()) {
    it(`${name}: transpiles cleanly and holds the spec's machine, context, guards and actions`, () => {
      const { spec } = loadCatalog(name);
      const source = xstateTs(spec);
      assert.match(source, /^import \{ createMachine \} from 'xstate';$/m);
      const exports = run(source, capture);
      const { id, ...rest } = spec.machine;
      const expected = { ...(id !== undefined && { id }), context: spec.context.initial, ...rest };
      assert.deepEqual((exports.machine as { config: unknown }).config, JSON.parse(JSON.stringify(expected)));
      assert.deepEqual(exports.guards, JSON.parse(JSON.stringify(spec.guards)));
      assert.deepEqual(exports.actions, JSON.parse(JSON.stringify(spec.actions)));
    });

    it(`${name}: real XState builds the same states and events`, () => {
      const { spec } = loadCatalog(name);
      const machine = run(xstateTs(spec), xstate).machine as xstate.AnyStateMachine;
      assert.deepEqual(xstateStatesOf(machine.root), statesOf(spec.machine));
      assert.deepEqual(
        Object.keys(machine.root.config.on ?? {}).sort(),
        Object.keys(spec.machine.on ?? {}).sort(),
      );
    });
  }

  it('keeps hostile names and text intact: quotes, backslashes, line breaks, </script>', () => {
    const spec = parseSpec({
      specVersion: 1,
      name: 'hostile',
      version: '1.0.0',
      description: 'line one\nline two */ // \u2028 end',
      tasks: { list: [{ id: 't' }] },
      tools: [{ name: 'go', description: 'go', event: 'GO' }],
      observation: { template: 'x' },
      machine: {
        initial: 'a"b\\c</script>',
        states: {
          'a"b\\c</script>': { on: { GO: { target: 'done-ok', actions: 'act' } } },
          'done-ok': { type: 'final' },
        },
      },
      actions: { act: { assign: { note: "'it\\'s \"quoted\"\\n'" } } },
    });
    const source = xstateTs(spec);
    const exports = run(source, capture);
    const config = (exports.machine as { config: { states: Record<string, unknown> } }).config;
    assert.deepEqual(Object.keys(config.states), ['a"b\\c</script>', 'done-ok']);
    assert.deepEqual(config.states['done-ok'], { type: 'final' });
    assert.deepEqual(exports.actions, JSON.parse(JSON.stringify(spec.actions)));
    const machine = run(source, xstate).machine as xstate.AnyStateMachine;
    assert.deepEqual(Object.keys(machine.root.states), ['a"b\\c</script>', 'done-ok']);
  });

  it('writes a `__proto__` key as an own property, not a prototype', () => {
    const value = JSON.parse('{"__proto__": {"polluted": true}, "a-b": ["x\\n"]}');
    const back = new Function(`return ${tsLiteral(value)};`)();
    assert.deepEqual(Object.keys(back), ['__proto__', 'a-b']);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(back['a-b'], ['x\n']);
  });
});
