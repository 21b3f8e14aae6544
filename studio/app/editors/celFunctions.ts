/**
 * The CEL functions envs' expressions can call (cel-js 8 as `envs/src/spec/expr.ts` configures it,
 * with its `rand`), for autocompletion: global functions and macros, and methods called on a value
 * (`name.size()`). Each carries an example that `celFunctions.test.ts` evaluates with the core's
 * own `compileExpr` (with `order` set to `{ id: "A-1" }`), so a function listed here is one the
 * kernel runs.
 */
export interface CelFunction {
  name: string;
  /** `function` is called bare (`size(x)`); `method` after a dot (`x.size()`). */
  kind: 'function' | 'method';
  /** The signature, as shown beside the completion. */
  signature: string;
  /** What it does, in a few words. */
  info: string;
  /** An expression using it that evaluates to true. */
  example: string;
}

const fn = (name: string, signature: string, info: string, example: string): CelFunction => ({
  name,
  kind: 'function',
  signature,
  info,
  example,
});
const method = (name: string, signature: string, info: string, example: string): CelFunction => ({
  name,
  kind: 'method',
  signature,
  info,
  example,
});

export const CEL_FUNCTIONS: readonly CelFunction[] = [
  fn('size', 'size(string | list | map | bytes): int', 'the length', 'size([1, 2]) == 2'),
  fn('has', 'has(a.b): bool', 'whether the field is present', 'has(order.id)'),
  fn('int', 'int(x): int', 'to an integer (rounds toward zero)', 'int(2.7) == 2'),
  fn('uint', 'uint(x): uint', 'to an unsigned integer', 'uint(3) == 3u'),
  fn('double', 'double(x): double', 'to a number', 'double("1.5") == 1.5'),
  fn('string', 'string(x): string', 'to text', 'string(12) == "12"'),
  fn('bool', 'bool(x): bool', 'to a boolean', 'bool("true")'),
  fn('bytes', 'bytes(string): bytes', 'to bytes', 'size(bytes("ab")) == 2'),
  fn('dyn', 'dyn(x): dyn', 'any type (skips type checks)', 'dyn(1) == 1'),
  fn('type', 'type(x): type', 'the type of a value', 'type(1) == int'),
  fn(
    'timestamp',
    'timestamp(string): timestamp',
    'an RFC 3339 time',
    'timestamp("2024-01-02T00:00:00Z").getFullYear() == 2024',
  ),
  fn(
    'duration',
    'duration(string): duration',
    'a length of time ("90s", "2h")',
    'duration("90s").getMinutes() == 1',
  ),
  fn('rand', 'rand(int): int', "an integer in [0, n) from the episode's seeded generator", 'rand(3) < 3'),
  method(
    'contains',
    'string.contains(string): bool',
    'whether the text contains another',
    '"refund".contains("fun")',
  ),
  method(
    'startsWith',
    'string.startsWith(string): bool',
    'whether the text starts with another',
    '"A-1".startsWith("A-")',
  ),
  method(
    'endsWith',
    'string.endsWith(string): bool',
    'whether the text ends with another',
    '"a.js".endsWith(".js")',
  ),
  method(
    'matches',
    'string.matches(regex): bool',
    'whether the text matches a regular expression',
    '"A-12".matches("^A-[0-9]+$")',
  ),
  method('lowerAscii', 'string.lowerAscii(): string', 'lower-cased', '"AB".lowerAscii() == "ab"'),
  method('upperAscii', 'string.upperAscii(): string', 'upper-cased', '"ab".upperAscii() == "AB"'),
  method('trim', 'string.trim(): string', 'without surrounding spaces', '" a ".trim() == "a"'),
  method(
    'indexOf',
    'string.indexOf(string): int',
    'where the text first appears, or -1',
    '"abc".indexOf("c") == 2',
  ),
  method(
    'lastIndexOf',
    'string.lastIndexOf(string): int',
    'where the text last appears, or -1',
    '"abca".lastIndexOf("a") == 3',
  ),
  method(
    'substring',
    'string.substring(int, int?): string',
    'a part of the text',
    '"refund".substring(2, 4) == "fu"',
  ),
  method(
    'split',
    'string.split(string): list<string>',
    'the parts between separators',
    '"a,b".split(",") == ["a", "b"]',
  ),
  method('join', 'list<string>.join(string?): string', 'the texts joined', '["a", "b"].join("-") == "a-b"'),
  method('size', 'x.size(): int', 'the length', '"abc".size() == 3'),
  method(
    'all',
    'list.all(x, predicate): bool',
    'whether every element satisfies the predicate',
    '[1, 2].all(x, x > 0)',
  ),
  method(
    'exists',
    'list.exists(x, predicate): bool',
    'whether some element satisfies it',
    '[1, 2].exists(x, x == 2)',
  ),
  method(
    'exists_one',
    'list.exists_one(x, predicate): bool',
    'whether exactly one element does',
    '[1, 2].exists_one(x, x == 2)',
  ),
  method('map', 'list.map(x, expr): list', 'each element transformed', '[1, 2].map(x, x * 2) == [2, 4]'),
  method(
    'filter',
    'list.filter(x, predicate): list',
    'the elements that satisfy it',
    '[1, 2, 3].filter(x, x > 1) == [2, 3]',
  ),
  method(
    'orValue',
    'optional.orValue(default): dyn',
    'the value, or the default when absent',
    '{"a": 1}[?"b"].orValue(0) == 0',
  ),
  method(
    'or',
    'optional.or(optional): optional',
    'this optional, or another when absent',
    '{"a": 1}[?"b"].or({"a": 1}[?"a"]).value() == 1',
  ),
  method(
    'hasValue',
    'optional.hasValue(): bool',
    'whether the optional holds a value',
    '{"a": 1}[?"a"].hasValue()',
  ),
  method('value', 'optional.value(): dyn', "the optional's value", '{"a": 1}[?"a"].value() == 1'),
  method(
    'getFullYear',
    'timestamp.getFullYear(): int',
    'the year',
    'timestamp("2024-05-01T00:00:00Z").getFullYear() == 2024',
  ),
  method(
    'getMonth',
    'timestamp.getMonth(): int',
    'the month, 0 to 11',
    'timestamp("2024-05-01T00:00:00Z").getMonth() == 4',
  ),
  method(
    'getDayOfWeek',
    'timestamp.getDayOfWeek(): int',
    'the weekday, 0 (Sunday) to 6',
    'timestamp("2024-05-01T00:00:00Z").getDayOfWeek() == 3',
  ),
  method(
    'getHours',
    'timestamp.getHours(): int',
    'the hour',
    'timestamp("2024-05-01T07:00:00Z").getHours() == 7',
  ),
];
