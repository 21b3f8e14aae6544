import type { GymSpec } from '@palestra/envs/core';
import { tsLiteral } from './tsLiteral.ts';

/**
 * The spec's statechart as an XState v5 TypeScript module: `export const machine =
 * createMachine({...})` holding the GymSpec's machine exactly as written (a GymSpec machine is an
 * XState config without clocks; the kernel hands it to XState as it is) and the initial context.
 *
 * Guards and actions stay named references (`guard: 'orderExists'`, `actions: 'loadOrder'`), as in
 * the spec: their bodies are CEL expressions or functions in the environment's sandboxed modules,
 * which XState cannot run. The module exports their definitions as data (`guards`, `actions`, the
 * spec's own objects, expressions as strings) for whoever implements them with
 * `machine.provide({ guards, actions })`. The machine's id is the spec's (`machine.id`), or none,
 * so that `#(machine).path` targets keep resolving to XState's default root id.
 *
 * @example
 * xstateTs(spec)
 * // "// refund-desk 1.0.0 …\nimport { createMachine } from 'xstate';\n…export const machine = createMachine({\n  context: {…},\n  initial: \"open\",…"
 */
export function xstateTs(spec: GymSpec): string {
  const { id, ...rest } = spec.machine;
  const config = {
    ...(id !== undefined && { id }),
    context: spec.context?.initial ?? {},
    ...rest,
  };
  const header = [
    `${spec.name} ${spec.version}: the statechart of a Palestra GymSpec as an XState v5 machine.`,
    ...(spec.description ? wrap(commentText(spec.description), 96) : []),
    'Exported by Palestra Studio. Guards and actions are named references; their GymSpec',
    'definitions (CEL expressions, or "file.js#name" functions in the environment\'s modules) are',
    'exported below as data. Implement them with machine.provide({ guards: {…}, actions: {…} }).',
  ];
  return [
    ...header.map((line) => `// ${commentText(line)}`),
    "import { createMachine } from 'xstate';",
    '',
    '/** The guards the machine names, as the GymSpec defines them (`expr` is CEL). */',
    `export const guards = ${tsLiteral(spec.guards ?? {})} as const;`,
    '',
    '/** The actions the machine names, as the GymSpec defines them (`assign` maps keys to CEL). */',
    `export const actions = ${tsLiteral(spec.actions ?? {})} as const;`,
    '',
    `export const machine = createMachine(${tsLiteral(config)});`,
    '',
  ].join('\n');
}

/** Words in lines of at most `width` characters (a longer word keeps its own line). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** One line of a `//` comment: line breaks (including U+2028/9) would end it. */
function commentText(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ');
}
