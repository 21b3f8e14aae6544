import { data, Form, Link, useActionData, useLoaderData } from 'react-router';
import { requestAccess } from '../../server/auth/access.ts';
import { type Membership, OWNER_ID } from '../../server/auth/members.ts';
import { MAX_WORKSPACE_NAME } from '../../server/auth/workspaceAdmin.ts';
import { WorkspaceError } from '../../server/auth/workspaceErrors.ts';
import { studioContext } from '../../server/context.ts';
import { DEFAULT_WORKSPACE_ID, type MemberRole } from '../../server/db/schema.ts';
import './workspaces.css';

/** The roles, as the role choice lists them. (Server modules stay out of the browser's bundle.) */
const ROLES: readonly MemberRole[] = ['owner', 'editor', 'viewer'];

type Context = { membership?: Membership };

/**
 * `/workspaces`: the workspaces the visitor belongs to, each with its environments and members;
 * "New workspace" (the maker owns it); for an owner, an invite link into their workspace (what
 * `palestra studio invite --workspace` prints), and managing it: rename, delete once empty,
 * change a member's role, remove a member. Any member may leave. The rules are the Membership
 * API's (`server/auth/workspaceAdmin.ts`); this page only shows their refusals.
 */
export async function loader({ context, request }: { context: unknown; request: Request }) {
  const studio = studioContext(context);
  const membership = (context as Context).membership;
  const access = await requestAccess(studio, context as Context, request);
  const environments = await studio.repo.listEnvironments({
    workspaceIds: access.workspaces.map((w) => w.id),
  });
  return {
    signedIn: access.member !== undefined,
    me: access.member?.id,
    /** The longest name a workspace takes, for the name fields. */
    maxName: MAX_WORKSPACE_NAME,
    workspaces: await Promise.all(
      access.workspaces.map(async (w) => ({
        ...w,
        isDefault: w.id === DEFAULT_WORKSPACE_ID,
        environments: environments
          .filter((e) => e.workspaceId === w.id)
          .map((e) => ({ id: e.id, name: e.name })),
        // The studio's local owner always owns the default workspace: no controls that would fail.
        members: (membership ? await membership.membersOf(w.id) : []).map((m) => ({
          ...m,
          fixed: w.id === DEFAULT_WORKSPACE_ID && m.id === OWNER_ID,
        })),
      })),
    ),
  };
}

/** What the page says after an action: a refusal (with the workspace it concerns) or what was done. */
type Outcome =
  | { problem: string; hint?: string; code?: string; workspace?: string }
  | { done: string; workspace?: string }
  | { created: { id: string; name: string } }
  | { invite: { workspace: string; role: string; url: string } };

const field = (form: FormData, name: string) => String(form.get(name) ?? '');

/**
 * `intent=create` with `name`; `intent=invite` with `workspace` and `role`; `intent=rename` with
 * `workspace` and `name`; `intent=delete` with `workspace`; `intent=role` with `workspace`,
 * `member` and `role`; `intent=remove` with `workspace` and `member`; `intent=leave` with
 * `workspace`. Refusals answer their `WorkspaceError`'s status (400, 403, 404 or 409).
 */
export async function action({ context, request }: { context: unknown; request: Request }) {
  const studio = studioContext(context);
  const membership = (context as Context).membership;
  const access = await requestAccess(studio, context as Context, request);
  if (!membership || !access.member)
    return data<Outcome>(
      { problem: 'no member is signed in: open the studio with an invite link' },
      { status: 403 },
    );
  const me = access.member.id;
  const form = await request.formData();
  const intent = field(form, 'intent');
  const workspace = field(form, 'workspace');
  const nameOf = (id: string) => access.workspaces.find((w) => w.id === id)?.name ?? 'the workspace';
  const memberName = async (id: string) =>
    (await membership.membersOf(workspace)).find((m) => m.id === id)?.name ?? 'the member';
  try {
    if (intent === 'create') {
      const made = await membership.createWorkspace(me, field(form, 'name'));
      return { created: { id: made.id, name: made.name } } satisfies Outcome;
    }
    if (intent === 'invite') {
      const role = form.get('role') === 'viewer' ? 'viewer' : 'editor';
      const owned = access.workspaces.find((w) => w.id === workspace);
      if (owned?.role !== 'owner')
        return data<Outcome>(
          { problem: 'only an owner of the workspace may invite to it', workspace },
          { status: 403 },
        );
      const invite = await membership.createInvite(role, { workspaceId: owned.id });
      const base = studio.shareUrl ?? new URL('/', request.url).href;
      return {
        invite: { workspace: owned.name, role, url: `${base}invite/${invite.token}` },
      } satisfies Outcome;
    }
    if (intent === 'rename') {
      const before = nameOf(workspace);
      const renamed = await membership.renameWorkspace(me, workspace, field(form, 'name'));
      return { done: `Renamed ${before} to ${renamed.name}.`, workspace } satisfies Outcome;
    }
    if (intent === 'delete') {
      const name = nameOf(workspace);
      await membership.deleteWorkspace(me, workspace);
      return { done: `Deleted the workspace ${name}, with its members and invites.` } satisfies Outcome;
    }
    if (intent === 'role') {
      const member = field(form, 'member');
      const role = ROLES.find((r) => r === form.get('role'));
      if (!role)
        return data<Outcome>({ problem: 'a role is owner, editor or viewer', workspace }, { status: 400 });
      await membership.setMemberRole(me, workspace, member, role);
      return {
        done: `${await memberName(member)} is now ${article(role)} of ${nameOf(workspace)}.`,
        workspace,
      } satisfies Outcome;
    }
    if (intent === 'remove' || intent === 'leave') {
      const member = intent === 'leave' ? me : field(form, 'member');
      const who = await memberName(member);
      await membership.removeMember(me, workspace, member);
      return {
        done:
          member === me
            ? `You left ${nameOf(workspace)}.`
            : `Removed ${who} from ${nameOf(workspace)}: their open pages lost access at once.`,
        ...(member !== me && { workspace }),
      } satisfies Outcome;
    }
  } catch (error) {
    if (!(error instanceof WorkspaceError)) throw error;
    return data<Outcome>(
      { problem: error.message, hint: error.hint, code: error.code, workspace },
      { status: error.status },
    );
  }
  return data<Outcome>(
    { problem: 'unknown intent: post create, invite, rename, delete, role, remove or leave' },
    { status: 400 },
  );
}

const article = (role: MemberRole) =>
  role === 'owner' ? 'an owner' : role === 'editor' ? 'an editor' : 'a viewer';

export function meta() {
  return [{ title: 'Workspaces · Palestra Studio' }];
}

/** The action's answer: a refusal as an alert, anything else as a status line. */
function ActionOutcome({ result }: { result: Outcome }) {
  if ('problem' in result)
    return (
      <p role="alert" className="error-text">
        {result.problem}
        {result.hint && <span className="hint"> → {result.hint}</span>}
      </p>
    );
  if ('done' in result)
    return (
      <p role="status" className="notice">
        {result.done}
      </p>
    );
  if ('created' in result)
    return (
      <p role="status" className="notice">
        Made the workspace <strong>{result.created.name}</strong>; you own it.
      </p>
    );
  return (
    <p role="status" className="notice">
      Invite link for a {result.invite.role} of {result.invite.workspace} (valid seven days, for one person):{' '}
      <code>{result.invite.url}</code>
    </p>
  );
}

type LoadedWorkspace = Awaited<ReturnType<typeof loader>>['workspaces'][number];

/** A workspace's members, and for an owner the controls to change a role or remove someone. */
function Members({ w, me }: { w: LoadedWorkspace; me: string | undefined }) {
  const owner = w.role === 'owner';
  return (
    <ul aria-label={`Members of ${w.name}`} className="member-list">
      {w.members.map((m) => (
        <li key={m.id}>
          <span className="member-name">
            {m.name} · {m.role}
            {m.id === me && <span className="muted"> (you)</span>}
            {m.fixed && <span className="muted"> (the studio's local owner)</span>}
          </span>
          {owner && !m.fixed && (
            <Form method="post" className="inline-form" aria-label={`Role of ${m.name} in ${w.name}`}>
              <input type="hidden" name="intent" value="role" />
              <input type="hidden" name="workspace" value={w.id} />
              <input type="hidden" name="member" value={m.id} />
              <label>
                Role of {m.name}{' '}
                <select name="role" defaultValue={m.role}>
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </label>{' '}
              <button type="submit">Change role</button>
            </Form>
          )}
          {owner && m.id !== me && (
            <Form method="post" className="inline-form">
              <input type="hidden" name="intent" value="remove" />
              <input type="hidden" name="workspace" value={w.id} />
              <input type="hidden" name="member" value={m.id} />
              <button type="submit">Remove {m.name}</button>
            </Form>
          )}
          {m.id === me && !m.fixed && (
            <Form method="post" className="inline-form">
              <input type="hidden" name="intent" value="leave" />
              <input type="hidden" name="workspace" value={w.id} />
              <button type="submit">Leave {w.name}</button>
            </Form>
          )}
        </li>
      ))}
    </ul>
  );
}

/** An owner's rename and delete forms. */
function ManageWorkspace({ w, maxName }: { w: LoadedWorkspace; maxName: number }) {
  return (
    <div className="manage-workspace">
      <h3>Manage</h3>
      <Form method="post" className="inline-form" aria-label={`Rename ${w.name}`}>
        <input type="hidden" name="intent" value="rename" />
        <input type="hidden" name="workspace" value={w.id} />
        <label>
          New name <input name="name" required maxLength={maxName} defaultValue={w.name} />
        </label>{' '}
        <button type="submit">Rename</button>
      </Form>
      {!w.isDefault && (
        <Form method="post" className="inline-form" aria-label={`Delete ${w.name}`}>
          <input type="hidden" name="intent" value="delete" />
          <input type="hidden" name="workspace" value={w.id} />
          <button type="submit">Delete this workspace</button>{' '}
          <span className="muted">
            (only once it holds no environment; its members and invites go with it)
          </span>
        </Form>
      )}
    </div>
  );
}

export default function Workspaces() {
  const { signedIn, me, maxName, workspaces } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  // A result about one workspace shows in its card, next to the control that was used.
  const about = result && 'workspace' in result ? result.workspace : undefined;
  const inCard = about !== undefined && workspaces.some((w) => w.id === about);
  return (
    <section aria-labelledby="workspaces-title">
      <h1 id="workspaces-title">Workspaces</h1>
      <p className="muted">
        Each workspace has its own environments and members: only its members see and open them.
      </p>
      {result && !inCard && <ActionOutcome result={result} />}
      {!signedIn && <p>Sign in with an invite link to see your workspaces.</p>}
      {workspaces.map((w) => (
        <article key={w.id} aria-labelledby={`workspace-${w.id}`} className="env-card workspace-card">
          <h2 id={`workspace-${w.id}`}>{w.name}</h2>
          <p className="muted">You are its {w.role}.</p>
          {result && about === w.id && <ActionOutcome result={result} />}
          <h3>Environments</h3>
          {w.environments.length === 0 ? (
            <p className="muted">None yet.</p>
          ) : (
            <ul aria-label={`Environments of ${w.name}`}>
              {w.environments.map((e) => (
                <li key={e.id}>
                  <Link to={`/env/${encodeURIComponent(e.id)}`}>{e.name}</Link>
                </li>
              ))}
            </ul>
          )}
          {w.role !== 'viewer' && (
            <>
              <p>
                <Link to={`/new?workspace=${encodeURIComponent(w.id)}`}>New environment here</Link>{' '}
                <span className="muted">(from nothing, or forked from the catalog)</span>
              </p>
              {/* The import page's own form posts to /import: this one names the workspace. */}
              <Form
                method="post"
                action={`/import?workspace=${encodeURIComponent(w.id)}`}
                encType="multipart/form-data"
                aria-label={`Import into ${w.name}`}
              >
                <label>
                  Import a file here <input type="file" name="spec" required />
                </label>{' '}
                <button type="submit">Import</button>
              </Form>
            </>
          )}
          <h3>Members</h3>
          <Members w={w} me={me} />
          {w.role === 'owner' && (
            <Form method="post" aria-label={`Invite to ${w.name}`}>
              <input type="hidden" name="intent" value="invite" />
              <input type="hidden" name="workspace" value={w.id} />
              <label>
                Role{' '}
                <select name="role" defaultValue="editor">
                  <option value="editor">editor</option>
                  <option value="viewer">viewer</option>
                </select>
              </label>{' '}
              <button type="submit">Make an invite link</button>
            </Form>
          )}
          {w.role === 'owner' && <ManageWorkspace w={w} maxName={maxName} />}
        </article>
      ))}
      {signedIn && (
        <Form method="post" aria-labelledby="new-workspace-title">
          <h2 id="new-workspace-title">New workspace</h2>
          <input type="hidden" name="intent" value="create" />
          <label>
            Name <input name="name" required maxLength={maxName} />
          </label>{' '}
          <button type="submit">Make it</button>
        </Form>
      )}
    </section>
  );
}
