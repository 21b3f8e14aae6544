import { randomBytes } from 'node:crypto';

// A whole-number reward stands in as this string while JSON.stringify runs (a replacer cannot
// write `1.0`); the nonce keeps any string an environment sends from being taken for it.
const MARK = `\u0001reward-${randomBytes(6).toString('hex')}:`;
const MARKED = new RegExp(`"${JSON.stringify(MARK).slice(1, -1).replaceAll('\\', '\\\\')}(-?\\d+)"`, 'g');

/**
 * JSON for OpenEnv's wire: every `reward` (and each of a vector step's `rewards`) that is a whole
 * number is written as a float (`1.0`, not `1`), as OpenEnv's pydantic models print their `float` fields. JavaScript has one number
 * type and prints `1`, which Python's `json` reads as an `int`: a client doing arithmetic or
 * building tensors from rewards should get the `float` OpenEnv's own server gives it.
 *
 * @example
 * wireJson({ observation: {}, reward: 1, done: true }) // '{"observation":{},"reward":1.0,"done":true}'
 */
export function wireJson(body: unknown): string {
  let marked = false;
  const text = JSON.stringify(body, (key, value) => {
    if (key === 'reward' && Number.isSafeInteger(value)) {
      marked = true;
      return `${MARK}${value}`;
    }
    // A vector step's `rewards` (one per sub-env), as floats too.
    if (key === 'rewards' && Array.isArray(value) && value.some(Number.isSafeInteger)) {
      marked = true;
      return value.map((r) => (Number.isSafeInteger(r) ? `${MARK}${r}` : r));
    }
    return value;
  });
  return marked ? text.replace(MARKED, '$1.0') : text;
}
