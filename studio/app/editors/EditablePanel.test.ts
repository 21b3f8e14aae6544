import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadCatalog } from '@palestra/envs/catalog';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { fromSpec } from '../doc/fromSpec.ts';
import { ignoreCss } from '../panel/ignoreCss.ts';

ignoreCss();
const { SidePanel } = await import('../panel/SidePanel.tsx');

/** The side panel of tally's document as the server renders it (editors before CodeMirror loads). */
function render(readOnly: boolean, name = 'tally'): string {
  const { spec, files } = loadCatalog(name);
  const doc = fromSpec(spec, files);
  return renderToString(createElement(SidePanel, { spec, files, doc, version: 1, readOnly })).replaceAll(
    '<!-- -->',
    '',
  );
}

const inputs = (page: string) => [...page.matchAll(/<(input|textarea|select)\b[^>]*>/g)].map((m) => m[0]);

describe('the side panel given a document', () => {
  it('tally: forms for its tool and tasks, an editor per guard, assignment, template and limit', () => {
    const page = render(false);
    assert.match(page, /class="side-panel spec-panel editable-panel"/);
    assert.match(page, /aria-label="Tool click"/);
    assert.match(page, /aria-label="Name of tool click"[^>]*value="click"/);
    assert.match(page, /aria-label="Id of task count-64"[^>]*value="count-64"/);
    for (const field of ['guard:onTarget', 'guard:overflowed', 'guard:passedHalf', 'observation:template'])
      assert.ok(page.includes(`data-field="${field}"`), field);
    assert.match(page, /aria-label="guard onTarget"[^>]*>count == task\.data\.target<\/textarea>/);
    assert.match(page, /aria-label="Steps per episode"/);
    assert.match(
      page,
      /Truncating states<\/h3><p>The episode is cut off \(truncated\) in <span><code>overflow<\/code><\/span>/,
    );
    assert.match(page, /Add a tool/);
    assert.match(page, /Paste tasks as CSV/);
    assert.ok(!page.includes('You are a viewer'));
    const editable = inputs(page).filter((i) => !i.includes('readOnly') && !i.includes('readonly'));
    assert.ok(editable.length > 10);
    assert.ok(
      editable.every((i) => !/ disabled=""/.test(i)),
      'an editor can type in every field',
    );
  });

  it('a viewer: every field and button disabled, and told so', () => {
    const page = render(true);
    assert.match(page, /You are a viewer: you can look, not edit\./);
    const fields = inputs(page).filter((i) => !/readOnly|readonly/.test(i));
    assert.ok(fields.length > 10);
    for (const field of fields) assert.match(field, / disabled=""/, field);
    const buttons = [...page.matchAll(/<button\b[^>]*>/g)].map((m) => m[0]);
    assert.ok(buttons.length > 3);
    for (const button of buttons) assert.match(button, / disabled=""/, button);
  });

  it('generated tasks (refund-desk): the generator form instead of the table', () => {
    const page = render(false, 'refund-desk');
    assert.match(
      page,
      /aria-label="Generator module function \(file\.js#function\)"[^>]*value="tasks\.js#generate"/,
    );
    assert.match(page, /Use a task list instead/);
    assert.ok(!page.includes('Paste tasks as CSV'));
    assert.match(page, /data-field="file:policy\.js"/);
  });
});
