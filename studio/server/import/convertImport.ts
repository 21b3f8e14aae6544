import type { GymSpecInput } from '@palestra/envs/core';
import { checkJsonText, SPEC_LIMITS } from '@palestra/envs/core';
import { ImportFormatError } from './errors.ts';
import { type ConversionReport, gymSpecOf } from './gymSpecOf.ts';
import { machineFromMermaid } from './machineFromMermaid.ts';
import { machineFromXState } from './machineFromXState.ts';
import { mermaidInMarkdown, parseStateDiagram } from './mermaidStateDiagram.ts';
import { readTsMachine } from './readTsMachine.ts';

/** What an imported file is. */
export type ImportFormat = 'gymspec' | 'xstate-json' | 'xstate-ts' | 'mermaid' | 'markdown';

const SCRIPT = /\.(ts|mts|cts|tsx|js|mjs|cjs|jsx)$/i;
const MERMAID = /\.(mmd|mermaid)$/i;
const MARKDOWN = /\.(md|markdown)$/i;
/** GymSpec's own top-level keys: an object with one of them is a GymSpec, and is checked as one. */
const GYMSPEC_KEYS = ['specVersion', 'tools', 'tasks', 'observation', 'reward'];

/**
 * What a file is, by its extension and then its content: `.ts`/`.js` (and their module variants)
 * are XState modules, `.mmd`/`.mermaid` Mermaid, `.md` Markdown with a mermaid block; JSON is a
 * GymSpec when it has a GymSpec key (`specVersion`, `tools`, …), else an XState config (a config
 * with `states`, or `{ "machine": … }`). Pasted text (no name) is sniffed the same way by content.
 * JSON nested past the spec limits throws `InputLimitError` before it is parsed.
 *
 * @example
 * sniffFormat('stateDiagram-v2\n[*] --> a') // 'mermaid'
 */
export function sniffFormat(text: string, file?: string): ImportFormat {
  if (file && SCRIPT.test(file)) return 'xstate-ts';
  if (file && MERMAID.test(file)) return 'mermaid';
  if (file && MARKDOWN.test(file)) return 'markdown';
  const head = text.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{')) return jsonKind(text);
  if (/^(---[\s\S]*?---\s*)?(%%.*\s*)*stateDiagram(-v2)?\b/.test(head)) return 'mermaid';
  if (/^\s*(`{3,}|~{3,})\s*mermaid\s*$/m.test(text)) return 'markdown';
  if (/\b(createMachine|Machine)\s*(<[^(]*>)?\s*\(/.test(text)) return 'xstate-ts';
  return 'gymspec';
}

/** Which JSON: a cheap look at the top-level keys without building anything deep twice. */
function jsonKind(text: string): ImportFormat {
  let value: unknown;
  try {
    checkJsonText(text, SPEC_LIMITS, 'the file');
    value = JSON.parse(text);
  } catch (e) {
    // Not JSON: the GymSpec import words the syntax error. Too deep or too large: refused here.
    if (e instanceof SyntaxError) return 'gymspec';
    throw e;
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'gymspec';
  const keys = Object.keys(value);
  if (keys.some((k) => GYMSPEC_KEYS.includes(k))) return 'gymspec';
  if (keys.includes('states') || keys.includes('initial') || (keys.length === 1 && keys[0] === 'machine'))
    return 'xstate-json';
  return 'gymspec';
}

/** A machine converted to a GymSpec, and what the page says of it. */
export interface ConvertedImport {
  spec: GymSpecInput;
  report: ConversionReport;
}

/**
 * The GymSpec of an XState config (JSON or a TypeScript/JavaScript module) or a Mermaid state
 * diagram (a `.mmd` file, or a Markdown file's mermaid block); `undefined` for a GymSpec, which is
 * imported as it is. Throws `ImportFormatError` with a line and column (or a JSON path) and a hint.
 * The size limit is the caller's to check first.
 *
 * @example
 * const converted = await convertImport(text, 'machine.ts');
 * if (converted) console.log(converted.report.warnings);
 */
export async function convertImport(text: string, file?: string): Promise<ConvertedImport | undefined> {
  const format = sniffFormat(text, file);
  switch (format) {
    case 'gymspec':
      return undefined;
    case 'xstate-json': {
      checkJsonText(text, SPEC_LIMITS, file ?? 'the file');
      const raw = JSON.parse(text) as Record<string, unknown>;
      const config = isObject(raw.machine) && !('states' in raw) ? raw.machine : raw;
      return gymSpecOf(machineFromXState(config), { format: 'XState JSON', ...(file && { file }) });
    }
    case 'xstate-ts': {
      const read = await readTsMachine(text, file);
      const converted = machineFromXState(read.config);
      converted.warnings.unshift(...read.warnings);
      return gymSpecOf(converted, {
        format: 'XState TypeScript',
        ...(file && { file }),
        ...(read.guards && { guards: read.guards }),
        ...(read.actions && { actions: read.actions }),
      });
    }
    case 'mermaid':
      return gymSpecOf(machineFromMermaid(parseStateDiagram(text)), {
        format: 'Mermaid',
        ...(file && { file }),
      });
    case 'markdown': {
      const block = mermaidInMarkdown(text);
      if (!block)
        throw new ImportFormatError(
          'STUDIO_IMPORT_NO_MACHINE',
          `${file ?? 'the text'} has no \`\`\`mermaid block with a state diagram`,
          undefined,
          'put the diagram in a ```mermaid fenced block that starts with stateDiagram-v2',
        );
      return gymSpecOf(machineFromMermaid(parseStateDiagram(block.text, block.firstLine)), {
        format: 'Mermaid',
        ...(file && { file }),
      });
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
