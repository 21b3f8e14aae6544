import Mustache from 'mustache';

/**
 * How deep a Mustache template nests its sections (`{{#a}}{{#b}}…{{/b}}{{/a}}` is 2). Mustache
 * parses nested sections without recursion but renders them recursively, so a template nested
 * 20,000 deep passes `Mustache.parse` and overflows the stack at the first step; the spec parser
 * refuses it first, by this count. Walks the token tree with an explicit stack.
 *
 * @example
 * templateDepth('{{#order}}{{#items}}{{name}}{{/items}}{{/order}}') // 2
 */
export function templateDepth(template: string): number {
  type Token = [string, string, number, number, Token[]?];
  const stack: { tokens: Token[]; depth: number }[] = [
    { tokens: Mustache.parse(template) as Token[], depth: 0 },
  ];
  let max = 0;
  while (stack.length > 0) {
    const { tokens, depth } = stack.pop()!;
    max = Math.max(max, depth);
    for (const t of tokens)
      if ((t[0] === '#' || t[0] === '^') && t[4]) stack.push({ tokens: t[4], depth: depth + 1 });
  }
  return max;
}
