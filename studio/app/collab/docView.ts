/**
 * What the environment page draws from the collaborative document: the spec it describes (parsed
 * when it parses), its files, the document's own problems and where each state is. Pure and
 * browser-safe.
 */
import { type GymSpec, type GymSpecInput, gymSpecSchema, parseSpec } from '@palestra/envs/core';
import type * as Y from 'yjs';
import { type DocProblem, filesOf, toSpec } from '../doc/toSpec.ts';

/** A view of the document at one moment. */
export interface DocView {
  /** The spec input the document describes (what the live check judges). */
  input: GymSpecInput;
  /** The same, parsed; undefined while the document does not parse (the page keeps the last one). */
  spec: GymSpec | undefined;
  /**
   * The machine alone, when it is well-formed: drawn even while the whole spec does not parse (a
   * renamed state that a reward rule still names is a problem to list, not a reason to stop
   * drawing the chart).
   */
  machine: GymSpec['machine'] | undefined;
  files: Record<string, string>;
  /** What `toSpec` decided about inconsistent edits. */
  docProblems: DocProblem[];
  /** State document id → its dotted path (the canvas's node id). */
  paths: ReadonlyMap<string, string>;
  /** Dotted path → state document id. */
  stateIds: ReadonlyMap<string, string>;
}

/**
 * @example
 * const view = docView(doc);
 * view.stateIds.get('review'); // the document id of state `review`
 */
export function docView(doc: Y.Doc): DocView {
  const { spec: input, problems, paths } = toSpec(doc);
  const files = filesOf(doc);
  let spec: GymSpec | undefined;
  try {
    spec = parseSpec(input, files);
  } catch {
    // Shown by the live check, at its JSON path; the canvas keeps the last spec that parsed.
    spec = undefined;
  }
  const machine = spec?.machine ?? gymSpecSchema.shape.machine.safeParse(input.machine).data;
  return {
    input,
    spec,
    machine,
    files,
    docProblems: problems,
    paths,
    stateIds: new Map([...paths].map(([id, path]) => [path, id])),
  };
}
