import { StreamLanguage, type StreamParser } from '@codemirror/language';

/**
 * The observation template language (logic-less Mustache, as envs renders it) for highlighting:
 * plain text, `{{name}}` variables, `{{#section}}`/`{{^inverted}}`/`{{/close}}` tags, `{{! comments }}`
 * and `{{{raw}}}`/`{{& raw}}`. A stream parser, as for CEL (see celLanguage.ts): the tags are flat
 * tokens, and the errors come from the envs parser. A tag may span lines (a comment often does):
 * the state remembers that one is open and what kind.
 */
interface TemplateState {
  /** Inside a tag: its kind; null in plain text. */
  tag: 'comment' | 'section' | 'variable' | null;
  /** The closing delimiter of the open tag (`}}` or `}}}`). */
  close: string;
}

const kindToken = { comment: 'comment', section: 'keyword', variable: 'variableName' } as const;

/** The stream parser (exported for tests). */
export const templateParser: StreamParser<TemplateState> = {
  name: 'mustache',
  startState: () => ({ tag: null, close: '}}' }),
  copyState: (s) => ({ ...s }),
  token(stream, state) {
    if (state.tag === null) {
      if (stream.match('{{{')) {
        state.tag = 'variable';
        state.close = '}}}';
        return 'bracket';
      }
      if (stream.match('{{')) {
        const sigil = stream.match(/^\s*([#^/!&>])?/);
        const s = Array.isArray(sigil) ? sigil[1] : undefined;
        state.tag = s === '!' ? 'comment' : s && '#^/>'.includes(s) ? 'section' : 'variable';
        state.close = '}}';
        return state.tag === 'comment' ? 'comment' : 'bracket';
      }
      // Plain text up to the next tag (or the end of the line).
      if (!stream.skipTo('{{')) stream.skipToEnd();
      return null;
    }
    if (state.tag === 'comment') {
      if (stream.skipTo(state.close)) {
        stream.pos += state.close.length;
        state.tag = null;
      } else stream.skipToEnd();
      return 'comment';
    }
    if (stream.match(state.close)) {
      state.tag = null;
      return 'bracket';
    }
    if (stream.eatSpace()) return null;
    const kind = kindToken[state.tag];
    if (stream.match(/^[^\s}.]+/)) return kind;
    if (stream.eat('.')) return 'punctuation';
    stream.next();
    return kind;
  },
};

/**
 * The template language for CodeMirror 6 (highlighting only).
 *
 * @example
 * new EditorView({ extensions: [templateLanguage] });
 */
export const templateLanguage = StreamLanguage.define(templateParser);
