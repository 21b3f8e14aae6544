import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Ajv } from 'ajv';
import fc from 'fast-check';
import { CATALOG_DIR, catalogNames, loadCatalog } from '../../catalog/index.ts';
import { goldenFiles } from '../episode/golden.ts';
import { readEpisode } from '../episode/reader.ts';
import { makeEnv } from './env.ts';
import { Prng } from './prng.ts';
import { sampleAction, sampleArguments } from './sample.ts';
import { sampleActionV1 } from './sampleV1.ts';

type Schema = Record<string, unknown>;

/** The kernel's validator settings (env.ts): what "valid arguments" means to an environment. */
const ajv = new Ajv({ allErrors: true, strict: false, logger: false, addUsedSchema: false });
const validate = (schema: Schema, value: unknown) => {
  const check = ajv.compile(schema);
  return check(value) ? null : ajv.errorsText(check.errors);
};

// Random tool schemas. Every one is satisfiable by construction (bounds leave room for an integer
// multiple of multipleOf, patterns admit the lengths they are given, uniqueItems only where the
// minimum count cannot exhaust a small domain), so an invalid sample is the sampler's fault.
const PATTERNS: { re: string; min: number; max: number }[] = [
  { re: '^[A-Z]-\\d{4}$', min: 6, max: 6 },
  { re: '^[a-z]+$', min: 1, max: 40 },
  { re: '^[a-z0-9_-]{3,16}$', min: 3, max: 16 },
  { re: '^(ok|no|maybe)$', min: 2, max: 5 },
  { re: '\\d{3}', min: 3, max: 30 },
  { re: '^[^\\s]{2,}$', min: 2, max: 20 },
  { re: '^#[0-9a-fA-F]{6}$', min: 7, max: 7 },
];

const stringSchema = fc.oneof(
  fc.record({ min: fc.nat(20), span: fc.nat(30), withMax: fc.boolean() }).map(({ min, span, withMax }) => ({
    type: 'string',
    ...(min > 0 ? { minLength: min } : {}),
    ...(withMax ? { maxLength: min + span } : {}),
  })),
  fc.record({ p: fc.constantFrom(...PATTERNS), lengths: fc.boolean() }).map(({ p, lengths }) => ({
    type: 'string',
    pattern: p.re,
    ...(lengths ? { minLength: p.min, maxLength: p.max } : {}),
  })),
  fc
    .constantFrom('date', 'date-time', 'time', 'email', 'uri', 'uuid', 'ipv4', 'hostname', 'no-such-format')
    .map((format) => ({ type: 'string', format })),
);

const numberSchema = fc
  .record({
    type: fc.constantFrom('number', 'integer'),
    lo: fc.integer({ min: -1000, max: 1000 }),
    width: fc.integer({ min: 30, max: 5000 }),
    low: fc.constantFrom('minimum', 'exclusiveMinimum', 'none'),
    high: fc.constantFrom('maximum', 'exclusiveMaximum', 'none'),
    multipleOf: fc.option(fc.constantFrom(1, 2, 3, 5, 0.5, 0.25, 0.1, 0.01), { nil: undefined }),
    fraction: fc.constantFrom(0, 0.3, 0.5),
  })
  .map(({ type, lo, width, low, high, multipleOf, fraction }) => ({
    type,
    ...(low === 'none' ? {} : { [low]: lo + fraction }),
    ...(high === 'none' ? {} : { [high]: lo + width + fraction }),
    ...(multipleOf === undefined ? {} : { multipleOf }),
  }));

const leafSchema = fc.oneof(
  stringSchema,
  numberSchema,
  fc.constant({ type: 'boolean' }),
  fc.constant({ type: 'null' }),
  fc.constant({}),
  fc.constant({ type: ['string', 'integer'], minLength: 2, minimum: 5 }),
  fc
    .uniqueArray(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { minLength: 1, maxLength: 5 })
    .map((e) => ({ enum: e })),
  fc.constantFrom('a', 7, true, null).map((c) => ({ const: c })),
  fc
    .uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 })
    .map((examples) => ({ type: 'string', minLength: 4, examples })),
);

const NAMES = ['orderId', 'reason', 'amount', 'items', 'note', 'when', 'a', 'b'];

const { node } = fc.letrec<{ node: Schema; object: Schema; array: Schema }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafSchema, tie('object'), tie('array')),
  object: fc
    .record({
      props: fc.dictionary(fc.constantFrom(...NAMES), tie('node'), { maxKeys: 4 }),
      requiredMask: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      closed: fc.boolean(),
      minProperties: fc.nat(3),
    })
    .map(({ props, requiredMask, closed, minProperties }) => {
      const keys = Object.keys(props);
      const required = keys.filter((_, i) => requiredMask[i]);
      return {
        type: 'object',
        properties: props,
        ...(required.length > 0 ? { required } : {}),
        ...(closed ? { additionalProperties: false } : {}),
        ...(minProperties > 0 && (!closed || minProperties <= keys.length) ? { minProperties } : {}),
      };
    }),
  array: fc
    .record({ items: tie('node'), min: fc.nat(3), extra: fc.nat(4), unique: fc.boolean() })
    .map(({ items, min, extra, unique }) => ({
      type: 'array',
      items,
      ...(unique ? { uniqueItems: true, minItems: Math.min(min, 1) } : { minItems: min }),
      maxItems: (unique ? Math.min(min, 1) : min) + extra,
    })),
}));

/** A tool's parameters: an object at the top, as the GymSpec schema requires. */
const toolSchema = fc
  .record({
    props: fc.dictionary(fc.constantFrom(...NAMES), node, { minKeys: 1, maxKeys: 5 }),
    requiredMask: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    closed: fc.boolean(),
  })
  .map(({ props, requiredMask, closed }) => {
    const keys = Object.keys(props);
    const required = keys.filter((_, i) => requiredMask[i]);
    return {
      type: 'object',
      properties: props,
      ...(required.length > 0 ? { required } : {}),
      ...(closed ? { additionalProperties: false } : {}),
    } as Schema;
  });

/** A spec with one tool taking `parameters`: all `sampleAction` reads of a spec. */
const oneTool = (parameters: Schema) =>
  ({ tools: [{ name: 'act', description: 'act', parameters, event: 'ACT' }] }) as unknown as Parameters<
    typeof sampleAction
  >[0];

describe('sampleAction', () => {
  test('property: for random tool schemas, every sampled argument set validates with ajv', () => {
    fc.assert(
      fc.property(toolSchema, fc.nat(2 ** 31), (schema, seed) => {
        const rng = new Prng(seed);
        for (let i = 0; i < 5; i++) {
          const action = sampleAction(oneTool(schema), rng) as { arguments: unknown };
          const why = validate(schema, action.arguments);
          assert.equal(
            why,
            null,
            `${JSON.stringify(action.arguments)} fails ${JSON.stringify(schema)}: ${why}`,
          );
        }
      }),
      { numRuns: 400 },
    );
  });

  test('property: the same seed draws the same arguments (and leaves the generator in the same state)', () => {
    fc.assert(
      fc.property(toolSchema, fc.nat(2 ** 31), (schema, seed) => {
        const a = new Prng(seed);
        const b = new Prng(seed);
        for (let i = 0; i < 3; i++)
          assert.deepEqual(sampleAction(oneTool(schema), a), sampleAction(oneTool(schema), b));
        assert.deepEqual(a.state, b.state);
      }),
      { numRuns: 150 },
    );
  });

  test('property: with invalidRate 1, arguments of a tool with a required property always fail its schema', () => {
    fc.assert(
      fc.property(
        toolSchema.filter((s) => Array.isArray(s.required)),
        fc.nat(2 ** 31),
        (schema, seed) => {
          const rng = new Prng(seed);
          for (let i = 0; i < 3; i++) {
            const action = sampleAction(oneTool(schema), rng, { invalidRate: 1 }) as { arguments: unknown };
            assert.notEqual(validate(schema, action.arguments), null, JSON.stringify(action.arguments));
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('keywords beyond the leaves: $ref, allOf, anyOf, oneOf, tuples, contains, additional properties', () => {
    const schemas: Schema[] = [
      {
        type: 'object',
        $defs: { id: { type: 'string', pattern: '^[A-Z]-\\d{4}$' } },
        properties: { orderId: { $ref: '#/$defs/id' }, other: { $ref: '#/$defs/id' } },
        required: ['orderId', 'other'],
        additionalProperties: false,
      },
      {
        type: 'object',
        properties: { n: { allOf: [{ type: 'integer', minimum: 3 }, { maximum: 9 }, { multipleOf: 3 }] } },
        required: ['n'],
      },
      {
        type: 'object',
        properties: {
          v: {
            anyOf: [
              { type: 'string', minLength: 5 },
              { type: 'integer', minimum: 100 },
            ],
          },
        },
        required: ['v'],
      },
      {
        type: 'object',
        properties: { v: { oneOf: [{ type: 'string', maxLength: 2 }, { type: 'boolean' }] } },
        required: ['v'],
      },
      {
        type: 'object',
        properties: {
          pair: {
            type: 'array',
            items: [{ type: 'integer' }, { type: 'string', minLength: 2 }],
            additionalItems: false,
            minItems: 2,
          },
          tags: { type: 'array', items: { type: 'string' }, contains: { const: 'urgent' }, minItems: 1 },
        },
        required: ['pair', 'tags'],
      },
      {
        type: 'object',
        properties: {},
        required: ['free'],
        additionalProperties: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      },
      {
        type: 'object',
        properties: { amount: { type: 'number', exclusiveMinimum: 0, maximum: 0.05 } },
        required: ['amount'],
      },
      {
        type: 'object',
        properties: { big: { type: 'integer', minimum: -1e300, maximum: 1e300 } },
        required: ['big'],
      },
    ];
    for (const schema of schemas) {
      const rng = new Prng(11);
      for (let i = 0; i < 60; i++) {
        const args = sampleArguments(schema, rng);
        const why = validate(schema, args);
        assert.equal(why, null, `${JSON.stringify(args)} fails ${JSON.stringify(schema)}: ${why}`);
      }
    }
  });

  test('patterns are drawn by randexp from our generator, never from Math.random', () => {
    const schema = {
      type: 'object',
      properties: {
        id: { type: 'string', pattern: '^[A-Z]-\\d{4}$' },
        slug: { type: 'string', pattern: '^[a-z]+(-[a-z]+)*$' },
      },
      required: ['id', 'slug'],
    };
    const random = Math.random;
    Math.random = () => {
      throw new Error('Math.random was called');
    };
    try {
      const draws = Array.from({ length: 20 }, (_, seed) => sampleArguments(schema, new Prng(seed)));
      const again = Array.from({ length: 20 }, (_, seed) => sampleArguments(schema, new Prng(seed)));
      assert.deepEqual(draws, again);
      for (const d of draws) assert.match(d.id as string, /^[A-Z]-\d{4}$/);
      assert.ok(new Set(draws.map((d) => d.id)).size > 15, 'different seeds should draw different ids');
    } finally {
      Math.random = random;
    }
  });

  test('every catalog environment accepts every sampled action (the kernel reports no INVALID_ARGUMENTS)', async () => {
    for (const name of catalogNames()) {
      const source = loadCatalog(name);
      const env = await makeEnv(source);
      try {
        const rng = new Prng(3);
        let seed = 0;
        env.reset({ seed });
        for (let i = 0; i < 150; i++) {
          const action = sampleAction(source.spec, rng);
          const r = env.step(action);
          assert.equal(
            r.info.invalidAction,
            undefined,
            `${name}: ${JSON.stringify(action)}: ${r.info.invalidAction?.message}`,
          );
          if (r.terminated || r.truncated) env.reset({ seed: ++seed });
        }
      } finally {
        env.close();
      }
    }
  });

  test("refund-desk's deny_refund and escalate get reasons of at least 3 characters (issue 11, §5)", () => {
    const spec = loadCatalog('refund-desk').spec;
    const rng = new Prng(0);
    let reasons = 0;
    for (let i = 0; i < 2000; i++) {
      const a = sampleAction(spec, rng) as { tool: string; arguments: Record<string, unknown> };
      if (a.tool !== 'deny_refund' && a.tool !== 'escalate') continue;
      reasons++;
      const reason = a.arguments.reason as string;
      assert.ok(reason.length >= 3 && reason.length <= 500, `reason ${JSON.stringify(reason)}`);
    }
    assert.ok(reasons > 500);
  });

  test('invalidRate asks for invalid arguments: about that share, each one refused by the kernel', async () => {
    const source = loadCatalog('refund-desk');
    const env = await makeEnv(source);
    try {
      const rng = new Prng(5);
      let seed = 0;
      let invalid = 0;
      const n = 400;
      env.reset({ seed });
      for (let i = 0; i < n; i++) {
        const action = sampleAction(source.spec, rng, { invalidRate: 0.25 }) as {
          tool: string;
          arguments: Record<string, unknown>;
        };
        const tool = source.spec.tools.find((t) => t.name === action.tool)!;
        const refused = validate(tool.parameters as Schema, action.arguments) !== null;
        const r = env.step(action);
        assert.equal(r.info.invalidAction?.code === 'INVALID_ARGUMENTS', refused, JSON.stringify(action));
        if (refused) invalid++;
        if (r.terminated || r.truncated) env.reset({ seed: ++seed });
      }
      assert.ok(invalid > n * 0.15 && invalid < n * 0.35, `${invalid} of ${n} invalid for invalidRate 0.25`);
    } finally {
      env.close();
    }
    assert.throws(() => sampleAction(source.spec, new Prng(0), { invalidRate: 2 }), {
      code: 'SAMPLE_OPTION_INVALID',
    });
  });
});

describe('sampleActionV1 (the golden recorder’s frozen sampler)', () => {
  test('draws exactly the actions committed in every golden episode of the catalog', () => {
    let files = 0;
    for (const name of catalogNames()) {
      const spec = loadCatalog(name).spec;
      for (const file of goldenFiles(join(CATALOG_DIR, name))) {
        const episode = readEpisode(file);
        const agent = new Prng(episode.header.seed + 1000);
        for (const step of episode.steps)
          assert.deepEqual(sampleActionV1(spec, agent), step.action, `${file} step ${step.i}`);
        files++;
      }
    }
    assert.ok(files >= catalogNames().length);
  });
});
