import { type EnvSource, PalestraError, parseSpec, SpecError } from '@palestra/envs/core';
import type { DocProblem } from '../doc/toSpec.ts';
import type { Problem } from '../problems/problemsOf.ts';
import { elementsOfPath } from './pathElements.ts';

/** What the live check validates: a document's `toSpec` result and its files. */
export interface LiveSource {
  /** The spec input the document describes (`toSpec(doc).spec`). */
  spec: unknown;
  /** The document's code modules (`filesOf(doc)`). */
  files: Record<string, string>;
  /** What `toSpec` had to decide about the document (`toSpec(doc).problems`). */
  docProblems: readonly DocProblem[];
  /** Document state id → dotted state id (`toSpec(doc).paths`): places the document's problems. */
  paths?: ReadonlyMap<string, string>;
}

/** The first stage's verdict: the problems, and the parsed source when the spec is valid. */
export interface ParseStage {
  problems: Problem[];
  /** The parsed spec with its files, for the full check; absent when the spec does not parse. */
  source?: EnvSource;
}

/**
 * Stage 1 of the live check, on the page and synchronous: the document's own problems, then the
 * core's `parseSpec`. Each issue of an invalid spec is one error at its JSON path, placed on the
 * states and transitions the path names. Never throws: a spec no parser expected (a hostile
 * client's document) is an error problem too.
 *
 * @example
 * const { problems, source } = parseStage({ spec, files, docProblems, paths });
 * if (source) runFullCheck(source);
 */
export function parseStage(input: LiveSource): ParseStage {
  const problems = docProblemsOf(input.docProblems, input.paths);
  try {
    const spec = parseSpec(input.spec, input.files);
    return { problems, source: { spec, files: input.files } };
  } catch (e) {
    return { problems: [...problems, ...specProblemsOf(e, input.spec)] };
  }
}

/** The problems of a spec that failed to parse: one per issue of a `SpecError`, else the error itself. */
export function specProblemsOf(error: unknown, spec?: unknown): Problem[] {
  if (error instanceof SpecError)
    return error.issues.map((issue, i) => ({
      id: `spec#${i}`,
      level: 'error',
      check: 'spec',
      message: issue.message,
      code: error.code,
      ...(issue.hint !== undefined && { hint: issue.hint }),
      where: issue.path,
      ...elementsOfPath(issue.path, spec),
    }));
  const typed = error instanceof PalestraError;
  const path = typed && typeof error.details.path === 'string' ? error.details.path : undefined;
  return [
    {
      id: 'spec#0',
      level: 'error',
      check: 'spec',
      message: typed
        ? error.message
        : `the spec could not be read: ${(error as Error)?.message ?? String(error)}`,
      code: typed ? error.code : 'UNEXPECTED_ERROR',
      ...(typed && error.hint !== undefined && { hint: error.hint }),
      ...(path !== undefined && { where: path }),
      ...(path !== undefined ? elementsOfPath(path, spec) : { states: [], transitions: [] }),
    },
  ];
}

/**
 * The document's problems (what `toSpec` decided about edits that left it inconsistent), as
 * warnings on the states they name that are still in the spec. A transition's id is not a state:
 * such a problem is placed on the states it also names, if any (a transition left out is not drawn).
 */
export function docProblemsOf(
  docProblems: readonly DocProblem[],
  paths?: ReadonlyMap<string, string>,
): Problem[] {
  return docProblems.map((p, i) => {
    const states = [...new Set(p.ids.flatMap((id) => paths?.get(id) ?? []))];
    // "its parent state was deleted": whose, in a list of problems. An "its" that is not a state's
    // is a transition's (toSpec's messages about transitions all begin so).
    const first = paths?.get(p.ids[0] ?? '');
    const subject = first !== undefined ? `state "${first}"` : 'a transition';
    return {
      id: `document#${i}`,
      level: 'warning',
      check: 'document',
      message: p.message.startsWith('its ') ? `${subject}: ${p.message}` : p.message,
      code: `DOC_${p.code.toUpperCase().replaceAll('-', '_')}`,
      states,
      transitions: [],
    };
  });
}
