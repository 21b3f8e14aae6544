import { type FormEvent, useId, useState } from 'react';

/** Props of `AddByName`. */
export interface AddByNameProps {
  /** The form's accessible name and its button's text: `Add guard`. */
  action: string;
  /** The name field's label: `New guard name`. */
  label: string;
  placeholder?: string;
  /** Why the name cannot be used, or undefined. */
  problem: (name: string) => string | undefined;
  /** Makes the element (the name is valid). */
  onAdd: (name: string) => void;
  disabled: boolean;
  /** The names offered as the field is typed in (a `<datalist>`). */
  suggestions?: readonly string[];
}

/**
 * A one-field form that creates a named element (a guard, an action, a code file): the name is
 * checked when the form is sent, and a refusal is shown beside the field (and announced) until
 * the name changes.
 *
 * @example
 * <AddByName action="Add guard" label="New guard name" problem={(n) => identifierProblem(n, taken, 'guard')} onAdd={add} disabled={readOnly} />
 */
export function AddByName({
  action,
  label,
  placeholder,
  problem,
  onAdd,
  disabled,
  suggestions,
}: AddByNameProps) {
  const id = useId();
  const [name, setName] = useState('');
  const [refused, setRefused] = useState<string>();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const trimmed = name.trim();
    const why = problem(trimmed);
    setRefused(why);
    if (why) return;
    onAdd(trimmed);
    setName('');
  };
  return (
    <form className="editor-add-form" aria-label={action} onSubmit={submit}>
      <label htmlFor={`${id}-name`}>{label}</label>
      <input
        id={`${id}-name`}
        value={name}
        placeholder={placeholder}
        disabled={disabled}
        spellCheck={false}
        size={14}
        list={suggestions ? `${id}-list` : undefined}
        aria-invalid={refused !== undefined}
        {...(refused && { 'aria-describedby': `${id}-problem` })}
        onChange={(e) => {
          setName(e.target.value);
          setRefused(undefined);
        }}
      />
      {suggestions && (
        <datalist id={`${id}-list`}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      )}
      <button type="submit" disabled={disabled}>
        {action}
      </button>
      {refused && (
        <span role="alert" id={`${id}-problem`} className="error-text">
          {refused}
        </span>
      )}
    </form>
  );
}
