import type { KeyboardEvent, ReactNode } from 'react';
import { type Drafts, type FormField, optionValue } from './schemaFields.ts';
import './schemaForm.css';

export interface SchemaFormProps {
  /** The fields (`fieldsOf(tool.parameters)`). */
  fields: readonly FormField[];
  /** What each input holds (`draftsOf`), by field name. */
  drafts: Drafts;
  onDraft: (name: string, text: string) => void;
  /** The problems of each field (the kernel's, matched with `matchErrors`, and the input's own). */
  errors: Record<string, readonly string[]>;
  /** Enter in an input (Ctrl+Enter in a JSON field): the caller steps if the arguments are valid. */
  onEnter: () => void;
  /** Makes the inputs' ids unique on the page (one form per tool). */
  idPrefix: string;
  disabled?: boolean;
}

/** Enter steps; in a textarea, where Enter is a new line, Ctrl+Enter (or ⌘+Enter) does. */
const enterHandler = (onEnter: () => void, multiline: boolean) => (e: KeyboardEvent<HTMLElement>) => {
  if (e.key !== 'Enter' || e.nativeEvent.isComposing) return;
  if (multiline && !(e.ctrlKey || e.metaKey)) return;
  e.preventDefault();
  onEnter();
};

/**
 * A form for a tool's arguments, generated from its JSON schema: a labelled input per property
 * (text, select for an enum, number with the schema's bounds, checkbox, or a JSON textarea for
 * arrays, objects and anything else), required ones marked, the description as help text and each
 * problem next to its field, both tied to the input with `aria-describedby`.
 *
 * @example
 * <SchemaForm fields={fieldsOf(tool.parameters)} drafts={drafts} onDraft={set} errors={byField} onEnter={step} idPrefix="move" />
 */
export function SchemaForm({
  fields,
  drafts,
  onDraft,
  errors,
  onEnter,
  idPrefix,
  disabled,
}: SchemaFormProps) {
  if (fields.length === 0) return <p className="muted">This tool takes no arguments.</p>;
  return (
    <div className="schema-form">
      {fields.map((f) => {
        const id = `${idPrefix}-${f.name}`.replace(/[^a-zA-Z0-9_-]/g, '_');
        const helpId = `${id}-help`;
        const errorId = `${id}-error`;
        const problems = errors[f.name] ?? [];
        const describedBy =
          [f.description ? helpId : '', problems.length > 0 ? errorId : ''].filter(Boolean).join(' ') ||
          undefined;
        const text = drafts[f.name] ?? '';
        const common = {
          id,
          disabled,
          'aria-describedby': describedBy,
          'aria-invalid': problems.length > 0,
        };
        const label = (
          <>
            {f.label}
            {f.required && (
              <>
                <span className="schema-required" aria-hidden="true">
                  {' '}
                  *
                </span>
                <span className="visually-hidden"> (required)</span>
              </>
            )}
          </>
        );
        let control: ReactNode;
        if (f.kind === 'checkbox')
          control = (
            <input
              {...common}
              type="checkbox"
              checked={text === 'true'}
              onChange={(e) => onDraft(f.name, e.target.checked ? 'true' : 'false')}
              onKeyDown={enterHandler(onEnter, false)}
            />
          );
        else if (f.kind === 'select') {
          const known = f.options?.some((o) => optionValue(o) === text) ?? false;
          control = (
            <select
              {...common}
              aria-required={f.required}
              value={text}
              onChange={(e) => onDraft(f.name, e.target.value)}
              onKeyDown={enterHandler(onEnter, false)}
            >
              {(!f.required || !known) && (
                <option value={known ? '' : text}>
                  {known || text === '' ? (f.required ? '— choose —' : '(none)') : `${text} (not allowed)`}
                </option>
              )}
              {f.options?.map((o) => (
                <option key={optionValue(o)} value={optionValue(o)}>
                  {typeof o === 'string' ? o : JSON.stringify(o)}
                </option>
              ))}
            </select>
          );
        } else if (f.kind === 'json')
          control = (
            <textarea
              {...common}
              aria-required={f.required}
              rows={3}
              spellCheck={false}
              className="schema-json"
              value={text}
              placeholder="JSON"
              onChange={(e) => onDraft(f.name, e.target.value)}
              onKeyDown={enterHandler(onEnter, true)}
            />
          );
        else
          control = (
            <input
              {...common}
              aria-required={f.required}
              type={f.kind === 'number' ? 'number' : 'text'}
              {...(f.kind === 'number'
                ? { min: f.min, max: f.max, step: f.step, inputMode: 'decimal' as const }
                : { maxLength: f.maxLength, spellCheck: false })}
              value={text}
              onChange={(e) => onDraft(f.name, e.target.value)}
              onKeyDown={enterHandler(onEnter, false)}
            />
          );
        return (
          <div key={f.name} className={`schema-field schema-field-${f.kind}`}>
            {f.kind === 'checkbox' ? (
              <label htmlFor={id} className="schema-check">
                {control} {label}
              </label>
            ) : (
              <>
                <label htmlFor={id}>{label}</label>
                {control}
              </>
            )}
            {f.description && (
              <p id={helpId} className="schema-help muted">
                {f.description}
                {f.kind === 'json' ? ' (JSON; Ctrl+Enter steps)' : ''}
              </p>
            )}
            {problems.length > 0 && (
              <p id={errorId} className="schema-error field-error">
                {problems.join('; ')}
              </p>
            )}
          </div>
        );
      })}
    </div>
  );
}
