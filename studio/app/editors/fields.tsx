import { useState } from 'react';

/**
 * Small form fields bound to the shared document: each shows the document's value, writes each
 * change at once (a colleague sees it as it is typed), and keeps what was typed while it is not a
 * value to write (a blank name, a number half typed) until the field is left.
 */

/** Props of `TextField`. */
export interface TextFieldProps {
  label: string;
  value: string;
  /** Called with each change that `accept` lets through (all of them, without it). */
  onChange: (value: string) => void;
  accept?: (value: string) => boolean;
  disabled: boolean;
  multiline?: boolean;
  className?: string;
}

/** A text input (or textarea) with an accessible name. */
export function TextField({
  label,
  value,
  onChange,
  accept,
  disabled,
  multiline,
  className,
}: TextFieldProps) {
  const [draft, setDraft] = useState<string | undefined>();
  const props = {
    'aria-label': label,
    value: draft ?? value,
    disabled,
    spellCheck: false,
    className,
    onBlur: () => setDraft(undefined),
    onChange: (e: { target: { value: string } }) => {
      const next = e.target.value;
      if (accept && !accept(next)) {
        setDraft(next);
        return;
      }
      setDraft(undefined);
      onChange(next);
    },
  };
  return multiline ? <textarea rows={2} {...props} /> : <input {...props} />;
}

/** Props of `NumberField`. */
export interface NumberFieldProps {
  label: string;
  value: number | undefined;
  /** Undefined for an empty field. */
  onChange: (value: number | undefined) => void;
  disabled: boolean;
  integer?: boolean;
  placeholder?: string;
}

/** A number input: an empty field is undefined, a half-typed number waits. */
export function NumberField({ label, value, onChange, disabled, integer, placeholder }: NumberFieldProps) {
  const [draft, setDraft] = useState<string | undefined>();
  return (
    <input
      aria-label={label}
      inputMode={integer ? 'numeric' : 'decimal'}
      className="number-field"
      value={draft ?? (value === undefined ? '' : String(value))}
      placeholder={placeholder}
      disabled={disabled}
      onBlur={() => setDraft(undefined)}
      onChange={(e) => {
        const text = e.target.value.trim();
        if (text === '') {
          setDraft(undefined);
          onChange(undefined);
          return;
        }
        const n = Number(text);
        setDraft(e.target.value);
        if (Number.isFinite(n) && (!integer || Number.isInteger(n))) onChange(n);
      }}
    />
  );
}
