// The model's turn as the replay page renders it, from the runtime's golden turn record (a real
// record with messages, a reply, token ids and log-probabilities), rendered by React on the server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { TURN_GOLDEN_PATH, type TurnGolden } from '@palestra/testing/turn-record';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { TurnView, turnOf } from './TurnView.tsx';

const golden = JSON.parse(readFileSync(TURN_GOLDEN_PATH, 'utf8')) as TurnGolden;

test('messages, the reply and tool calls are shown; token ids and log-probabilities only inside a details', () => {
  const withIds = golden.turns.find((t) => t.record.completionTokenIds && t.record.logprobs)!.record;
  const turn = turnOf(withIds);
  assert.ok(turn);
  const html = renderToStaticMarkup(createElement(TurnView, { turn }));
  assert.match(html, new RegExp(`Messages the model saw \\(${withIds.messages.length}\\)`));
  if (withIds.completion.text)
    assert.ok(html.includes(withIds.completion.text.slice(0, 20).replace(/'/g, '&#x27;')));
  for (const call of withIds.completion.toolCalls) assert.ok(html.includes(`<code>${call.name}</code>`));
  assert.ok(withIds.usage);
  assert.ok(
    html.includes(
      `${withIds.usage.promptTokens} prompt + ${withIds.usage.completionTokens} completion tokens`,
    ),
  );
  // The ids appear once, after the summary of the folded details.
  const ids = withIds.completionTokenIds!.join(' ');
  const details = html.lastIndexOf('<details><summary>Token ids and log-probabilities</summary>');
  assert.ok(details >= 0);
  assert.ok(html.indexOf(ids) > details, 'token ids inside the details');
  assert.equal(html.split(ids).length, 2);
});

test('anything that is not an object is no turn', () => {
  assert.equal(turnOf(undefined), undefined);
  assert.equal(turnOf('text'), undefined);
  assert.deepEqual(turnOf({ agent: 'x' })?.messages, []);
});
