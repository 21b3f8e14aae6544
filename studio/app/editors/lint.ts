import { compileExpr, parseSpec, SpecError } from '@palestra/envs/core';

/**
 * Errors in an expression or a template, at the characters they concern, from the parsers envs
 * runs (so the editor never disagrees with `palestra check`): CEL through the core's
 * `compileExpr`, templates through the core's `parseSpec`. Pure; the editor shows them as lint
 * markers after a short pause in typing.
 */
export interface ExpressionDiagnostic {
  /** Character offsets in the text: `from` ≤ `to`; equal for a point (the end of the text). */
  from: number;
  to: number;
  message: string;
}

/** The range cel-js puts on its parse errors (`error.range`), if the error has one. */
function rangeOf(error: unknown): { start: number; end: number } | undefined {
  const range = (error as { range?: unknown })?.range as { start?: unknown; end?: unknown } | undefined;
  if (typeof range?.start !== 'number') return undefined;
  return { start: range.start, end: typeof range.end === 'number' ? range.end : range.start };
}

/**
 * @example
 * celDiagnostics('order.total >') // [{ from: 13, to: 13, message: 'Unexpected token: EOF' }]
 */
export function celDiagnostics(source: string): ExpressionDiagnostic[] {
  try {
    compileExpr(source);
    return [];
  } catch (e) {
    const error = e as Error & { summary?: unknown };
    // cel-js's message repeats the source with a caret under the error; its summary is the sentence.
    const message = typeof error.summary === 'string' ? error.summary : String(error.message).split('\n')[0]!;
    const range = rangeOf(e);
    if (!range) return [{ from: 0, to: source.length, message }];
    const from = Math.min(range.start, source.length);
    // A point error inside the text marks the character there; at the end, the end itself.
    const to = Math.min(Math.max(range.end, from < source.length ? from + 1 : from), source.length);
    return [{ from, to, message }];
  }
}

/** The smallest spec that parses, around a template (what `parseSpec` checks templates in). */
const templateSpec = (template: string) => ({
  specVersion: 1,
  name: 'template',
  version: '1.0.0',
  tasks: { list: [{ id: 't' }] },
  tools: [{ name: 't', description: 't', event: 'T' }],
  machine: { initial: 'a', states: { a: {} } },
  observation: { template },
});

/**
 * Mustache's errors name a character offset ("Unclosed tag at 12"); an unclosed section or tag is
 * reported at the end of the text, so its opening tag is marked instead (the last one).
 *
 * @example
 * templateDiagnostics('{{#items}} x') // [{ from: 0, to: 10, message: 'Unclosed section "items"' }]
 */
export function templateDiagnostics(source: string): ExpressionDiagnostic[] {
  try {
    parseSpec(templateSpec(source));
    return [];
  } catch (e) {
    const issues = e instanceof SpecError ? e.issues : [];
    const issue = issues.find((i) => i.path === '$.observation.template');
    if (!issue) return issues.length > 0 ? [] : [{ from: 0, to: source.length, message: String(e) }];
    const text = issue.message.replace(/^Mustache: /, '');
    const at = /^(.*) at (\d+)$/.exec(text);
    if (!at) return [{ from: 0, to: source.length, message: text }];
    const message = at[1]!;
    const pos = Math.min(Number(at[2]), source.length);
    const section = /^Unclosed section "(.*)"$/.exec(message);
    if (section && pos === source.length) {
      const name = section[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const opening = [...source.matchAll(new RegExp(`\\{\\{\\s*[#^]\\s*${name}\\s*\\}\\}`, 'g'))].at(-1);
      if (opening) return [{ from: opening.index, to: opening.index + opening[0].length, message }];
    }
    // An unclosed tag: from its `{{` to the end. Any other: the tag that starts there, if one does.
    if (message === 'Unclosed tag' && pos === source.length) {
      const open = source.lastIndexOf('{{');
      if (open >= 0) return [{ from: open, to: source.length, message }];
    }
    const tag = /^\{\{[^}]*\}\}/.exec(source.slice(pos));
    return [{ from: pos, to: tag ? pos + tag[0].length : Math.min(pos + 1, source.length), message }];
  }
}
