import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { celDiagnostics, templateDiagnostics } from './lint.ts';

/** The text a diagnostic marks. */
const marked = (source: string, d: { from: number; to: number }) => source.slice(d.from, d.to);

describe('celDiagnostics (the core compileExpr)', () => {
  it('a valid expression has no error', () => {
    assert.deepEqual(celDiagnostics('order.total > 100 && task.data.vip'), []);
    assert.deepEqual(celDiagnostics('rand(3) == 1'), []);
  });

  it('marks the character an error is at', () => {
    const source = 'x.y +* 3';
    const [d] = celDiagnostics(source);
    assert.deepEqual(d, { from: 5, to: 6, message: 'Unexpected token: MULTIPLY' });
    assert.equal(marked(source, d!), '*');
  });

  it('an expression cut short is marked at its end, on the right line', () => {
    const source = 'context.count >\n  3 +';
    assert.deepEqual(celDiagnostics(source), [{ from: 21, to: 21, message: 'Unexpected token: EOF' }]);
    assert.deepEqual(celDiagnostics(''), [{ from: 0, to: 0, message: 'Unexpected token: EOF' }]);
  });

  it('an unterminated string from its quote', () => {
    const [d] = celDiagnostics('name == "abc');
    assert.equal(d!.from, 8);
    assert.equal(d!.message, 'Unterminated string');
  });
});

describe('templateDiagnostics (the core parseSpec)', () => {
  it('a valid template has no error', () => {
    assert.deepEqual(templateDiagnostics('Order {{task.data.orderId}}{{#done}} (done){{/done}}'), []);
  });

  it('an unclosed section marks its opening tag', () => {
    const source = 'Hi {{#items}} x';
    const [d] = templateDiagnostics(source);
    assert.equal(d!.message, 'Unclosed section "items"');
    assert.equal(marked(source, d!), '{{#items}}');
  });

  it('an unclosed tag from its braces to the end; a mismatched close at the closing tag', () => {
    const open = 'hello {{name';
    assert.equal(marked(open, templateDiagnostics(open)[0]!), '{{name');
    const wrong = '{{#a}}x{{/b}}';
    const [d] = templateDiagnostics(wrong);
    assert.equal(d!.message, 'Unclosed section "a"');
    assert.equal(marked(wrong, d!), '{{/b}}');
    const unopened = 'x {{/a}}';
    assert.equal(marked(unopened, templateDiagnostics(unopened)[0]!), '{{/a}}');
  });
});
