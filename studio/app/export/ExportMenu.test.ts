import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { ignoreCss } from '../panel/ignoreCss.ts';
import { fileStem } from './download.ts';
import { svgSize } from './png.ts';

ignoreCss();
const { ExportMenu } = await import('./ExportMenu.tsx');

describe('ExportMenu', () => {
  it('renders on the server: a disclosure with one button per format and a status line', () => {
    const { spec } = loadCatalog('refund-desk');
    const page = renderToString(createElement(ExportMenu, { spec, name: 'refund-desk' }));
    assert.match(page, /<details><summary>Export<\/summary><ul aria-label="Export formats">/);
    const buttons = [...page.matchAll(/<button type="button"[^>]*>([^<]*)<\/button>/g)].map((m) => m[1]);
    assert.deepEqual(buttons, [
      'GymSpec (JSON)',
      'XState (TypeScript)',
      'Mermaid',
      'Statechart (SVG)',
      'Statechart (PNG, 2×)',
    ]);
    assert.match(page, /role="status"/);
  });

  it('file names keep letters, digits, dots, dashes and underscores only', () => {
    assert.equal(fileStem('refund-desk'), 'refund-desk');
    assert.equal(fileStem('../My env/<1>'), 'My-env-1');
    assert.equal(fileStem('???'), 'environment');
  });

  it("reads an SVG's size from its root element", () => {
    assert.deepEqual(
      svgSize('<svg xmlns="x" width="120.5" height="80" viewBox="0 0 1 1"><rect width="9"/></svg>'),
      {
        width: 120.5,
        height: 80,
      },
    );
  });
});
