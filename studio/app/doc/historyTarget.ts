import type { DocProblem } from './toSpec.ts';
import type { Tree, TreeNode } from './tree.ts';

/**
 * A history state's default `target` in the document, kept as a transition's target is: the state
 * it names (its document id, null for the root) beside the string as written. Renaming or moving
 * that state, one of its ancestors or the history state itself leaves the id in place, so the
 * default follows; while the written string still names the same state it is given back as it
 * was, so an untouched document gives back its spec exactly. `{ raw }` alone: it named no state.
 *
 * The field may also hold a plain string: a document of layout version 1 (before `DOC_MIGRATIONS`
 * lifts it), or the `target` of a state that is not a history state (XState ignores it). A string
 * is the target as written, followed by nothing.
 */
export interface HistoryTarget {
  state?: string | null;
  raw: string;
}

/**
 * The document's value for `raw`, the default target written on the history state `node`, as
 * `fromSpec` and the layout migration store it. `""` stays a string: XState reads it as no target
 * at all (the parent's initial state), not as a state to follow.
 *
 * @example
 * historyTargetOf(tree, hist, 'ajar') // { state: '1-3', raw: 'ajar' }
 */
export function historyTargetOf(tree: Tree, node: TreeNode, raw: string): HistoryTarget | string {
  if (raw === '') return raw;
  const state = tree.resolveHistoryDefault(node, raw);
  return state === undefined ? { raw } : { state: state.id, raw };
}

/** What a state's `target` field comes back as in the spec: `target` undefined leaves it out. */
export interface RenderedHistoryTarget {
  target: unknown;
  problem?: DocProblem;
}

/**
 * A state's `target` field back as the spec's string: the written form while it still names the
 * same state, else one rendered from the tree (sibling-relative under the history state's parent,
 * else `#id`). A default whose state was deleted is left out, so the history state enters its
 * parent's initial state as XState does without one, and `target-missing` names both states.
 *
 * @example
 * renderHistoryTarget(tree, nodeOf, hist, { state: '1-3', raw: 'ajar' }) // { target: 'open' } after a rename
 */
export function renderHistoryTarget(
  tree: Tree,
  nodeOf: (id: string | null) => TreeNode | undefined,
  node: TreeNode,
  value: unknown,
): RenderedHistoryTarget {
  if (value === null || typeof value !== 'object') return { target: value };
  const ids = node.id === null ? [] : [node.id];
  if (!isHistoryTarget(value))
    return {
      target: undefined,
      problem: { code: 'malformed', message: 'its history default is not a state; left out', ids },
    };
  if (!('state' in value))
    return {
      target: value.raw,
      problem: { code: 'target-unresolved', message: `"${value.raw}" names no state`, ids },
    };
  const target = nodeOf(value.state ?? null);
  if (!target)
    return {
      target: undefined,
      problem: {
        code: 'target-missing',
        message: "its default state was deleted; left out (it enters its parent's initial state)",
        ids: [...ids, String(value.state)],
      },
    };
  const kept = value.raw !== '' && tree.resolveHistoryDefault(node, value.raw) === target;
  return { target: kept ? value.raw : tree.render(node, target) };
}

function isHistoryTarget(v: object): v is HistoryTarget {
  const t = v as Partial<Record<keyof HistoryTarget, unknown>>;
  return (
    !Array.isArray(v) &&
    typeof t.raw === 'string' &&
    (!('state' in v) || t.state === null || typeof t.state === 'string')
  );
}
