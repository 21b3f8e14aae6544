import type { GymSpec } from '@palestra/envs/core';
import { type ReactNode, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, type LoaderFunctionArgs, useLoaderData } from 'react-router';
import { currentMember } from '../../server/auth/currentMember.ts';
import { environmentDetail } from '../../server/catalog.ts';
import { checkOutcome } from '../../server/checkOutcome.ts';
import { checkState } from '../../server/checkStatus.ts';
import { studioContext } from '../../server/context.ts';
import { environmentSource } from '../../server/environmentSource.ts';
import { serverLayout } from '../../server/serverLayout.ts';
import { AssistantPanel } from '../assistant/AssistantPanel.tsx';
import type { CanvasPeer } from '../canvas/StatechartCanvas.tsx';
import { STATUS_TEXT } from '../collab/collabStatus.ts';
import { docView } from '../collab/docView.ts';
import type { PresenceField } from '../collab/presence.ts';
import { type CollabDoc, useCollabDoc } from '../collab/useCollabDoc.ts';
import '../collab/collab.css';
import { CanvasPane, canvasLinks } from '../components/CanvasPane.tsx';
import { EnvErrorPage } from '../components/EnvErrorPage.tsx';
import { EditToolbar } from '../edit/EditToolbar.tsx';
import { ForkButton } from '../edit/ForkButton.tsx';
import { useCanvasEditor } from '../edit/useCanvasEditor.ts';
import { ExportMenu } from '../export/ExportMenu.tsx';
import { SidePanel } from '../panel/SidePanel.tsx';
import { StateInspector } from '../panel/StateInspector.tsx';
import { ProblemsList } from '../problems/ProblemsList.tsx';
import type { Problem } from '../problems/problemsOf.ts';
import { useCheck } from '../problems/useCheck.ts';
import { useLiveCheck } from '../validate/useLiveCheck.ts';
import { VersionActions } from '../versions/VersionActions.tsx';

export const links = () => canvasLinks;

/**
 * One environment (a catalog name or a studio id); an unknown one is a 404 (the ErrorBoundary
 * below renders it). The checker's findings come with it when this root was checked before;
 * otherwise the check starts and the page polls for it (`useCheck`). A studio environment's page
 * also names its member (presence, and a viewer's disabled fields).
 */
export async function loader({ params, context, request }: LoaderFunctionArgs) {
  const studio = studioContext(context);
  const env = params.name === undefined ? undefined : await environmentSource(studio, params.name);
  if (!env)
    throw new Response(`No environment named "${params.name}"`, { status: 404, statusText: 'Not Found' });
  const layout = await serverLayout(env.root, env.spec);
  const check = checkOutcome(await checkState(studio, env, { start: false }));
  // The spec itself too: the canvas lays its machine out in the browser.
  return {
    ...environmentDetail(env.spec),
    ref: env.ref,
    name: env.name,
    kind: env.kind,
    root: env.root,
    spec: env.spec,
    files: env.files,
    check,
    layout,
    member: env.kind === 'studio' ? ((await currentMember(context, request, env.ref)) ?? null) : null,
  };
}

export function meta({ data }: { data?: { name?: string } }) {
  return [{ title: `${data?.name ?? 'Environment'} · Palestra Studio` }];
}

type LoadedEnv = ReturnType<typeof useLoaderData<typeof loader>>;

/**
 * A catalog environment is shown read-only from its spec; a studio environment is a shared
 * document, edited and seen live by everyone on its page.
 */
export default function Environment() {
  const env = useLoaderData<typeof loader>();
  return env.kind === 'studio' ? <StudioEnvironment env={env} /> : <CatalogEnvironment env={env} />;
}

function Header({ env, spec, children }: { env: LoadedEnv; spec: GymSpec; children?: ReactNode }) {
  return (
    <>
      <p>
        <Link to="/">← Environments</Link>
      </p>
      <h1 id="env-title">{env.name}</h1>
      {env.description && <p>{env.description}</p>}
      <div className="env-actions">
        <span className="muted">
          {stateCount(spec.machine)} states · {spec.tools.length} tools ·{' '}
          {env.kind === 'catalog' ? 'catalog' : 'studio'} environment · root{' '}
          <code title={env.root}>{env.root.slice(0, 10)}…</code>
        </span>
        <Link to={`/env/${encodeURIComponent(env.ref)}/simulate`} className="button-link">
          Simulate
        </Link>
        <Link to={`/env/${encodeURIComponent(env.ref)}/run`} className="button-link">
          Run agents
        </Link>
        <Link to={`/env/${encodeURIComponent(env.ref)}/learnability`} className="button-link">
          Learnability
        </Link>
        <ExportMenu spec={spec} name={env.name} />
        {env.kind === 'studio' && <VersionActions envRef={env.ref} />}
      </div>
      {children}
    </>
  );
}

/** The states under a machine's root, nested ones included: what the header counts (live, as edited). */
function stateCount(node: { states?: Record<string, unknown> }): number {
  return Object.values(node.states ?? {}).reduce<number>(
    (n, child) => n + 1 + stateCount(child as { states?: Record<string, unknown> }),
    0,
  );
}

/** The server's check, or the reason there is none yet, under the canvas. */
function CheckedProblems({
  check,
  spec,
  selected,
  onSelect,
}: {
  check: ReturnType<typeof useCheck> | ReturnType<typeof useLiveCheck>;
  spec: Pick<GymSpec, 'machine'>;
  selected: string | undefined;
  onSelect: (id: string, kind: 'state' | 'transition') => void;
}) {
  if (check.state === 'done')
    return <ProblemsList problems={check.problems} spec={spec} selected={selected} onSelect={onSelect} />;
  return (
    <section className="problems-list" aria-labelledby="problems-title" aria-busy={check.state === 'pending'}>
      <h2 id="problems-title">Problems</h2>
      {check.state === 'pending' ? (
        <p className="muted">Checking the environment…</p>
      ) : (
        <p role="alert" className="error-text">
          The checker could not run (<code>{check.code}</code>): {check.message}
          {check.hint && <> {check.hint}</>}
        </p>
      )}
    </section>
  );
}

function CatalogEnvironment({ env }: { env: LoadedEnv }) {
  const check = useCheck(env.ref, env.check);
  const [selected, setSelected] = useState<string | undefined>();
  const problems = check.state === 'done' ? check.problems : [];

  return (
    <article aria-labelledby="env-title">
      <Header env={env} spec={env.spec}>
        <ForkButton from={env.ref} />
      </Header>
      <div className="env-layout">
        <div className="canvas-column">
          <CanvasPane
            spec={env.spec}
            layout={env.layout}
            problems={problems}
            selected={selected}
            onSelect={setSelected}
          />
          <CheckedProblems check={check} spec={env.spec} selected={selected} onSelect={setSelected} />
        </div>
        <SidePanel spec={env.spec} files={env.files} />
      </div>
    </article>
  );
}

const NO_PROBLEMS: readonly Problem[] = [];

/**
 * The same object while its JSON is the same: the canvas lays out again only when the machine
 * changed, not on every change of the document (a task edited, a colleague's pointer).
 */
function useStable<T>(value: T): T {
  const last = useRef<{ given: T; json: string; value: T }>(undefined);
  if (last.current?.given !== value) {
    const json = JSON.stringify(value);
    last.current = { given: value, json, value: last.current?.json === json ? last.current.value : value };
  }
  return last.current.value;
}

/**
 * A studio environment: drawn from its collaborative document once the browser has it (the
 * loader's spec until then), checked live as it changes, with who is here, their pointers and
 * selections, and the selected state's inspector.
 */
function StudioEnvironment({ env }: { env: LoadedEnv }) {
  const member = env.member ?? { id: 'visitor', name: 'visitor', role: 'editor' as const };
  const collab = useCollabDoc(env.ref, member, member.role === 'viewer');
  const loaded = collab?.loaded ? collab : undefined;
  const doc = loaded?.doc;
  const version = loaded?.version;
  // `version` counts the document's changes: a new view for each.
  // biome-ignore lint/correctness/useExhaustiveDependencies: version stands for the document's content
  const view = useMemo(() => (doc ? docView(doc) : undefined), [doc, version]);
  // The last spec that parsed, for the side panel; the last well-formed machine, for the canvas:
  // a document that does not parse for a moment keeps its drawing.
  const lastGood = useRef<GymSpec>(env.spec);
  if (view?.spec) lastGood.current = view.spec;
  const lastMachine = useRef<GymSpec['machine']>(env.spec.machine);
  if (view?.machine) lastMachine.current = view.machine;
  const spec = useStable(lastGood.current);
  const machine = useStable(lastMachine.current);
  const unchanged = useMemo(
    () => JSON.stringify(machine) === JSON.stringify(env.spec.machine),
    [machine, env.spec.machine],
  );
  const canvasSpec = useMemo(() => ({ machine }), [machine]);

  const serverCheck = useCheck(env.ref, env.check);
  const live = useLiveCheck(
    useMemo(
      () => view && { spec: view.input, files: view.files, docProblems: view.docProblems, paths: view.paths },
      [view],
    ),
  );
  // The live check's full answer wins. Before it, while the machine is the one the server checked,
  // the server's findings stand (the live parse stage alone knows nothing of dead ends); after an
  // edit, only the live check speaks.
  const check = (live.state === 'done' && live.checked === 'full') || !unchanged ? live : serverCheck;
  const problems = check.state === 'done' ? check.problems : NO_PROBLEMS;

  // The selection: a state by its document id (it survives renames), anything else by canvas id.
  const [selection, setSelection] = useState<{ state?: string; id?: string }>({});
  const selected = selection.state !== undefined ? view?.paths.get(selection.state) : selection.id;
  const setPresence = usePresenceSetter(collab);
  const select = useCallback(
    (id: string, kind: 'state' | 'transition') => {
      const state = kind === 'state' ? view?.stateIds.get(id) : undefined;
      setSelection(state !== undefined ? { state } : { id });
      setPresence({ selection: state ?? null });
    },
    [view, setPresence],
  );
  const onPointer = usePointer(setPresence);
  const peers: CanvasPeer[] = useMemo(
    () =>
      (collab?.peers ?? []).map((p) => ({
        key: String(p.clientId),
        name: p.user.name,
        colour: p.user.colour,
        cursor: p.cursor,
        ...(p.selection !== null &&
          view?.paths.has(p.selection) && { selected: view.paths.get(p.selection) }),
      })),
    [collab?.peers, view],
  );
  const status = collab?.status ?? 'connecting';
  const readOnly = collab?.readOnly ?? member.role === 'viewer';
  // Editing on the canvas: for members who may edit, once the document is here.
  const selectState = useCallback(
    (state: string) => {
      setSelection({ state });
      setPresence({ selection: state });
    },
    [setPresence],
  );
  const editor = useCanvasEditor(readOnly ? undefined : doc, view, selection, selectState);

  return (
    <article aria-labelledby="env-title">
      <Header env={env} spec={spec}>
        <div className="collab-bar">
          <p role="status" className="collab-status" data-status={status}>
            {STATUS_TEXT[status]}
          </p>
          <HereNow collab={collab} member={member} view={view} />
        </div>
      </Header>
      <div className="env-layout">
        {/* How far the live check of the latest edit has gone (`parse`, then `full`): tests wait on it. */}
        <div className="canvas-column" data-live-check={live.state === 'done' ? live.checked : live.state}>
          <CanvasPane
            spec={canvasSpec}
            {...(editor && { edit: editor.canvas })}
            {...(unchanged && { layout: env.layout })}
            problems={problems}
            selected={selected}
            onSelect={select}
            peers={peers}
            onPointer={onPointer}
          />
          {editor && <EditToolbar editor={editor} />}
          <CheckedProblems check={check} spec={canvasSpec} selected={selected} onSelect={select} />
        </div>
        <div className="side-column">
          <AssistantPanel envRef={env.ref} doc={loaded?.doc} readOnly={readOnly} check={live} />
          {loaded && view && selection.state !== undefined && selected !== undefined && (
            <StateInspector
              doc={loaded.doc}
              stateId={selection.state}
              path={selected}
              version={loaded.version}
              readOnly={readOnly}
              peers={loaded.peers}
              onField={(field: PresenceField | null) => setPresence({ field })}
            />
          )}
          <SidePanel
            spec={spec}
            files={view?.files ?? env.files}
            doc={loaded?.doc}
            version={loaded?.version}
            readOnly={readOnly}
            awareness={loaded?.awareness}
          />
        </div>
      </div>
    </article>
  );
}

/** `collab.setPresence`, stable across renders (the collab object changes with every message). */
function usePresenceSetter(collab: CollabDoc | undefined): CollabDoc['setPresence'] {
  const current = useRef(collab);
  current.current = collab;
  return useCallback((patch) => current.current?.setPresence(patch), []);
}

/** The pointer, sent at most once per frame: a mouse reports far more often than anyone sees. */
function usePointer(setPresence: CollabDoc['setPresence']) {
  const pending = useRef<{ x: number; y: number } | null>(null);
  const frame = useRef(0);
  useEffect(() => () => cancelAnimationFrame(frame.current), []);
  return useCallback(
    (at: { x: number; y: number } | null) => {
      pending.current = at;
      if (frame.current) return;
      frame.current = requestAnimationFrame(() => {
        frame.current = 0;
        setPresence({ cursor: pending.current });
      });
    },
    [setPresence],
  );
}

/** Who is on the page, each in their colour, with what they selected and where they type. */
function HereNow({
  collab,
  member,
  view,
}: {
  collab: CollabDoc | undefined;
  member: { name: string };
  view: ReturnType<typeof docView> | undefined;
}) {
  const where = (state: string | null) => (state === null ? undefined : view?.paths.get(state));
  const people = [
    ...(collab
      ? [{ key: 'me', name: `${collab.me.user.name} (you)`, colour: collab.me.user.colour, doing: '' }]
      : []),
    ...(collab?.peers ?? []).map((p) => {
      const selected = where(p.selection);
      const typing = p.field && where(p.field.state);
      return {
        key: String(p.clientId),
        name: p.user.name,
        colour: p.user.colour,
        doing: typing
          ? `typing in the ${p.field!.field} of ${typing}`
          : p.editingLabel
            ? `typing in ${p.editingLabel}`
            : selected !== undefined
              ? `on ${selected}`
              : '',
      };
    }),
  ];
  return (
    <section className="here-now" aria-labelledby="here-title">
      <h2 id="here-title">Here now</h2>
      <ul>
        {people.length === 0 && <li className="muted">{member.name} (you)</li>}
        {people.map((p) => (
          <li key={p.key} data-peer={p.name}>
            <span className="presence-swatch" style={{ background: p.colour }} aria-hidden="true" />
            {p.name}
            {p.doing && <span className="muted"> · {p.doing}</span>}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** An unknown environment: say so and lead back to the list. */
export function ErrorBoundary() {
  return <EnvErrorPage id="env-error-title" failed="This environment cannot be shown" />;
}
