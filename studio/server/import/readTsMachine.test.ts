// The TypeScript reader: literal data only, never run; everything else refused where it stands,
// and hostile nesting refused before any parser recurses over it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ImportFormatError } from './errors.ts';
import { readTsMachine } from './readTsMachine.ts';

/** The refusal of `source`, asserted to be an ImportFormatError. */
async function refusal(source: string, file?: string): Promise<ImportFormatError> {
  try {
    await readTsMachine(source, file);
  } catch (e) {
    assert.ok(e instanceof ImportFormatError, `an ImportFormatError, not ${String(e)}`);
    return e;
  }
  assert.fail(`${source.slice(0, 60)} was read`);
}

describe('readTsMachine', () => {
  it('reads setup(…).createMachine(config) with as/satisfies, numbers, template-less strings, and a const config', async () => {
    const source = [
      "import { setup, assign } from 'xstate';",
      'const config = {',
      "  id: 'door',",
      '  context: { tries: -1, big: 1_000, hex: 0x10, label: `plain` },',
      "  initial: 'closed',",
      '  types: {} as { context: { tries: number } },',
      '  states: {',
      "    closed: { on: { OPEN: { target: 'open', guard: 'unlocked' } } },",
      "    open: { on: { CLOSE: 'closed' }, entry: ['log'] },",
      '  },',
      '} satisfies object;',
      'export const machine = setup({ actions: { log: () => console.log(1), bump: assign({}) } }).createMachine(config);',
    ].join('\n');
    const { config, warnings } = await readTsMachine(source, 'door.ts');
    assert.deepEqual(config, {
      id: 'door',
      context: { tries: -1, big: 1000, hex: 16, label: 'plain' },
      initial: 'closed',
      states: {
        closed: { on: { OPEN: { target: 'open', guard: 'unlocked' } } },
        open: { on: { CLOSE: 'closed' }, entry: ['log'] },
      },
    });
    assert.deepEqual(warnings, []);
  });

  it('a key "__proto__" stays a key, as JSON.parse keeps it', async () => {
    const { config } = await readTsMachine("createMachine({ states: { '__proto__': { on: { GO: 'x' } } } })");
    const states = config.states as Record<string, unknown>;
    assert.ok(Object.hasOwn(states, '__proto__'));
    assert.equal(Object.getPrototypeOf(states), Object.prototype);
  });

  it('refuses a function call, a spread of an identifier, a computed key, a function and a variable, each with its line and column', async () => {
    const cases: Array<[string, number, number, RegExp]> = [
      [
        "createMachine({\n  initial: 'a',\n  states: { a: { entry: assign({ n: 1 }) } },\n})",
        3,
        25,
        /function call/,
      ],
      ['const base = {};\ncreateMachine({\n    ...base,\n})', 3, 5, /spread/],
      ['createMachine({\n  states: { [key]: {} },\n})', 2, 13, /computed key/],
      ['createMachine({ context: () => ({ n: 1 }) })', 1, 26, /a function is code/],
      ['createMachine({ initial: first })', 1, 26, /`first` names a variable/],
      ['createMachine({ states: [...more] })', 1, 26, /spread/],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a TypeScript source with a template
      ['createMachine({ id: `m-${n}` })', 1, 21, /template string/],
      ['createMachine({ initial })', 1, 17, /`initial` names a variable/],
      ['createMachine({ on: { GO: undefined } })', 1, 27, /`undefined` is not data/],
    ];
    for (const [source, line, column, what] of cases) {
      const e = await refusal(source);
      assert.equal(e.code, 'STUDIO_IMPORT_UNSUPPORTED', source);
      assert.deepEqual(e.position, { line, column }, source);
      assert.match(e.message, new RegExp(`^line ${line}, column ${column}: `));
      assert.match(e.message, what, source);
      assert.ok(e.hint && /never runs the file/.test(e.hint));
    }
  });

  it('never runs the file: code beside the machine has no effect', async () => {
    const marker = `palestraImportRan${Date.now()}`;
    const { config } = await readTsMachine(
      `globalThis.${marker} = true;\nexport const m = createMachine({ initial: 'a', states: { a: {} } });`,
    );
    assert.equal((globalThis as Record<string, unknown>)[marker], undefined);
    assert.equal(config.initial, 'a');
  });

  it('syntax errors and files without a machine are refused with where and what to do', async () => {
    const syntax = await refusal("const x = 1;\ncreateMachine({ initial: 'a',, })");
    assert.equal(syntax.code, 'STUDIO_IMPORT_SYNTAX');
    assert.equal(syntax.position?.line, 2);
    const none = await refusal('export const x = { initial: "a" };');
    assert.equal(none.code, 'STUDIO_IMPORT_NO_MACHINE');
    const two = await readTsMachine("createMachine({ id: 'one' });\ncreateMachine({ id: 'two' });");
    assert.equal(two.config.id, 'one');
    assert.match(two.warnings[0] ?? '', /2 machines: the first \(line 1\).*line 2/);
  });

  it('refuses deep nesting before parsing, not with a stack overflow', async () => {
    const deep = await refusal(`createMachine(${'{ a: '.repeat(50_000)}1${' }'.repeat(50_000)})`);
    assert.equal(deep.code, 'STUDIO_IMPORT_TOO_DEEP');
    assert.deepEqual(deep.position, { line: 1, column: 15 + 255 * 5 });
    const brackets = await refusal(`createMachine(${'['.repeat(1_000_000)}`);
    assert.equal(brackets.code, 'STUDIO_IMPORT_TOO_DEEP');
    // Inside `${…}` of a template literal, brackets count too.
    const template = await refusal(`createMachine({ id: \`${'${['.repeat(300)}\` })`);
    assert.equal(template.code, 'STUDIO_IMPORT_TOO_DEEP');
    // Brackets in strings and comments do not count.
    const quoted = await readTsMachine(
      `// ${'{'.repeat(1000)}\ncreateMachine({ id: "${'['.repeat(1000)}" })`,
    );
    assert.equal(quoted.config.id, '['.repeat(1000));
  });

  it('refuses long chains of operators (deep without brackets) without crashing', async () => {
    // The parser recurses once per prefix operator: its stack overflow is caught and reported.
    const unary = await refusal(`createMachine({ a: ${'- '.repeat(200_000)}1 })`);
    assert.equal(unary.code, 'STUDIO_IMPORT_TOO_DEEP');
    // A binary chain is parsed in a loop; the reader walks the tree with its own stack and refuses it as code.
    const binary = await refusal(`createMachine({ a: ${'1+'.repeat(200_000)}1 })`);
    assert.equal(binary.code, 'STUDIO_IMPORT_UNSUPPORTED');
    assert.deepEqual(binary.position, { line: 1, column: 20 });
  });
});
