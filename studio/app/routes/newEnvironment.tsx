import { catalogNames, loadCatalog } from '@palestra/envs/catalog';
import { data, Form, Link, redirect, useActionData, useLoaderData } from 'react-router';
import type { Membership } from '../../server/auth/members.ts';
import { editableWorkspaces, targetWorkspace } from '../../server/auth/targetWorkspace.ts';
import { studioContext } from '../../server/context.ts';
import { DEFAULT_WORKSPACE_ID } from '../../server/db/index.ts';
import { importSpecText } from '../../server/importSpec.ts';
import { type FirstStep, firstStepProblems, forkName, STARTER_NOTES, starterSpec } from '../edit/newSpec.ts';
import '../edit/edit.css';

/**
 * A new studio environment: from nothing, with a guided first step (a name, a first state, a first
 * tool and its event), or forked from a catalog environment (`from`, posted by the Fork buttons).
 * Either way the spec goes through the studio's import (checked, put in the content store, the
 * environment and its first version created in one transaction) and its page opens.
 */
export async function action({ request, context }: { request: Request; context: unknown }) {
  const studio = studioContext(context);
  const form = await request.formData();
  // The workspace it goes into: the form's or the link's (`/new?workspace=<id>`), else the default.
  const requested = form.get('workspace') ?? new URL(request.url).searchParams.get('workspace');
  const target = await targetWorkspace(
    context as { membership?: Membership },
    request,
    typeof requested === 'string' ? requested : null,
  );
  if (!target.ok)
    return data({ problems: [], refused: `${target.message} (${target.hint})` }, { status: target.status });
  const from = form.get('from');
  if (typeof from === 'string' && from !== '') {
    // Only a catalog name reaches loadCatalog, never the form's text as a path.
    if (!catalogNames().includes(from))
      return data(
        { problems: [], refused: `there is no catalog environment named "${from}"` },
        { status: 400 },
      );
    const source = loadCatalog(from);
    const spec = { ...source.spec, name: forkName(source.spec.name) };
    const out = await importSpecText(JSON.stringify(spec), studio, `catalog:${from}`, source.files, {
      workspaceId: target.workspaceId,
      source: 'catalog',
      sourceRef: from,
    });
    if (!out.ok) return data({ problems: [], refused: out.problem.message }, { status: out.problem.status });
    return redirect(`/env/${encodeURIComponent(out.environment.id)}`);
  }
  const field = (name: string) => String(form.get(name) ?? '').trim();
  const step: FirstStep = {
    name: field('name'),
    state: field('state'),
    tool: field('tool'),
    event: field('event'),
  };
  const problems = firstStepProblems(step);
  if (problems.length > 0) return data({ problems, refused: undefined, step }, { status: 400 });
  const into = { workspaceId: target.workspaceId };
  const out = await importSpecText(JSON.stringify(starterSpec(step)), studio, undefined, {}, into);
  if (!out.ok)
    return data({ problems: [], refused: out.problem.message, step }, { status: out.problem.status });
  return redirect(`/env/${encodeURIComponent(out.environment.id)}`);
}

export async function loader({ request, context }: { request: Request; context: unknown }) {
  const workspaces = await editableWorkspaces(context as { membership?: Membership }, request);
  // The one preselected: the link's (`/new?workspace=<id>`, from a workspace's page), else the default.
  const asked = new URL(request.url).searchParams.get('workspace');
  const chosen =
    workspaces.find((w) => w.id === asked)?.id ??
    workspaces.find((w) => w.id === DEFAULT_WORKSPACE_ID)?.id ??
    workspaces[0]?.id;
  return { catalog: catalogNames(), workspaces, chosen };
}

/** Which workspace the new environment goes into: shown only when the member may choose. */
function WorkspaceChoice({
  id,
  workspaces,
  chosen,
}: {
  id: string;
  workspaces: { id: string; name: string }[];
  chosen?: string;
}) {
  if (workspaces.length < 2) return chosen ? <input type="hidden" name="workspace" value={chosen} /> : null;
  return (
    <p>
      <label htmlFor={id}>Workspace</label>{' '}
      <select id={id} name="workspace" defaultValue={chosen}>
        {workspaces.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>{' '}
      <span className="muted">its members can open and edit it</span>
    </p>
  );
}

export function meta() {
  return [{ title: 'New environment · Palestra Studio' }];
}

const FIELDS: { name: keyof FirstStep; label: string; hint: string; example: string }[] = [
  { name: 'name', label: 'Name', hint: 'lowercase letters, digits and -', example: 'help-desk' },
  { name: 'state', label: 'First state', hint: 'where every episode starts', example: 'open' },
  { name: 'tool', label: 'First tool', hint: 'what the agent calls', example: 'lookup_order' },
  {
    name: 'event',
    label: 'Its event',
    hint: 'what a call of the tool becomes in the statechart',
    example: 'LOOKUP',
  },
];

export default function NewEnvironment() {
  const { catalog, workspaces, chosen } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const problems = result?.problems ?? [];
  const problemOf = (name: keyof FirstStep) => problems.find((p) => p.field === name)?.message;
  const given = result && 'step' in result ? result.step : undefined;
  return (
    <section aria-labelledby="new-title" className="new-environment">
      <p>
        <Link to="/">← Environments</Link>
      </p>
      <h1 id="new-title">New environment</h1>
      {result?.refused && (
        <p role="alert" className="error-text">
          Not created: {result.refused}. Nothing was saved.
        </p>
      )}
      <h2 id="first-step-title">Start from nothing</h2>
      <Form method="post" aria-labelledby="first-step-title" className="first-step">
        {FIELDS.map((f) => {
          const problem = problemOf(f.name);
          return (
            <p key={f.name}>
              <label htmlFor={`new-${f.name}`}>{f.label}</label>{' '}
              <input
                id={`new-${f.name}`}
                name={f.name}
                required
                defaultValue={given?.[f.name] ?? ''}
                placeholder={f.example}
                aria-invalid={problem !== undefined}
                aria-describedby={`new-${f.name}-hint`}
              />{' '}
              <span id={`new-${f.name}-hint`} className={problem ? 'error-text' : 'muted'}>
                {problem ?? f.hint}
              </span>
            </p>
          );
        })}
        <WorkspaceChoice id="new-workspace" workspaces={workspaces} {...(chosen && { chosen })} />
        <p className="muted">
          A GymSpec needs a little more than this to be valid, so the new environment also gets{' '}
          {STARTER_NOTES.join('; ')}. Change each of them on the environment's page.
        </p>
        <button type="submit">Create the environment</button>
      </Form>
      <h2 id="fork-title">Or fork a catalog environment</h2>
      <p className="muted">A copy you can edit, named after the original with “-fork”.</p>
      <Form method="post" aria-labelledby="fork-title" className="edit-inline">
        <label htmlFor="fork-from">Catalog environment</label>
        <select id="fork-from" name="from">
          {catalog.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <WorkspaceChoice id="fork-workspace" workspaces={workspaces} {...(chosen && { chosen })} />
        <button type="submit">Fork</button>
      </Form>
    </section>
  );
}
