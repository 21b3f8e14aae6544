/**
 * The environment page's editing: the canvas's edits (`CanvasEdit`) and the toolbar's, each one
 * document transaction with this browser's origin (`localOrigin`), so the one undo manager takes
 * it back whole; the delete awaiting confirmation; the transition being drawn, waiting for its
 * event; and Tidy. States are named by their document id here and by their dotted path on the
 * canvas; `view` maps one to the other.
 */
import { useCallback, useMemo, useRef, useState } from 'react';
import type * as Y from 'yjs';
import type { CanvasEdit } from '../canvas/canvasEdit.tsx';
import type { Place } from '../canvas/placeNodes.ts';
import type { DocView } from '../collab/docView.ts';
import { undoManagerFor } from '../collab/undo.ts';
import { localOrigin } from '../collab/useCollabDoc.ts';
import {
  addState,
  addTransition,
  clearPositions,
  deleteTransition,
  deletionScope,
  isHistoryState,
  moveState,
  placementProblem,
  positionOf,
  removeState,
  renameState,
  retarget,
  type StateKind,
  setEvent,
  setHistoryDefault,
  setInitial,
  setPosition,
  setStateKind,
  stateKindOf,
} from '../doc/edits.ts';
import { docParts } from '../doc/schema.ts';
import { EVENT, STATE_NAME } from './newSpec.ts';
import { type DrawnTransition, edgeKey, transitionEdges } from './transitionEdges.ts';

/** A delete waiting for the user's yes, with what goes with it. */
export interface PendingDelete {
  kind: 'state' | 'transition';
  /** Document id. */
  id: string;
  /** What the confirmation names: a state's path, or a transition's label. */
  label: string;
  /** For a state: the states under it and the transitions in and out of all of them. */
  inner: number;
  transitions: number;
}

/** A transition being drawn: from and to (document ids, null for the root), its event to choose. */
export interface Draft {
  source: string | null;
  target: string | null;
  /** Bumped on each new draft, so the form takes it over and focuses its event field. */
  key: number;
}

export interface CanvasEditor {
  doc: Y.Doc;
  /** What the canvas gets (`<CanvasPane edit={editor.canvas} />`). */
  canvas: CanvasEdit;
  view: DocView;
  /** The selected state's document id, or the selected transition. */
  selectedState: string | undefined;
  selectedTransition: DrawnTransition | undefined;
  /** The tools' events, offered when a transition's event is chosen. */
  events: string[];
  pendingDelete: PendingDelete | undefined;
  confirmDelete(): void;
  cancelDelete(): void;
  askDelete(kind: 'state' | 'transition', id: string): void;
  draft: Draft | undefined;
  /** Adds a state (under `parent`, null: the top level); returns why not, or undefined. */
  add(parent: string | null, name: string, at?: Place): string | undefined;
  rename(id: string, name: string): string | undefined;
  nest(id: string, parent: string | null): string | undefined;
  /** Makes a state its parent's initial one; returns why not (a history state), or undefined. */
  setInitial(id: string): string | undefined;
  setFinal(id: string, final: boolean): string | undefined;
  /** Makes a state `kind`; returns why not (`stateKindProblem`), or undefined. */
  setKind(id: string, kind: StateKind): string | undefined;
  /** Sets a history state's default state (null: none, its parent's initial state). */
  setHistoryDefault(id: string, target: string | null): void;
  /** Adds a transition on `event` ("" or null: eventless). */
  connect(source: string | null, event: string, target: string | null): string | undefined;
  changeEvent(id: string, event: string): string | undefined;
  retarget(id: string, target: string | null): void;
  tidy(): void;
  clearPositions(): void;
  /** What the last edit said (a refusal, a move), for the page's status line. */
  message: string | undefined;
}

/**
 * The origin of an edit made here, after closing the undo step before it: each canvas edit is one
 * undo step of its own, however quickly the next one follows (the undo manager would otherwise
 * merge edits less than its capture timeout apart).
 */
function own(doc: Y.Doc): symbol {
  undoManagerFor(doc).stopCapturing();
  return localOrigin;
}

/** Why `name` cannot name a child of `parent` (document ids), or undefined. */
export function stateNameProblem(
  doc: Y.Doc,
  parent: string | null,
  name: string,
  self?: string,
): string | undefined {
  if (!STATE_NAME.test(name))
    return `"${name}" is not a state name: use letters, digits, _ and -, starting with a letter, digit or _`;
  for (const [id, m] of docParts(doc).states.entries())
    if (id !== self && (m.get('parent') ?? null) === parent && m.get('name') === name)
      return `a sibling state is already named "${name}"`;
  return undefined;
}

/** A free name `base`, `base_2`, … among the children of `parent`. */
function freeName(doc: Y.Doc, parent: string | null, base: string): string {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    if (!stateNameProblem(doc, parent, name)) return name;
  }
}

/** A kind in the status line's words. */
const KIND_WORDS: Record<StateKind, string> = {
  state: 'an ordinary state',
  final: 'a final state',
  'shallow-history': 'a history state (shallow)',
  'deep-history': 'a history state (deep)',
};

/**
 * @example
 * const editor = useCanvasEditor(doc, view, selection, selectState);
 * <CanvasPane spec={spec} edit={editor?.canvas} />
 */
export function useCanvasEditor(
  doc: Y.Doc | undefined,
  view: DocView | undefined,
  selected: { state?: string; id?: string },
  selectState: (id: string) => void,
): CanvasEditor | undefined {
  const [tidyCount, setTidy] = useState(0);
  const [pendingDelete, setPendingDelete] = useState<PendingDelete>();
  const [draft, setDraft] = useState<Draft>();
  const [message, setMessage] = useState<string>();
  const drafts = useRef(0);

  const edges = useMemo(() => (doc && view ? transitionEdges(doc, view.paths) : undefined), [doc, view]);
  // Manual positions by dotted path; the same map while they are the same, so the canvas keeps its placement.
  const lastPositions = useRef<{ json: string; map: Map<string, Place> }>({ json: '', map: new Map() });
  const positions = useMemo(() => {
    if (!doc || !view) return lastPositions.current.map;
    const map = new Map<string, Place>();
    for (const [id, m] of docParts(doc).states.entries()) {
      const at = positionOf(m);
      const path = view.paths.get(id);
      if (at && path !== undefined) map.set(path, at);
    }
    const json = JSON.stringify([...map]);
    if (json !== lastPositions.current.json) lastPositions.current = { json, map };
    return lastPositions.current.map;
  }, [doc, view]);

  const idOf = useCallback(
    (path: string) => (path === '' ? null : (view?.stateIds.get(path) ?? null)),
    [view],
  );

  const askDelete = useCallback(
    (kind: 'state' | 'transition', id: string) => {
      if (!doc || !view) return;
      if (kind === 'state') {
        const scope = deletionScope(doc, id);
        if (scope.states.length === 0) return;
        setPendingDelete({
          kind,
          id,
          label: view.paths.get(id) ?? id,
          inner: scope.states.length - 1,
          transitions: scope.transitions.length,
        });
      } else {
        const m = docParts(doc).transitions.get(id);
        if (!m) return;
        const from = m.get('source') ?? null;
        const label = `${m.get('kind') === 'always' ? 'always' : String(m.get('event'))} from ${from === null ? 'the machine' : (view.paths.get(from as string) ?? '?')}`;
        setPendingDelete({ kind, id, label, inner: 0, transitions: 1 });
      }
    },
    [doc, view],
  );

  const canvas = useMemo<CanvasEdit | undefined>(() => {
    if (!doc || !view) return undefined;
    return {
      positions,
      tidy: tidyCount,
      onAddState: (at) => {
        const name = freeName(doc, null, 'state');
        selectState(addState(doc, null, name, own(doc), at));
        setMessage(`Added ${name}: double-click its name to rename it.`);
      },
      onRename: (path, name) => {
        const id = idOf(path);
        if (id === null) return 'the machine has no name to change here';
        const parent = (docParts(doc).states.get(id)?.get('parent') ?? null) as string | null;
        const problem = stateNameProblem(doc, parent, name, id);
        if (!problem) renameState(doc, id, name, own(doc));
        return problem;
      },
      onPosition: (path, at) => {
        const id = idOf(path);
        if (id !== null) setPosition(doc, id, at, own(doc));
      },
      onNest: (path, parentPath, at) => {
        const id = idOf(path);
        if (id === null) return;
        const parent = idOf(parentPath);
        const refused = placementProblem(doc, id, parent);
        if (refused) return setMessage(`${refused}.`);
        setMessage(
          moveState(doc, id, parent, own(doc), at)
            ? `Moved ${path} ${parent === null ? 'to the top level' : `into ${parentPath}`}.`
            : `${path} cannot go inside itself.`,
        );
      },
      onConnect: (source, target) => {
        drafts.current += 1;
        setDraft({ source: idOf(source), target: idOf(target), key: drafts.current });
      },
      onRetarget: (edgeId, target) => {
        const t = edges?.get(edgeKey(edgeId));
        if (t) retarget(doc, t.id, idOf(target), own(doc));
      },
      onDelete: (canvasId, kind) => {
        if (kind === 'state') {
          const id = idOf(canvasId);
          if (id !== null) askDelete('state', id);
        } else {
          const t = edges?.get(edgeKey(canvasId));
          if (t) askDelete('transition', t.id);
        }
      },
    };
  }, [doc, view, positions, tidyCount, idOf, edges, askDelete, selectState]);

  if (!doc || !view || !canvas) return undefined;
  const selectedTransition = selected.id !== undefined ? edges?.get(edgeKey(selected.id)) : undefined;
  const events = [
    ...new Set((view.input.tools ?? []).map((t) => t.event).filter((e) => typeof e === 'string')),
  ];
  return {
    doc,
    canvas,
    view,
    selectedState: selected.state,
    selectedTransition,
    events,
    pendingDelete,
    askDelete,
    cancelDelete: () => setPendingDelete(undefined),
    confirmDelete: () => {
      if (!pendingDelete) return;
      if (pendingDelete.kind === 'state') removeState(doc, pendingDelete.id, own(doc));
      else deleteTransition(doc, pendingDelete.id, own(doc));
      setMessage(`Deleted ${pendingDelete.label}.`);
      setPendingDelete(undefined);
    },
    draft,
    add: (parent, name, at) => {
      const problem = stateNameProblem(doc, parent, name) ?? placementProblem(doc, undefined, parent);
      if (problem) return problem;
      selectState(addState(doc, parent, name, own(doc), at));
      setMessage(`Added ${name}.`);
      return undefined;
    },
    rename: (id, name) => {
      const parent = (docParts(doc).states.get(id)?.get('parent') ?? null) as string | null;
      const problem = stateNameProblem(doc, parent, name, id);
      if (!problem) renameState(doc, id, name, own(doc));
      return problem;
    },
    nest: (id, parent) => {
      const path = view.paths.get(id) ?? id;
      const refused = placementProblem(doc, id, parent);
      if (refused) return refused;
      if (!moveState(doc, id, parent, own(doc))) return `${path} cannot go inside itself`;
      setMessage(`Moved ${path} ${parent === null ? 'to the top level' : `into ${view.paths.get(parent)}`}.`);
      return undefined;
    },
    setInitial: (id) => {
      if (isHistoryState(doc, id))
        return `${view.paths.get(id)} is a history state: entered first, it would restore itself without end`;
      setInitial(doc, id, own(doc));
      return undefined;
    },
    setFinal: (id, final) => {
      const kind = final
        ? 'final'
        : stateKindOf(docParts(doc).states.get(id)) === 'final'
          ? 'state'
          : undefined;
      return kind && setStateKind(doc, id, kind, own(doc))?.message;
    },
    setKind: (id, kind) => {
      const refused = setStateKind(doc, id, kind, own(doc))?.message;
      if (!refused) setMessage(`${view.paths.get(id)} is now ${KIND_WORDS[kind]}.`);
      return refused;
    },
    setHistoryDefault: (id, target) => setHistoryDefault(doc, id, target, own(doc)),
    connect: (source, event, target) => {
      if (isHistoryState(doc, source))
        return `${view.paths.get(source!)} is a history state: it is left at once for the state it restores, so a transition from it would never fire`;
      const e = event.trim();
      if (e !== '' && !EVENT.test(e)) return `"${e}" is not an event name: use letters, digits and _`;
      addTransition(doc, source, e === '' ? null : e, target, undefined, own(doc));
      setDraft(undefined);
      setMessage(`Added a transition on ${e === '' ? 'always' : e}.`);
      return undefined;
    },
    changeEvent: (id, event) => {
      const e = event.trim();
      if (e !== '' && !EVENT.test(e)) return `"${e}" is not an event name: use letters, digits and _`;
      setEvent(doc, id, e === '' ? null : e, own(doc));
      return undefined;
    },
    retarget: (id, target) => retarget(doc, id, target, own(doc)),
    tidy: () => setTidy((n) => n + 1),
    clearPositions: () => {
      clearPositions(doc, own(doc));
      setTidy((n) => n + 1);
    },
    message,
  };
}
