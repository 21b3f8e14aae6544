import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { schemaRows } from './schemaRows.ts';

describe('schemaRows', () => {
  it("refund-desk's issue_refund: types, required, limits and descriptions", () => {
    const tool = loadCatalog('refund-desk').spec.tools.find((t) => t.name === 'issue_refund')!;
    assert.deepEqual(schemaRows(tool.parameters), [
      {
        path: 'orderId',
        depth: 0,
        type: 'string',
        required: true,
        constraints: ['length 1–32'],
        description: 'The order to refund',
      },
      {
        path: 'amount',
        depth: 0,
        type: 'number',
        required: true,
        constraints: ['> 0', '≤ 100000'],
        description: "Amount to refund, in the shop's currency",
      },
    ]);
  });

  it('flattens nested objects and arrays of objects; reads enums, unions, patterns and defaults', () => {
    const rows = schemaRows({
      type: 'object',
      required: ['mode'],
      properties: {
        mode: { enum: ['fast', 'slow'], default: 'fast' },
        note: { type: ['string', 'null'], pattern: '^[a-z]+$' },
        where: {
          type: 'object',
          additionalProperties: false,
          required: ['city'],
          properties: { city: { type: 'string' } },
        },
        lines: {
          type: 'array',
          minItems: 1,
          items: { type: 'object', properties: { sku: { type: 'string' } } },
        },
        either: { anyOf: [{ type: 'integer' }, { const: 'none' }] },
      },
    });
    assert.deepEqual(
      rows.map((r) => [r.path, r.depth, r.type, r.required, r.constraints]),
      [
        ['mode', 0, 'enum', true, ['one of "fast", "slow"', 'default "fast"']],
        ['note', 0, 'string | null', false, ['matches /^[a-z]+$/']],
        ['where', 0, 'object', false, ['no other properties']],
        ['where.city', 1, 'string', true, []],
        ['lines', 0, 'array of object', false, ['items ≥ 1']],
        ['lines[].sku', 1, 'string', false, []],
        ['either', 0, 'integer | const', false, []],
      ],
    );
  });

  it('a schema without properties has no rows', () => {
    assert.deepEqual(schemaRows({ type: 'object' }), []);
    assert.deepEqual(schemaRows(undefined), []);
  });
});
