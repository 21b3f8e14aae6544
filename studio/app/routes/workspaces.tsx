import { data, Form, Link, useActionData, useLoaderData } from 'react-router';
import { requestAccess } from '../../server/auth/access.ts';
import type { Membership } from '../../server/auth/members.ts';
import { studioContext } from '../../server/context.ts';

type Context = { membership?: Membership };

/** The longest workspace name: what the pages list and `palestra studio invite --workspace` matches. */
const MAX_WORKSPACE_NAME = 60;

/**
 * `/workspaces`: the workspaces the visitor belongs to, each with its environments and members;
 * "New workspace" (the maker owns it); and, for an owner, an invite link into their workspace
 * (what `palestra studio invite --workspace` prints).
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
    workspaces: await Promise.all(
      access.workspaces.map(async (w) => ({
        ...w,
        environments: environments
          .filter((e) => e.workspaceId === w.id)
          .map((e) => ({ id: e.id, name: e.name })),
        members: membership ? await membership.membersOf(w.id) : [],
      })),
    ),
  };
}

/** `intent=create` with `name`; `intent=invite` with `workspace` and `role` (owners only). */
export async function action({ context, request }: { context: unknown; request: Request }) {
  const studio = studioContext(context);
  const membership = (context as Context).membership;
  const access = await requestAccess(studio, context as Context, request);
  if (!membership || !access.member)
    return data({ problem: 'no member is signed in: open the studio with an invite link' }, { status: 403 });
  const form = await request.formData();
  if (form.get('intent') === 'create') {
    const name = String(form.get('name') ?? '').trim();
    if (name === '' || name.length > MAX_WORKSPACE_NAME)
      return data(
        { problem: `a workspace needs a name of 1 to ${MAX_WORKSPACE_NAME} characters` },
        { status: 400 },
      );
    const workspace = await membership.createWorkspace(access.member.id, name);
    return { created: { id: workspace.id, name: workspace.name } };
  }
  if (form.get('intent') === 'invite') {
    const id = String(form.get('workspace') ?? '');
    const role = form.get('role') === 'viewer' ? 'viewer' : 'editor';
    const workspace = access.workspaces.find((w) => w.id === id);
    if (workspace?.role !== 'owner')
      return data({ problem: 'only an owner of the workspace may invite to it' }, { status: 403 });
    const invite = await membership.createInvite(role, { workspaceId: workspace.id });
    const base = studio.shareUrl ?? new URL('/', request.url).href;
    return {
      invite: { workspace: workspace.name, role, url: `${base}invite/${invite.token}` },
    };
  }
  return data({ problem: 'unknown intent: post intent=create or intent=invite' }, { status: 400 });
}

export function meta() {
  return [{ title: 'Workspaces · Palestra Studio' }];
}

export default function Workspaces() {
  const { signedIn, workspaces } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <section aria-labelledby="workspaces-title">
      <h1 id="workspaces-title">Workspaces</h1>
      <p className="muted">
        Each workspace has its own environments and members: only its members see and open them.
      </p>
      {result && 'problem' in result && (
        <p role="alert" className="error-text">
          {result.problem}
        </p>
      )}
      {result && 'created' in result && result.created && (
        <p role="status" className="notice">
          Made the workspace <strong>{result.created.name}</strong>; you own it.
        </p>
      )}
      {result && 'invite' in result && result.invite && (
        <p role="status" className="notice">
          Invite link for a {result.invite.role} of {result.invite.workspace} (valid seven days, for one
          person): <code>{result.invite.url}</code>
        </p>
      )}
      {!signedIn && <p>Sign in with an invite link to see your workspaces.</p>}
      {workspaces.map((w) => (
        <article key={w.id} aria-labelledby={`workspace-${w.id}`} className="env-card">
          <h2 id={`workspace-${w.id}`}>{w.name}</h2>
          <p className="muted">You are its {w.role}.</p>
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
          <ul aria-label={`Members of ${w.name}`}>
            {w.members.map((m) => (
              <li key={m.id}>
                {m.name} · {m.role}
              </li>
            ))}
          </ul>
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
        </article>
      ))}
      {signedIn && (
        <Form method="post" aria-labelledby="new-workspace-title">
          <h2 id="new-workspace-title">New workspace</h2>
          <input type="hidden" name="intent" value="create" />
          <label>
            Name <input name="name" required maxLength={MAX_WORKSPACE_NAME} />
          </label>{' '}
          <button type="submit">Make it</button>
        </Form>
      )}
    </section>
  );
}
