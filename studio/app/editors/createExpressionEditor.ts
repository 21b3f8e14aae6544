import {
  autocompletion,
  type Completion,
  type CompletionContext,
  type CompletionResult,
  completionKeymap,
} from '@codemirror/autocomplete';
import { defaultKeymap } from '@codemirror/commands';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { type Diagnostic, linter } from '@codemirror/lint';
import { EditorState, type Extension } from '@codemirror/state';
import { EditorView, keymap, lineNumbers, placeholder } from '@codemirror/view';
import { tags } from '@lezer/highlight';
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next';
import type * as Y from 'yjs';
import { highlightStyle, theme } from '../panel/codeMirror.ts';
import { celLanguage } from './celLanguage.ts';
import {
  type CompletionAnswer,
  celCompletions,
  type ExpressionKind,
  templateCompletions,
  type Vocabulary,
} from './completions.ts';
import { type AwarenessLike, editorAwareness } from './editorAwareness.ts';
import { celDiagnostics, templateDiagnostics } from './lint.ts';
import { templateLanguage } from './templateLanguage.ts';

/** Milliseconds of quiet before an expression is checked again (a keystroke does not re-check). */
export const LINT_DELAY_MS = 250;

/** The editor's language: CEL or the template language, with their completions and errors; or code. */
export type EditorLanguage = { kind: ExpressionKind } | { code: 'javascript' | 'json' };

/** Options of `createExpressionEditor`. */
export interface ExpressionEditorOptions {
  /** The shared text this editor edits (a guard's `expr`, a template, a module's source). */
  ytext: Y.Text;
  language: EditorLanguage;
  /** The names to complete, read when completion starts (so it follows the document). */
  vocabulary: () => Vocabulary;
  /** The page's awareness: remote cursors in this editor, and this person's cursor for others. */
  awareness: AwarenessLike | undefined;
  /** The document's one undo manager (`undoManagerFor(doc)`): Ctrl+Z here undoes this person's edits. */
  undoManager: Y.UndoManager;
  readOnly: boolean;
  /** The accessible name of the editor's text area. */
  label: string;
  /** Called when the editor gains and loses focus (presence: the field being typed in). */
  onFocusChange: (focused: boolean) => void;
}

/** Colours for what CodeMirror's default style leaves plain: functions, fields, template names. */
const expressionHighlight = HighlightStyle.define([
  { tag: tags.function(tags.variableName), color: 'light-dark(#0b4ea2, #8ab4ff)' },
  { tag: tags.propertyName, color: 'light-dark(#6a1b9a, #d7a6ff)' },
  { tag: tags.variableName, color: 'light-dark(#06663f, #6fdcae)' },
  { tag: tags.bracket, color: 'light-dark(#555b66, #a4aab5)' },
]);

/** Tooltips (completions, errors) in the studio's colours, legible in both themes. */
const tooltipTheme = EditorView.theme({
  '.cm-tooltip': {
    backgroundColor: 'var(--surface)',
    color: 'var(--text)',
    border: '1px solid var(--border)',
  },
  '.cm-tooltip-autocomplete ul li[aria-selected]': {
    backgroundColor: 'var(--accent)',
    color: 'var(--accent-text)',
  },
  '.cm-completionDetail': { color: 'inherit', opacity: '1', fontStyle: 'italic' },
  '.cm-completionInfo': { backgroundColor: 'var(--surface)', color: 'var(--text)' },
  '.cm-diagnostic-error': { borderLeftColor: 'var(--danger)' },
  '.cm-placeholder': { color: 'var(--muted)' },
  '.cm-ySelectionInfo': { color: '#fff', opacity: '1', fontFamily: 'inherit' },
});

function completionSource(options: ExpressionEditorOptions, kind: ExpressionKind) {
  return (context: CompletionContext): CompletionResult | null => {
    const line = context.state.doc.lineAt(context.pos);
    const before = context.state.sliceDoc(kind === 'template' ? 0 : line.from, context.pos);
    const offset = context.pos - before.length;
    const answer: CompletionAnswer | null =
      kind === 'template'
        ? templateCompletions(options.vocabulary(), before)
        : celCompletions(options.vocabulary(), kind, before, context.explicit);
    if (!answer) return null;
    return {
      from: offset + answer.from,
      options: answer.options as Completion[],
      validFor: /^\w*$/,
    };
  };
}

function lintSource(kind: ExpressionKind) {
  return (view: EditorView): Diagnostic[] => {
    const text = view.state.doc.toString();
    const found = kind === 'template' ? templateDiagnostics(text) : celDiagnostics(text);
    return found.map((d) => ({ from: d.from, to: d.to, severity: 'error', message: d.message }));
  };
}

/**
 * A collaborative CodeMirror 6 editor on a `Y.Text` (y-codemirror.next's `yCollab`): everyone's
 * typing merges character by character, each colleague's cursor is drawn in their colour, and undo
 * is the document's shared undo manager. Expressions get their highlighting, completion and
 * errors as you type (from envs' parsers, after `LINT_DELAY_MS` of quiet); code modules get
 * JavaScript (or JSON). Browser only; `ExpressionEditor` loads this module lazily.
 *
 * @example
 * const view = createExpressionEditor(div, { ytext, language: { kind: 'guard' }, … });
 * view.destroy();
 */
export function createExpressionEditor(parent: HTMLElement, options: ExpressionEditorOptions): EditorView {
  const { language } = options;
  const languageExtensions: Extension[] =
    'kind' in language
      ? [
          language.kind === 'template' ? templateLanguage : celLanguage,
          autocompletion({ override: [completionSource(options, language.kind)], icons: false }),
          linter(lintSource(language.kind), { delay: LINT_DELAY_MS }),
          placeholder(language.kind === 'template' ? 'Text with {{names}}' : 'A CEL expression'),
        ]
      : [lineNumbers(), language.code === 'json' ? json() : javascript()];
  return new EditorView({
    parent,
    state: EditorState.create({
      doc: options.ytext.toString(),
      extensions: [
        yCollab(options.ytext, options.awareness && editorAwareness(options.awareness), {
          undoManager: options.undoManager,
        }),
        // No Tab binding: Tab leaves the editor, so the keyboard is never trapped in it.
        keymap.of([...yUndoManagerKeymap, ...completionKeymap, ...defaultKeymap]),
        ...languageExtensions,
        syntaxHighlighting(highlightStyle),
        syntaxHighlighting(expressionHighlight),
        EditorView.lineWrapping,
        EditorState.readOnly.of(options.readOnly),
        EditorView.editable.of(!options.readOnly),
        EditorView.contentAttributes.of({
          'aria-label': options.label,
          ...(options.readOnly && { 'aria-readonly': 'true', tabindex: '0' }),
        }),
        EditorView.updateListener.of((update) => {
          if (update.focusChanged) options.onFocusChange(update.view.hasFocus);
        }),
        theme,
        tooltipTheme,
      ],
    }),
  });
}
