import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type StreamParser, StringStream } from '@codemirror/language';
import { celParser } from './celLanguage.ts';
import { templateParser } from './templateLanguage.ts';

/** The (text, token) pairs of `lines`, whitespace and untagged text left out. */
function tokens<S>(parser: StreamParser<S>, ...lines: string[]): [string, string][] {
  const state = parser.startState!(2);
  const out: [string, string][] = [];
  for (const line of lines) {
    const stream = new StringStream(line, 2, 2);
    while (!stream.eol()) {
      const token = parser.token(stream, state);
      assert.ok(stream.pos > stream.start, `the parser moves on at ${stream.pos} of ${line}`);
      if (token) out.push([stream.current(), token]);
      stream.start = stream.pos;
    }
  }
  return out;
}

describe('CEL highlighting', () => {
  it('variables, fields, functions, methods, numbers, strings, keywords and operators', () => {
    assert.deepEqual(
      tokens(celParser, 'size(task.data.items) >= 2u && event.orderId in ["a", r\'b\\\'] || true // why'),
      [
        ['size', 'variableName.function'],
        ['(', 'bracket'],
        ['task', 'variableName'],
        ['.', 'punctuation'],
        ['data', 'propertyName'],
        ['.', 'punctuation'],
        ['items', 'propertyName'],
        [')', 'bracket'],
        ['>=', 'operator'],
        ['2u', 'number'],
        ['&&', 'operator'],
        ['event', 'variableName'],
        ['.', 'punctuation'],
        ['orderId', 'propertyName'],
        ['in', 'keyword'],
        ['[', 'bracket'],
        ['"a"', 'string'],
        [',', 'punctuation'],
        ["r'b\\'", 'string'],
        [']', 'bracket'],
        ['||', 'operator'],
        ['true', 'atom'],
        ['// why', 'comment'],
      ],
    );
  });

  it('a triple-quoted string spans lines; a reserved word is marked invalid', () => {
    const t = tokens(celParser, 'x == """one', 'two""" && var');
    assert.deepEqual(t.slice(2), [
      ['"""one', 'string'],
      ['two"""', 'string'],
      ['&&', 'operator'],
      ['var', 'invalid'],
    ]);
  });
});

describe('template highlighting', () => {
  it('text, variables, sections, comments and raw tags', () => {
    assert.deepEqual(tokens(templateParser, 'Hi {{user.name}}! {{#items}}{{{raw}}}{{/items}} {{! note }}'), [
      ['{{', 'bracket'],
      ['user', 'variableName'],
      ['.', 'punctuation'],
      ['name', 'variableName'],
      ['}}', 'bracket'],
      ['{{#', 'bracket'],
      ['items', 'keyword'],
      ['}}', 'bracket'],
      ['{{{', 'bracket'],
      ['raw', 'variableName'],
      ['}}}', 'bracket'],
      ['{{/', 'bracket'],
      ['items', 'keyword'],
      ['}}', 'bracket'],
      ['{{!', 'comment'],
      [' note }}', 'comment'],
    ]);
  });

  it('a comment spans lines', () => {
    assert.deepEqual(tokens(templateParser, '{{! one', 'two }} {{x}}').slice(0, 3), [
      ['{{!', 'comment'],
      [' one', 'comment'],
      ['two }}', 'comment'],
    ]);
  });
});
