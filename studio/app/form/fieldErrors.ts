/**
 * The kernel's argument errors (`Simulator.argumentErrors(...).fields`: ajv's `instancePath`, or
 * `(arguments)` for the object as a whole, and its message) put next to the form field each one
 * concerns.
 */

/** One error as `Simulator.argumentErrors` splits them. */
export interface ArgumentFieldError {
  /** A JSON pointer into the arguments (`/orderId`, `/items/0`), or `(arguments)`. */
  path: string;
  message: string;
}

/** The errors by field name, and the ones no field owns (extra properties, the object's type). */
export interface MatchedErrors {
  byField: Record<string, string[]>;
  general: string[];
}

/** A JSON pointer's segments, unescaped (`~1` is `/`, `~0` is `~`). */
const segments = (pointer: string) =>
  pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

const REQUIRED = /^must have required property '(.+)'$/;

/**
 * Matches each error to a field: by the first segment of its pointer (a deeper path stays in the
 * message, `/0 must be string`), or, for `(arguments) must have required property 'x'`, to `x`.
 *
 * @example
 * matchErrors([{ path: '/direction', message: 'must be equal to one of the allowed values' }], ['direction']);
 * // { byField: { direction: ['must be equal to one of the allowed values'] }, general: [] }
 */
export function matchErrors(
  errors: readonly ArgumentFieldError[],
  fieldNames: readonly string[],
): MatchedErrors {
  const names = new Set(fieldNames);
  const out: MatchedErrors = { byField: {}, general: [] };
  const add = (name: string, message: string) => {
    out.byField[name] = [...(out.byField[name] ?? []), message];
  };
  for (const e of errors) {
    if (e.path.startsWith('/')) {
      const [first, ...rest] = segments(e.path);
      if (first !== undefined && names.has(first)) {
        add(first, rest.length > 0 ? `/${rest.join('/')} ${e.message}` : e.message);
        continue;
      }
    } else {
      const missing = REQUIRED.exec(e.message)?.[1];
      if (missing !== undefined && names.has(missing)) {
        add(missing, 'required: fill it in');
        continue;
      }
    }
    out.general.push(`${e.path} ${e.message}`);
  }
  return out;
}
