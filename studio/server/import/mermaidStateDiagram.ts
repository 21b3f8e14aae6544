import { ImportFormatError, type ImportPosition } from './errors.ts';

/**
 * A small reader of Mermaid state diagrams (`stateDiagram-v2` and `stateDiagram`). Mermaid's own
 * parser is not a package of its own for state diagrams (`@mermaid-js/parser` covers other
 * diagram types), and `mermaid` itself needs a DOM to load; the state diagram's grammar is
 * line-based and small, so it is read here, line by line, with an explicit stack of open blocks.
 */

/** A state as the diagram declares it. Ids are global in Mermaid: a state belongs where it is first named. */
export interface DiagramState {
  id: string;
  /** `state "Long name" as id`. */
  name?: string;
  /** `id : text` lines. */
  descriptions: string[];
  /** The composite state it is in; `undefined` at the top level. */
  parent: DiagramState | undefined;
  /** Its region within a parent split by `--` (0 without one). */
  section: number;
  children: DiagramState[];
  /** Declared with a `{ … }` block. */
  composite: boolean;
  /** How many regions its block has (`--` separators plus one). */
  sections: number;
  /** `[*] --> x` within this block, per region. */
  starts: Array<DiagramState | undefined>;
  /** `<<fork>>`, `<<join>>`, `<<choice>>`. */
  pseudo?: string;
  at: ImportPosition;
}

export interface DiagramTransition {
  source: DiagramState;
  /** `undefined`: `x --> [*]`, the end of the block the line is in. */
  target: DiagramState | undefined;
  label: string;
  /** The block (and its region) the line is in, for `[*]`. */
  scope: DiagramState | undefined;
  section: number;
  at: ImportPosition;
}

export interface StateDiagram {
  /** Top-level states, in the order they are first named. */
  states: DiagramState[];
  transitions: DiagramTransition[];
  /** `[*] --> x` at the top level. */
  start: DiagramState | undefined;
  /**
   * Transitions on the machine itself, which Mermaid cannot draw: Palestra's Mermaid export writes
   * them as `%% on the machine: LABEL --> dotted.path` comments, read back here.
   */
  machineTransitions: { label: string; target: string; at: ImportPosition }[];
  warnings: string[];
}

/** How deep composite states may nest (a GymSpec machine's JSON depth allows about this many). */
export const MAX_DIAGRAM_DEPTH = 60;

const ID = '[\\p{L}\\p{N}_-]+';
const END = '\\[\\*\\]';
const HEADER = /^stateDiagram(-v2)?\s*$/;
const STATE_AS = new RegExp(
  `^state\\s+"([^"]*)"\\s+as\\s+(${ID})(?::::${ID})?\\s*(<<(\\w+)>>)?\\s*(\\{)?$`,
  'u',
);
const STATE = new RegExp(`^state\\s+(${ID})(?::::${ID})?\\s*(<<(\\w+)>>)?\\s*(\\{)?$`, 'u');
const STATE_DESCRIBED = new RegExp(`^state\\s+(${ID})\\s*:\\s*(.*)$`, 'u');
const TRANSITION = new RegExp(
  `^(${END}|${ID})(?::::${ID})?\\s*-->\\s*(${END}|${ID})(?::::${ID})?\\s*(?::(.*))?$`,
  'u',
);
const DESCRIPTION = new RegExp(`^(${ID})(?::::${ID})?\\s*:(.*)$`, 'u');
const BARE = new RegExp(`^(${ID})(?::::${ID})?$`, 'u');
const MACHINE_COMMENT = /^%%\s*on the machine:\s*(.*?)\s*-->\s*(\S+)\s*$/;
const IGNORED =
  /^(direction\s+\w+|classDef\s.*|class\s.*|style\s.*|click\s.*|accTitle\s*:.*|accDescr\s*:.*|scale\s.*|hide empty description)$/;

/**
 * Parses a state diagram. Notes, comments, styling and directions are skipped; anything else the
 * grammar does not have is refused with its line and column.
 *
 * @example
 * const d = parseStateDiagram('stateDiagram-v2\n[*] --> Still\nStill --> Moving : PUSH');
 * // d.start.id === 'Still', d.transitions[0].label === 'PUSH'
 */
export function parseStateDiagram(text: string, firstLine = 1): StateDiagram {
  const lines = text.split(/\r\n|\r|\n/);
  const byId = new Map<string, DiagramState>();
  const top: DiagramState[] = [];
  const topStarts: Array<DiagramState | undefined> = [];
  const diagram: StateDiagram = {
    states: top,
    transitions: [],
    start: undefined,
    machineTransitions: [],
    warnings: [],
  };
  /** The open blocks, innermost last, with where each was opened. */
  const open: Array<{ state: DiagramState; at: ImportPosition }> = [];
  let sawHeader = false;
  let skipping: 'note' | 'accDescr' | 'frontMatter' | undefined;

  const scope = () => open.at(-1)?.state;
  const section = () => (scope()?.sections ?? 1) - 1;
  const named = (id: string, at: ImportPosition): DiagramState => {
    const known = byId.get(id);
    if (known) return known;
    const parent = scope();
    const state: DiagramState = {
      id,
      descriptions: [],
      parent,
      section: section(),
      children: [],
      composite: false,
      sections: 1,
      starts: [],
      at,
    };
    byId.set(id, state);
    (parent ? parent.children : top).push(state);
    return state;
  };

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const line = raw.trim().replace(/;$/, '').trim();
    const indent = raw.length - raw.trimStart().length;
    const at: ImportPosition = { line: firstLine + i, column: indent + 1 };
    if (skipping === 'frontMatter') {
      if (line === '---') skipping = undefined;
      continue;
    }
    if (skipping === 'note') {
      if (/^end\s+note$/i.test(line)) skipping = undefined;
      continue;
    }
    if (skipping === 'accDescr') {
      if (line.includes('}')) skipping = undefined;
      continue;
    }
    if (line === '') continue;
    if (!sawHeader && line === '---' && i === 0) {
      skipping = 'frontMatter';
      continue;
    }
    if (line.startsWith('%%')) {
      const m = MACHINE_COMMENT.exec(line);
      if (m && sawHeader && open.length === 0)
        diagram.machineTransitions.push({ label: m[1]!, target: m[2]!, at });
      continue;
    }
    if (!sawHeader) {
      if (!HEADER.test(line))
        throw new ImportFormatError(
          'STUDIO_IMPORT_SYNTAX',
          `expected "stateDiagram-v2" (or "stateDiagram"), found \`${short(line)}\``,
          at,
          'a Mermaid state diagram starts with the line stateDiagram-v2; flowcharts and other diagrams are not state machines',
        );
      sawHeader = true;
      continue;
    }
    if (IGNORED.test(line)) continue;
    if (/^accDescr\s*\{/.test(line)) {
      if (!line.includes('}')) skipping = 'accDescr';
      continue;
    }
    if (/^note\s/i.test(line)) {
      // `note left of x : text` is one line; `note left of x` runs to `end note`.
      if (/^note\s+(left|right)\s+of\s+\S+\s*$/i.test(line)) skipping = 'note';
      continue;
    }
    if (line === '}') {
      if (!open.pop())
        throw new ImportFormatError(
          'STUDIO_IMPORT_SYNTAX',
          'a `}` closes no block',
          at,
          'remove it, or open the block with state name {',
        );
      continue;
    }
    if (line === '--') {
      const s = scope();
      if (!s)
        throw new ImportFormatError(
          'STUDIO_IMPORT_SYNTAX',
          '`--` is outside a composite state',
          at,
          '`--` separates the concurrent regions inside state name { … }',
        );
      s.sections++;
      continue;
    }
    const stateAs = STATE_AS.exec(line);
    const state = stateAs ? undefined : STATE.exec(line);
    if (stateAs || state) {
      const [id, pseudo, opens] = stateAs
        ? [stateAs[2]!, stateAs[4], stateAs[5]]
        : [state![1]!, state![3], state![4]];
      const s = named(id, at);
      if (stateAs) s.name = stateAs[1]!;
      if (pseudo) s.pseudo = pseudo.toLowerCase();
      if (opens) {
        s.composite = true;
        if (open.length >= MAX_DIAGRAM_DEPTH)
          throw new ImportFormatError(
            'STUDIO_IMPORT_TOO_DEEP',
            `composite states nest deeper than ${MAX_DIAGRAM_DEPTH} levels`,
            at,
            'flatten the diagram: a statechart this deep cannot be a GymSpec',
            { details: { limit: MAX_DIAGRAM_DEPTH } },
          );
        open.push({ state: s, at });
      }
      continue;
    }
    const described = STATE_DESCRIBED.exec(line);
    if (described) {
      named(described[1]!, at).descriptions.push(described[2]!.trim());
      continue;
    }
    const t = TRANSITION.exec(line);
    if (t) {
      const [from, to, label = ''] = [t[1]!, t[2]!, (t[3] ?? '').trim()];
      const s = scope();
      const starts = s ? s.starts : topStarts;
      if (from === '[*]') {
        if (to === '[*]') {
          diagram.warnings.push(`line ${at.line}: [*] --> [*] left out (it starts nowhere)`);
          continue;
        }
        const target = named(to, at);
        if (label)
          diagram.warnings.push(
            `line ${at.line}: the label "${label}" of a start arrow left out (entering needs no event)`,
          );
        const known = starts[section()];
        if (known && known !== target)
          diagram.warnings.push(
            `line ${at.line}: a second start arrow ([*] --> ${to}) left out: ${known.id} starts this level`,
          );
        else starts[section()] = target;
        continue;
      }
      const source = named(from, at);
      const target = to === '[*]' ? undefined : named(to, at);
      diagram.transitions.push({ source, target, label, scope: s, section: section(), at });
      continue;
    }
    const description = DESCRIPTION.exec(line);
    if (description) {
      named(description[1]!, at).descriptions.push(description[2]!.trim());
      continue;
    }
    const bare = BARE.exec(line);
    if (bare) {
      named(bare[1]!, at);
      continue;
    }
    throw new ImportFormatError(
      'STUDIO_IMPORT_SYNTAX',
      `cannot read \`${short(line)}\``,
      at,
      'a state diagram line is a state (name, state "Long name" as name, state name { … }), a transition (a --> b : EVENT), [*] --> a for the start, a --> [*] for an end, or -- between regions; state names are letters, digits, _ and -',
    );
  }
  if (!sawHeader)
    throw new ImportFormatError(
      'STUDIO_IMPORT_NO_MACHINE',
      'the text holds no state diagram',
      undefined,
      'a Mermaid state diagram starts with the line stateDiagram-v2',
    );
  const unclosed = open.at(-1);
  if (unclosed)
    throw new ImportFormatError(
      'STUDIO_IMPORT_SYNTAX',
      `the block of state "${unclosed.state.id}" is never closed`,
      unclosed.at,
      'close it with } on a line of its own',
    );
  diagram.start = topStarts[0];
  return diagram;
}

/** The Mermaid text of a Markdown file: its first ```mermaid block holding a state diagram, with the line it starts at. */
export function mermaidInMarkdown(text: string): { text: string; firstLine: number } | undefined {
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    const fence = /^\s*(`{3,}|~{3,})\s*mermaid\s*$/.exec(lines[i]!);
    if (!fence) continue;
    const close = new RegExp(`^\\s*${fence[1]![0] === '`' ? '`' : '~'}{${fence[1]!.length},}\\s*$`);
    let end = i + 1;
    while (end < lines.length && !close.test(lines[end]!)) end++;
    const body = lines.slice(i + 1, end);
    if (body.some((l) => HEADER.test(l.trim()))) return { text: body.join('\n'), firstLine: i + 2 };
    i = end;
  }
  return undefined;
}

function short(line: string): string {
  return line.length > 60 ? `${line.slice(0, 57)}…` : line;
}
