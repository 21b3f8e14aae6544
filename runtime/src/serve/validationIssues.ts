import type { z } from 'zod';

/**
 * One problem with a request, in the shape FastAPI/pydantic use for 422 `detail` lists: pydantic's
 * error `type` (`missing`, `dict_type`, `extra_forbidden`, `string_type`, `literal_error`, …), the
 * `loc` down to the offending key, its message, and the `input` found there (for `missing`, the
 * object the key is missing from, as pydantic reports it).
 */
export interface ValidationIssue {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
}

type Path = (string | number)[];

function at(input: unknown, path: Path): { found: boolean; value: unknown } {
  let value: unknown = input;
  for (const p of path) {
    if (!value || typeof value !== 'object' || !Object.hasOwn(value, p))
      return { found: false, value: undefined };
    value = (value as Record<string | number, unknown>)[p];
  }
  return { found: true, value };
}

const TYPE_NAMES: Record<string, [string, string]> = {
  object: ['dict_type', 'Input should be a valid dictionary'],
  record: ['dict_type', 'Input should be a valid dictionary'],
  string: ['string_type', 'Input should be a valid string'],
  int: ['int_type', 'Input should be a valid integer'],
  number: ['float_type', 'Input should be a valid number'],
  boolean: ['bool_type', 'Input should be a valid boolean'],
  array: ['list_type', 'Input should be a valid list'],
  null: ['none_required', 'Input should be None'],
};

const show = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
/** pydantic's list of expected values: `'a', 'b' or 'c'`. */
const oneOf = (values: unknown[]) =>
  values.length < 2
    ? values.map(show).join('')
    : `${values.slice(0, -1).map(show).join(', ')} or ${show(values.at(-1))}`;

function bound(issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, small: boolean): [string, string] {
  const n = 'minimum' in issue ? issue.minimum : (issue as z.core.$ZodIssueTooBig).maximum;
  const incl = issue.inclusive !== false;
  if (issue.origin === 'string')
    return small
      ? ['string_too_short', `String should have at least ${n} characters`]
      : ['string_too_long', `String should have at most ${n} characters`];
  if (issue.origin === 'array' || issue.origin === 'set')
    return small
      ? ['too_short', `List should have at least ${n} items`]
      : ['too_long', `List should have at most ${n} items`];
  const rel = small ? 'greater than' : 'less than';
  return [
    `${small ? 'greater_than' : 'less_than'}${incl ? '_equal' : ''}`,
    `Input should be ${rel}${incl ? ' or equal to' : ''} ${n}`,
  ];
}

/**
 * zod issues → pydantic's, located under `loc` (e.g. `['body']`, or `['arguments']` for a tool's
 * arguments). An unknown key becomes one `extra_forbidden` per key; a key that is absent, whatever
 * zod expected of it, is `missing`.
 *
 * @example
 * zodIssues(schema.safeParse({}).error!, ['body'], {}) // [{ type: 'missing', loc: ['body', 'action'], msg: 'Field required', input: {} }]
 */
export function zodIssues(error: z.ZodError, loc: Path, input: unknown): ValidationIssue[] {
  return error.issues.flatMap((i): ValidationIssue[] => {
    const path = i.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const here = at(input, path);
    const issue = (type: string, msg: string): ValidationIssue => ({
      type,
      loc: [...loc, ...path],
      msg,
      input: here.value,
    });
    if (i.code === 'unrecognized_keys') {
      const parent = here.value as Record<string, unknown>;
      return i.keys.map((k) => ({
        type: 'extra_forbidden',
        loc: [...loc, ...path, k],
        msg: 'Extra inputs are not permitted',
        input: parent?.[k],
      }));
    }
    // A key that is not there is `missing`, with its parent as the input (pydantic's report).
    if (!here.found && path.length > 0) {
      const parent = at(input, path.slice(0, -1)).value;
      return [{ type: 'missing', loc: [...loc, ...path], msg: 'Field required', input: parent }];
    }
    switch (i.code) {
      case 'invalid_type': {
        if (here.value === undefined) return [{ ...issue('missing', 'Field required') }];
        const [type, msg] = TYPE_NAMES[i.expected] ?? [`${i.expected}_type`, i.message];
        return [issue(type, msg)];
      }
      case 'invalid_value':
        return [issue('literal_error', `Input should be ${oneOf(i.values)}`)];
      case 'too_small':
        return [issue(...bound(i, true))];
      case 'too_big':
        return [issue(...bound(i, false))];
      case 'invalid_format':
        return [
          issue(
            i.format === 'regex' ? 'string_pattern_mismatch' : 'value_error',
            i.format === 'regex' && 'pattern' in i ? `String should match pattern '${i.pattern}'` : i.message,
          ),
        ];
      case 'custom':
        return [issue(i.message === 'Field required' ? 'missing' : 'value_error', i.message)];
      default:
        return [issue('value_error', i.message)];
    }
  });
}
