/**
 * A JSON value written as a TypeScript expression, indented two spaces a level: keys that are
 * identifiers unquoted, other keys and every string as JSON string literals (valid TypeScript, and
 * safe for any content: quotes, backslashes, line breaks and `</script>` are escaped by
 * `JSON.stringify`). `undefined` members are left out, as JSON would.
 *
 * @example
 * tsLiteral({ initial: 'open', 'a-b': [1] }) // "{\n  initial: \"open\",\n  \"a-b\": [1],\n}"
 */
export function tsLiteral(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'undefined';
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every((v) => v === null || typeof v !== 'object')) {
      const flat = `[${value.map((v) => tsLiteral(v)).join(', ')}]`;
      if (flat.length + indent.length <= 100) return flat;
    }
    return `[\n${value.map((v) => `${inner}${tsLiteral(v, inner)},`).join('\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${tsKey(k)}: ${tsLiteral(v, inner)},`).join('\n')}\n${indent}}`;
}

/**
 * A property name: bare when it is an identifier, else a string literal. `__proto__`, bare or
 * quoted, would set the object's prototype in a literal; computed (`["__proto__"]`) it is a key.
 */
export function tsKey(key: string): string {
  if (key === '__proto__') return `[${JSON.stringify(key)}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : JSON.stringify(key);
}
