import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { defaultHighlightStyle, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLineGutter, lineNumbers } from '@codemirror/view';

/**
 * Dark-theme partners of CodeMirror's default highlight colours, legible on the studio's dark
 * surface; two light ones are darkened to reach 4.5:1 on white. Each becomes CSS `light-dark(a, b)`,
 * which follows the page's `color-scheme` (set by app.css for both themes and the toggle).
 */
const PALETTE: Record<string, [light: string, dark: string]> = {
  '#708': ['#708', '#d7a6ff'],
  '#219': ['#219', '#8fb8ff'],
  '#164': ['#164', '#9bdc9b'],
  '#a11': ['#a11', '#ff9e8f'],
  '#e40': ['#a63000', '#ffb077'],
  '#00f': ['#00f', '#8ab4ff'],
  '#30a': ['#30a', '#c4a7ff'],
  '#085': ['#06663f', '#6fdcae'],
  '#167': ['#167', '#7fd6e6'],
  '#256': ['#256', '#a6c8f0'],
  '#00c': ['#00c', '#9cbcff'],
  '#940': ['#940', '#e8b872'],
  '#f00': ['#c00', '#ff8080'],
  '#404740': ['#404740', '#c2c9c2'],
};

/** CodeMirror's default highlighting, with colours for both themes (the editors share it). */
export const highlightStyle = HighlightStyle.define(
  defaultHighlightStyle.specs.map((spec) => {
    const pair = typeof spec.color === 'string' ? PALETTE[spec.color] : undefined;
    return pair ? { ...spec, color: `light-dark(${pair[0]}, ${pair[1]})` } : spec;
  }),
);

/** The studio's look for CodeMirror: its surface, text and focus colours in both themes. */
export const theme = EditorView.theme({
  '&': { backgroundColor: 'var(--bg)', color: 'var(--text)', fontSize: '13px' },
  '.cm-scroller': { fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, monospace' },
  '.cm-gutters': {
    backgroundColor: 'var(--surface)',
    color: 'var(--muted)',
    borderRight: '1px solid var(--border)',
  },
  '.cm-activeLineGutter': { backgroundColor: 'transparent' },
  '&.cm-focused': { outline: 'none' },
  '.cm-content:focus-visible': { outline: '3px solid var(--focus)', outlineOffset: '-3px' },
});

/**
 * A read-only CodeMirror 6 editor showing `code` in `parent`: line numbers, JavaScript
 * highlighting (JSON for `.json` files), not editable, focusable (so the keyboard can scroll it),
 * named for assistive technology by `label`. Browser only; `CodeView` loads this module lazily.
 *
 * @example
 * const view = createCodeView(div, 'tasks.js', source, 'tasks.js, read-only');
 * view.destroy();
 */
export function createCodeView(
  parent: HTMLElement,
  fileName: string,
  code: string,
  label: string,
): EditorView {
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: code,
      extensions: [
        lineNumbers(),
        highlightActiveLineGutter(),
        fileName.endsWith('.json') ? json() : javascript(),
        syntaxHighlighting(highlightStyle),
        EditorState.readOnly.of(true),
        EditorView.editable.of(false),
        EditorView.contentAttributes.of({ 'aria-label': label, 'aria-readonly': 'true', tabindex: '0' }),
        theme,
      ],
    }),
  });
}
