import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { loadCatalog } from '../../catalog/index.ts';
import { PalestraError, SpecError, type SpecIssue } from '../errors.ts';
import { InputLimitError, SPEC_LIMITS } from './limits.ts';
import { parseSpec } from './parse.ts';
import { parseSpecBytes } from './specFile.ts';

/**
 * The malformed-spec corpus: each case starts from one valid spec, breaks one thing, and asserts
 * the EXACT JSON path of the issue and that its message or hint names the fix. Cases marked
 * `before: 'missed'` were accepted or mislocated before issue 11 (a crash, XState's text with no
 * path, a hint pointing at $.machine, or silence).
 */
// biome-ignore lint/suspicious/noExplicitAny: each case breaks the spec at a path of its choosing
type Spec = Record<string, any>;

function valid(): Spec {
  return {
    specVersion: 1,
    name: 'door',
    version: '1.0.0',
    description: 'Open the door.',
    context: { initial: { tries: 0 } },
    tasks: {
      list: [
        { id: 'd1', instructions: 'open the door' },
        { id: 'd2', instructions: 'open it again' },
      ],
    },
    tools: [
      {
        name: 'push',
        description: 'push the door',
        parameters: {
          type: 'object',
          properties: { force: { type: 'number', minimum: 0 } },
          required: ['force'],
        },
        event: 'PUSH',
      },
      { name: 'knock', description: 'knock', event: 'KNOCK' },
    ],
    machine: {
      initial: 'closed',
      states: {
        closed: {
          initial: 'locked',
          states: { locked: { on: { KNOCK: 'ajar' } }, ajar: {}, hist: { type: 'history', target: 'ajar' } },
          on: { PUSH: [{ guard: 'strong', target: 'open', actions: 'count' }, { actions: 'count' }] },
        },
        open: { type: 'final', entry: ['count'] },
      },
    },
    guards: { strong: { expr: 'event.force > 1.0' } },
    actions: { count: { assign: { tries: 'tries + 1' } } },
    reward: { rules: [{ onEnter: 'open', value: 1 }, { perStep: -0.01 }], bounds: { min: -0.5, max: 1 } },
    observation: { template: 'tries: {{tries}}' },
    limits: { maxSteps: 50 },
  };
}

interface Case {
  name: string;
  brk: (s: Spec) => unknown;
  path: string;
  /** What the message or hint must say: the fix. */
  fix: RegExp;
  files?: Record<string, string>;
  before?: 'missed';
}

const CASES: Case[] = [
  // The whole value.
  {
    name: 'an array is not a spec',
    brk: () => [],
    path: '$',
    fix: /a GymSpec is a JSON object.*start from a catalog spec/s,
  },
  { name: 'null is not a spec', brk: () => null, path: '$', fix: /JSON object, not null/ },
  {
    name: 'a future specVersion',
    brk: (s) => {
      s.specVersion = 2;
    },
    path: '$.specVersion',
    fix: /upgrade Palestra/,
  },
  // zod shape errors and unknown keys.
  {
    name: 'a missing name',
    brk: (s) => {
      delete s.name;
    },
    path: '$.name',
    fix: /add "name"/,
  },
  {
    name: 'a name with capitals',
    brk: (s) => {
      s.name = 'Door';
    },
    path: '$.name',
    fix: /use lowercase letters, digits and -/,
  },
  {
    name: 'a version that is not semver',
    brk: (s) => {
      s.version = '1.0';
    },
    path: '$.version',
    fix: /semantic versioning, e\.g\. 1\.0\.0/,
  },
  {
    name: 'an unknown top-level key',
    brk: (s) => {
      s.rewards = [];
    },
    path: '$',
    fix: /unknown key "rewards": remove it or check the spelling/,
  },
  {
    name: 'an unknown key in a state',
    brk: (s) => {
      s.machine.states.open.onEntry = ['count'];
    },
    path: '$.machine.states.open.onEntry',
    fix: /remove it or check the spelling; a state node has id, type.*entry/,
  },
  {
    name: 'no tools',
    brk: (s) => {
      s.tools = [];
    },
    path: '$.tools',
    fix: /an agent needs at least one tool/,
  },
  {
    name: 'an empty task list',
    brk: (s) => {
      s.tasks.list = [];
    },
    path: '$.tasks.list',
    fix: /give at least one task/,
  },
  {
    name: 'a tool without a description',
    brk: (s) => {
      s.tools[1].description = '';
    },
    path: '$.tools[1].description',
    fix: /describe the tool/,
  },
  {
    name: 'maxSteps of 0',
    brk: (s) => {
      s.limits.maxSteps = 0;
    },
    path: '$.limits.maxSteps',
    fix: />=1/,
  },
  {
    name: 'an observation with no template',
    brk: (s) => {
      s.observation = { json: { t: 'tries' } };
    },
    path: '$.observation',
    fix: /give a Mustache "template"/,
  },
  {
    name: 'a guard with both expr and module',
    brk: (s) => {
      s.guards.strong.module = 'door.js#strong';
    },
    path: '$.guards.strong',
    fix: /give exactly one of "expr".*or "module"/,
  },
  {
    name: 'a reward rule of two kinds',
    brk: (s) => {
      s.reward.rules[1].expr = '0.5';
    },
    path: '$.reward.rules[1]',
    fix: /exactly one of onEnter, perStep, when, expr or module/,
  },
  {
    name: 'an onEnter rule without value',
    brk: (s) => {
      delete s.reward.rules[0].value;
    },
    path: '$.reward.rules[0].value',
    fix: /need a "value"/,
  },
  // Clock keys.
  {
    name: 'a delayed transition (after)',
    brk: (s) => {
      s.machine.states.closed.after = { 1000: 'open' };
    },
    path: '$.machine.states.closed.after',
    fix: /count steps in the context and use a guard/,
  },
  {
    name: 'an invoked actor',
    brk: (s) => {
      s.machine.states.open.invoke = { src: 'timer' };
    },
    path: '$.machine.states.open.invoke',
    fix: /put the logic in an action or a code module/,
  },
  // References.
  {
    name: 'an unknown guard',
    brk: (s) => {
      s.machine.states.closed.on.PUSH[0].guard = 'strnog';
    },
    path: '$.machine.states.closed.on.PUSH[0].guard',
    fix: /declare "strnog" under "guards"/,
  },
  {
    name: 'an unknown action in an entry list',
    brk: (s) => {
      s.machine.states.open.entry = ['count', 'celebrate'];
    },
    path: '$.machine.states.open.entry[1]',
    fix: /declare "celebrate" under "actions" or use one of: count/,
  },
  {
    name: 'an unknown state in onEnter',
    brk: (s) => {
      s.reward.rules[0].onEnter = 'opened';
    },
    path: '$.reward.rules[0].onEnter',
    fix: /dotted path from the root.*explicit "id"/,
  },
  {
    name: 'an unknown state in truncateOn',
    brk: (s) => {
      s.truncateOn = ['closed.ajar', 'overflow'];
    },
    path: '$.truncateOn[1]',
    fix: /dotted path from the root.*explicit "id"/,
  },
  // Targets, initial, history (XState's text with no path before).
  {
    name: 'a transition to a state that does not exist',
    brk: (s) => {
      s.machine.states.closed.on.PUSH[0].target = 'opne';
    },
    path: '$.machine.states.closed.on.PUSH[0].target',
    fix: /no state "opne".*a sibling by key \("open"\).*the states are: closed, closed\.locked/s,
    before: 'missed',
  },
  {
    name: 'a shorthand transition to a missing child',
    brk: (s) => {
      s.machine.states.closed.states.locked.on.KNOCK = 'ajr';
    },
    path: '$.machine.states.closed.states.locked.on.KNOCK',
    fix: /"closed" has no child state "ajr" \(its children: locked, ajar, hist\)/,
    before: 'missed',
  },
  {
    name: 'a missing state in a list of targets',
    brk: (s) => {
      s.machine.states.closed.on.PUSH[0].target = ['open', '#nowhere'];
    },
    path: '$.machine.states.closed.on.PUSH[0].target[1]',
    fix: /no state has the id "nowhere".*any state by id/s,
    before: 'missed',
  },
  {
    name: 'a missing always target',
    brk: (s) => {
      s.machine.states.closed.states.ajar.always = { target: 'lockd' };
    },
    path: '$.machine.states.closed.states.ajar.always.target',
    fix: /no state "lockd".*a sibling by key \("locked", "hist"\)/s,
    before: 'missed',
  },
  {
    name: 'a bare target on the root',
    brk: (s) => {
      s.machine.on = { KNOCK: 'open' };
    },
    path: '$.machine.on.KNOCK',
    fix: /only target its children \("\.open"\)/,
    before: 'missed',
  },
  {
    name: 'an initial state that is not a child',
    brk: (s) => {
      s.machine.initial = 'shut';
    },
    path: '$.machine.initial',
    fix: /names one of the state's own children by key: "closed", "open"/,
  },
  {
    name: 'a compound state without initial',
    brk: (s) => {
      delete s.machine.states.closed.initial;
    },
    path: '$.machine.states.closed.initial',
    fix: /add "initial": "locked"/,
  },
  {
    name: 'a history default that is not a state',
    brk: (s) => {
      s.machine.states.closed.states.hist.target = 'ajr';
    },
    path: '$.machine.states.closed.states.hist.target',
    fix: /name a sibling of the history state \("locked", "ajar"\)/,
    before: 'missed',
  },
  {
    name: 'two states with one id',
    brk: (s) => {
      s.machine.states.closed.states.ajar.id = 'door';
      s.machine.states.open.id = 'door';
    },
    path: '$.machine.states.open.id',
    fix: /already used by \$\.machine\.states\.closed\.states\.ajar.*its own id/s,
    before: 'missed',
  },
  {
    name: 'an empty event name',
    brk: (s) => {
      s.machine.states.closed.on[''] = 'open';
    },
    path: '$.machine.states.closed.on[""]',
    fix: /use "always"/,
    before: 'missed',
  },
  // Tools.
  {
    name: 'a tool parameter schema with a misspelt type',
    brk: (s) => {
      s.tools[0].parameters.properties.force.type = 'nubmer';
    },
    path: '$.tools[0].parameters.properties.force.type',
    fix: /"type" must be one of "array", "boolean", "integer", "null", "number", "object", "string" \(got "nubmer"\)/,
    before: 'missed',
  },
  {
    name: 'a tool parameter schema with required as a string',
    brk: (s) => {
      s.tools[0].parameters.required = 'force';
    },
    path: '$.tools[0].parameters.required',
    fix: /"required" must be array \(got "force"\).*JSON Schema \(draft-07\): fix the keyword/s,
    before: 'missed',
  },
  {
    name: 'a tool parameter pattern that is not a regular expression',
    brk: (s) => {
      s.tools[0].parameters.properties.note = { type: 'string', pattern: '(' };
    },
    path: '$.tools[0].parameters.properties.note.pattern',
    fix: /ECMAScript regular expression/,
    before: 'missed',
  },
  {
    name: 'a tool parameter $ref that does not resolve',
    brk: (s) => {
      s.tools[0].parameters.properties.note = { $ref: '#/definitions/note' };
    },
    path: '$.tools[0].parameters.properties.note.$ref',
    fix: /point \$ref at a definition inside this schema/,
    before: 'missed',
  },
  {
    name: 'a context schema that is not a JSON Schema',
    brk: (s) => {
      s.context.schema = { type: 'object', properties: { tries: { type: 'int' } } };
    },
    path: '$.context.schema.properties.tries.type',
    fix: /"type" must be one of .*"integer".*\(got "int"\).*JSON Schema/s,
    before: 'missed',
  },
  {
    name: 'a tool whose event no state handles',
    brk: (s) => {
      s.tools[1].event = 'KNOK';
    },
    path: '$.tools[1].event',
    fix: /add "on": \{ "KNOK": … \}.*or map the tool to a handled event \("PUSH", "KNOCK"\)/s,
    before: 'missed',
  },
  {
    name: 'two tools with one name',
    brk: (s) => {
      s.tools[1].name = 'push';
    },
    path: '$.tools[1].name',
    fix: /rename one of them/,
  },
  {
    name: 'a tool mapped to the reply event',
    brk: (s) => {
      s.tools[1].event = 'REPLY';
      s.machine.states.closed.states.locked.on.REPLY = 'ajar';
    },
    path: '$.tools[1].event',
    fix: /reserved for text replies.*set "replyEvent" to another name/s,
  },
  {
    name: 'a tool event that is not an identifier',
    brk: (s) => {
      s.tools[1].event = 'knock on door';
    },
    path: '$.tools[1].event',
    fix: /use letters, digits and _ only/,
  },
  // Tasks, expressions, templates, modules, bounds.
  {
    name: 'two tasks with one id',
    brk: (s) => {
      s.tasks.list[1].id = 'd1';
    },
    path: '$.tasks.list[1].id',
    fix: /give every task its own id/,
  },
  {
    name: 'a CEL guard that does not parse',
    brk: (s) => {
      s.guards.strong.expr = 'event.force >';
    },
    path: '$.guards.strong.expr',
    fix: /fix the CEL expression/,
  },
  {
    name: 'a CEL assignment that does not parse',
    brk: (s) => {
      s.actions.count.assign.tries = 'tries +* 1';
    },
    path: '$.actions.count.assign.tries',
    fix: /fix the CEL expression/,
  },
  {
    name: 'a CEL expression nested past the depth limit',
    brk: (s) => {
      s.guards.strong.expr = `${'('.repeat(5000)}true${')'.repeat(5000)}`;
    },
    path: '$.guards.strong.expr',
    fix: /fix the CEL expression/,
  },
  {
    name: 'an unclosed template section',
    brk: (s) => {
      s.observation.template = '{{#tries}}tried';
    },
    path: '$.observation.template',
    fix: /close every \{\{#section\}\}/,
  },
  {
    name: 'a template whose sections nest 20,000 deep (rendering would overflow the stack)',
    brk: (s) => {
      s.observation.template = `${'{{#tries}}'.repeat(20_000)}x${'{{/tries}}'.repeat(20_000)}`;
    },
    path: '$.observation.template',
    fix: /nest 20000 deep; the limit is 128.*flatten the template/s,
    before: 'missed',
  },
  {
    name: 'a module file that is not in the bundle',
    brk: (s) => {
      s.guards.strong = { module: 'door.js#strong' };
    },
    files: { 'dor.js': 'export function strong() { return true; }' },
    path: '$.guards.strong.module',
    fix: /put door\.js beside spec\.json/,
  },
  {
    name: 'bounds with min greater than max',
    brk: (s) => {
      s.reward.bounds = { min: 1, max: -0.5 };
    },
    path: '$.reward.bounds',
    fix: /swap them/,
  },
  {
    name: 'a final root',
    brk: (s) => {
      s.machine.type = 'final';
    },
    path: '$.machine.type',
    fix: /make a child state final instead/,
  },
];

function issueText(i: SpecIssue): string {
  return `${i.message}\n${i.hint ?? ''}`;
}

for (const c of CASES) {
  test(`malformed spec: ${c.name} → ${c.path}`, () => {
    const spec = valid();
    const replaced = c.brk(spec);
    const input = replaced === undefined ? spec : replaced;
    assert.throws(
      () => parseSpec(input, c.files ?? {}),
      (e: unknown) => {
        assert.ok(e instanceof SpecError, `expected a SpecError, got ${e}`);
        const at = e.issues.filter((i) => i.path === c.path);
        assert.ok(at.length > 0, `no issue at ${c.path}: ${JSON.stringify(e.issues)}`);
        assert.ok(
          at.some((i) => c.fix.test(issueText(i))),
          `the issue at ${c.path} does not name the fix ${c.fix}: ${JSON.stringify(at)}`,
        );
        return true;
      },
    );
  });
}

test('the corpus has at least 30 cases, and its base spec is valid', () => {
  assert.ok(CASES.length >= 30);
  const spec = parseSpec(valid(), {});
  assert.equal(spec.name, 'door');
});

// Limits, encodings and file formats: through parseSpec (a value from code), the file reader, and
// loadCatalog of a folder.

const tmp = mkdtempSync(join(tmpdir(), 'palestra-malformed-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function deep(n: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

test('malformed spec: a value nested 100,000 deep is refused with its path, before zod recurses', () => {
  const spec = valid();
  spec.context.initial.deep = deep(100_000);
  assert.throws(
    () => parseSpec(spec),
    (e: unknown) => {
      assert.ok(e instanceof InputLimitError);
      assert.equal(e.code, 'INPUT_TOO_DEEP');
      // $ is level 1, context 2, initial 3, deep 4, and 124 more arrays reach the limit of 128:
      // the path is the first value past it, at level 129.
      assert.equal(e.details.path, `$.context.initial.deep${'[0]'.repeat(SPEC_LIMITS.maxDepth - 3)}`);
      assert.match(e.hint!, /flatten the data/);
      return true;
    },
  );
});

test('malformed spec: a cyclic value (from code) is refused, not looped over', () => {
  const spec = valid();
  spec.context.initial.self = spec.context.initial;
  assert.throws(() => parseSpec(spec), { code: 'INPUT_TOO_DEEP' });
});

test('malformed spec file: 100,000 deep names the file, line, column and JSON path', () => {
  const text = JSON.stringify({ ...valid(), context: { initial: { deep: 'X' } } }).replace(
    '"X"',
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  );
  assert.throws(
    () => parseSpecBytes(new TextEncoder().encode(text), 'deep/spec.json'),
    (e: unknown) => {
      assert.ok(e instanceof InputLimitError);
      assert.equal(e.code, 'INPUT_TOO_DEEP');
      assert.equal(e.details.file, 'deep/spec.json');
      // The same path as for the value: the file and the value are held to one limit.
      assert.equal(e.details.path, `$.context.initial.deep${'[0]'.repeat(SPEC_LIMITS.maxDepth - 3)}`);
      assert.equal(e.details.line, 1);
      assert.match(
        e.message,
        /^deep\/spec\.json nests deeper than 128 levels at line 1, column \d+ \(\$\.context\.initial\.deep\[0\]…\[0\] \(125 times\)\)/,
      );
      return true;
    },
  );
});

test('malformed spec file: over the size limit, refused before it is read', () => {
  const dir = join(tmp, 'huge');
  mkdirSync(dir);
  writeFileSync(join(dir, 'spec.json'), '');
  truncateSync(join(dir, 'spec.json'), SPEC_LIMITS.maxChars + 1); // sparse: nothing is written
  assert.throws(
    () => loadCatalog(dir),
    (e: unknown) => {
      assert.ok(e instanceof InputLimitError);
      assert.equal(e.code, 'INPUT_TOO_LARGE');
      assert.equal(e.details.file, join(dir, 'spec.json'));
      assert.match(e.hint!, /task module/);
      return true;
    },
  );
});

test('malformed spec file: text over the size limit (bytes in memory)', () => {
  const text = `{"description": "${'x'.repeat(SPEC_LIMITS.maxChars)}"}`;
  assert.throws(() => parseSpecBytes(Buffer.from(text), 'big.json'), { code: 'INPUT_TOO_LARGE' });
});

function latin1Spec(): Uint8Array {
  // "Café" written as Latin-1: é is the single byte E9, which is not UTF-8.
  const text = JSON.stringify({ ...valid(), description: 'Café au lait' }, null, 2);
  const bytes = Buffer.from(text, 'latin1');
  return bytes;
}

test('malformed spec file: bytes that are not UTF-8 name the string and the byte offset', () => {
  const bytes = latin1Spec();
  const offset = bytes.indexOf(0xe9);
  assert.throws(
    () => parseSpecBytes(bytes, 'latin1/spec.json'),
    (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.equal(e.file, 'latin1/spec.json');
      assert.equal(e.issues.length, 1);
      const [issue] = e.issues;
      assert.equal(issue!.path, '$.description');
      assert.match(
        issue!.message,
        new RegExp(`not UTF-8 at byte offset ${offset} \\(line 5, column 22: e9 20 61 75…\\)`),
      );
      assert.match(issue!.hint!, /save the file as UTF-8/);
      return true;
    },
  );
});

test('malformed spec file: bad bytes in a key and after a real U+FFFD are still found', () => {
  const head = Buffer.from('{"tasks": {"list": [{"id": "\uFFFD ok", "data": {"k');
  const bytes = Buffer.concat([head, Buffer.from([0xc3, 0x28]), Buffer.from('y": 1}}]}}')]);
  assert.throws(
    () => parseSpecBytes(bytes, 'k.json'),
    (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.equal(e.issues[0]!.path, '$.tasks.list[0].data["k\uFFFD(y"]');
      assert.match(e.issues[0]!.message, new RegExp(`byte offset ${head.length} `));
      return true;
    },
  );
});

test('a module file with bytes that are not UTF-8 is refused with the file and byte offset', () => {
  const dir = join(tmp, 'latin1-module');
  mkdirSync(dir);
  const spec = valid();
  spec.guards.strong = { module: 'door.js#strong' };
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  const code = Buffer.concat([
    Buffer.from('// caf'),
    Buffer.from([0xe9]),
    Buffer.from('\nexport const strong = () => true;\n'),
  ]);
  writeFileSync(join(dir, 'door.js'), code);
  assert.throws(
    () => loadCatalog(dir),
    (e: unknown) => {
      assert.ok(e instanceof PalestraError);
      assert.equal(e.code, 'FILE_NOT_UTF8');
      assert.deepEqual(e.details, { file: join(dir, 'door.js'), byte: 6, line: 1, column: 7 });
      assert.match(e.hint!, /save the module as UTF-8/);
      return true;
    },
  );
});

test('malformed spec file: YAML is told that specs are JSON, with the line and column', () => {
  const yaml = 'specVersion: 1\nname: door\nversion: 1.0.0\ntools:\n  - name: push\n';
  assert.throws(
    () => parseSpecBytes(Buffer.from(yaml), 'door/spec.json'),
    (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.equal(e.file, 'door/spec.json');
      assert.equal(e.issues[0]!.path, '$');
      assert.match(
        e.issues[0]!.message,
        /looks like YAML, not JSON \(the JSON syntax breaks at line 1, column 1: expected a value/,
      );
      assert.match(
        e.issues[0]!.hint!,
        /GymSpecs are JSON\. Convert the YAML to JSON with a tool \(e\.g\. `yq -o=json/,
      );
      return true;
    },
  );
});

test('malformed spec file: a spec.yaml with no spec.json in the folder', () => {
  const dir = join(tmp, 'yaml-only');
  mkdirSync(dir);
  writeFileSync(join(dir, 'spec.yaml'), 'specVersion: 1\n');
  assert.throws(
    () => loadCatalog(dir),
    (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.equal(e.file, join(dir, 'spec.yaml'));
      assert.match(e.explain(), /GymSpecs are JSON.*yq -o=json \. spec\.yaml > spec\.json/s);
      return true;
    },
  );
  // And named directly, the YAML file itself gets the same answer.
  assert.throws(() => loadCatalog(join(dir, 'spec.yaml')), /looks like YAML, not JSON/);
});

test('malformed spec file: a trailing comma names the object, line and column', () => {
  const text = '{\n  "specVersion": 1,\n  "tools": [\n    { "name": "push", }\n  ]\n}';
  assert.throws(
    () => parseSpecBytes(Buffer.from(text), 'comma.json'),
    (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.deepEqual(
        { path: e.issues[0]!.path, message: e.issues[0]!.message },
        {
          path: '$.tools[0]',
          message: 'not valid JSON at line 4, column 23: expected a double-quoted key (no trailing comma)',
        },
      );
      assert.match(e.issues[0]!.hint!, /strict JSON.*no trailing commas/);
      return true;
    },
  );
});

test('loadCatalog of a folder names the spec file in every spec error', () => {
  const dir = join(tmp, 'named');
  mkdirSync(dir);
  const spec = valid();
  spec.tools[1].event = 'KNOK';
  writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
  assert.throws(
    () => loadCatalog(dir),
    (e: unknown) => {
      assert.ok(e instanceof SpecError);
      assert.equal(e.file, join(dir, 'spec.json'));
      assert.match(
        e.message,
        new RegExp(
          `invalid GymSpec in ${join(dir, 'spec.json')} \\(1 problem\\):\\n  \\$\\.tools\\[1\\]\\.event: no state handles "KNOK"`,
        ),
      );
      // The fix is printed under the issue it belongs to.
      assert.match(e.message, /\n {4}→ add "on": \{ "KNOK": … \}/);
      return true;
    },
  );
  assert.throws(
    () => loadCatalog(join(tmp, 'nothing-here')),
    (e: unknown) => e instanceof PalestraError && e.code === 'ENV_NOT_FOUND',
  );
});

test('loadCatalog of a folder with a 100,000-deep spec: INPUT_TOO_DEEP, no RangeError', () => {
  const dir = join(tmp, 'deep');
  mkdirSync(dir);
  const text = JSON.stringify({ ...valid(), context: { initial: { deep: 'X' } } }).replace(
    '"X"',
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  );
  writeFileSync(join(dir, 'spec.json'), text);
  assert.throws(
    () => loadCatalog(dir),
    (e: unknown) =>
      e instanceof InputLimitError &&
      e.code === 'INPUT_TOO_DEEP' &&
      e.details.file === join(dir, 'spec.json'),
  );
});
