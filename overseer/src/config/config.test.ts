import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { goldenFiles, PalestraError, readEpisode } from '@palestra/envs';
import { CATALOG_DIR, loadCatalog } from '@palestra/envs/catalog';
import { buildLinearModel, writeModel } from '../onnx/build.ts';
import { buildOverseer, loadOverseerConfig, overseerConfigSchema } from './config.ts';

test('a config file builds a gated ensemble of the rules and an ONNX model', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'overseer-config-'));
  const features = { version: 1 as const, features: ['return', 'length'] };
  // reward = 0.5 * return + 0 * length + 0.25
  const model = writeModel(
    join(dir, 'm.onnx'),
    buildLinearModel({ weights: [0.5, 0], bias: 0.25, features }),
  );
  const path = join(dir, 'overseer.json');
  writeFileSync(
    path,
    JSON.stringify({
      members: [{ kind: 'rules' }, { kind: 'onnx', model, features, transform: { kind: 'identity' } }],
    }),
  );
  const overseer = await buildOverseer(loadOverseerConfig(path), loadCatalog('refund-desk'));
  const episode = readEpisode(goldenFiles(join(CATALOG_DIR, 'refund-desk'))[0]!);
  const s = await overseer.scoreEpisode(episode);
  const ret = episode.footer!.return / 1e6;
  // equal weights: (rules + onnx) / 2
  assert.ok(Math.abs(s.reward - (ret + (0.5 * ret + 0.25)) / 2) <= 1e-6, `${s.reward}`);
  assert.equal(s.judge, 'ensemble');
  await (overseer as { close?: () => Promise<void> }).close?.();
});

test('a bad config names the JSON path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'overseer-config-'));
  const path = join(dir, 'bad.json');
  writeFileSync(path, JSON.stringify({ members: [{ kind: 'oracle' }] }));
  assert.throws(
    () => loadOverseerConfig(path),
    (e: unknown) => e instanceof PalestraError && /\$\.members\.0/.test(e.message),
  );
});

test('gate "outcome" on the rules member: one per config, and only true, false or "outcome"', () => {
  const dir = mkdtempSync(join(tmpdir(), 'overseer-config-'));
  const path = join(dir, 'two.json');
  writeFileSync(
    path,
    JSON.stringify({
      members: [
        { kind: 'rules', gate: 'outcome' },
        { kind: 'rules', gate: 'outcome' },
      ],
    }),
  );
  assert.throws(
    () => loadOverseerConfig(path),
    (e: unknown) =>
      e instanceof PalestraError && /\$\.members\.1\.gate: one member decides the outcome/.test(e.message),
  );
  writeFileSync(path, JSON.stringify({ members: [{ kind: 'rules', gate: 'sometimes' }] }));
  assert.throws(
    () => loadOverseerConfig(path),
    (e: unknown) => e instanceof PalestraError && /\$\.members\.0\.gate/.test(e.message),
  );
});

test('the shipped example config is valid and gated on the outcome', () => {
  const example = new URL('../../examples/refund-desk.overseer.json', import.meta.url).pathname;
  const config = overseerConfigSchema.parse(loadOverseerConfig(example));
  const rules = config.members.find((m) => m.kind === 'rules');
  assert.equal(rules?.kind === 'rules' && rules.gate, 'outcome');
  assert.ok(config.members.some((m) => m.kind === 'judge'));
});

test('the rules alone, gated on the outcome: the return placed in its band', async () => {
  const overseer = await buildOverseer(
    { members: [{ kind: 'rules', gate: 'outcome' }] },
    loadCatalog('refund-desk'),
  );
  try {
    const episode = readEpisode(goldenFiles(join(CATALOG_DIR, 'refund-desk'))[2]!);
    assert.equal(episode.footer!.return, -320_000);
    // position 379 147 of 10⁶ in [-1.12, 0.99]; a failure: 0.4 × 379 147 = 151 658.8 → 151 659.
    assert.equal((await overseer.scoreEpisode(episode)).micros, 151_659);
  } finally {
    await (overseer as { close?: () => Promise<void> }).close?.();
  }
});
