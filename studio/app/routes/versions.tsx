import { useEffect } from 'react';
import {
  type ActionFunctionArgs,
  data,
  Form,
  Link,
  type LoaderFunctionArgs,
  redirect,
  useActionData,
  useLoaderData,
  useNavigation,
  useRevalidator,
} from 'react-router';
import { studioContext } from '../../server/context.ts';
import { keepAnswer } from '../../server/versions/answers.ts';
import { versionHistory } from '../../server/versions/history.ts';
import { versionAction } from '../../server/versions/versionAction.ts';
import { EnvErrorPage } from '../components/EnvErrorPage.tsx';
import { RollBackForm, VersionTable } from '../versions/VersionTable.tsx';
import '../versions/versions.css';

/** A studio environment's versions, newest first; a catalog name has none (404 with a way on). */
export async function loader({ params, context }: LoaderFunctionArgs) {
  const history = await versionHistory(studioContext(context), params.name ?? '');
  if (!history)
    throw new Response(
      `"${params.name}" is not a studio environment: only studio environments have versions (fork a catalog environment first)`,
      { status: 404, statusText: 'Not Found' },
    );
  return {
    id: history.env.id,
    name: history.env.name,
    headRoot: history.env.headRoot,
    versions: history.versions,
  };
}

/**
 * Commit (`intent=commit`, `message`) or roll back (`intent=rollback`, `seq`). With
 * `Accept: application/json` the answer is `{ root }`, or `{ code, message, hint, path? }` with
 * its status (422 for a document that does not parse), through a `303` to a one-time JSON URL
 * (`server/versions/answers.ts`: a page route cannot answer a document request with raw JSON); a
 * page's form gets the same as action data.
 */
export async function action({ request, params, context }: ActionFunctionArgs) {
  const id = params.name ?? '';
  const result = await versionAction({ request, context, id });
  if ((request.headers.get('accept') ?? '').includes('application/json')) {
    const key = result.ok
      ? keepAnswer({ root: result.root }, 200)
      : keepAnswer(result.problem, result.status);
    return redirect(`/env/${encodeURIComponent(id)}/versions/answer/${key}`, 303);
  }
  if (result.ok) return { done: result, problem: null };
  return data({ done: null, problem: result.problem }, { status: result.status });
}

export function meta({ data }: { data?: { name?: string } }) {
  return [{ title: `Versions of ${data?.name ?? 'an environment'} · Palestra Studio` }];
}

export default function Versions() {
  const { id, name, versions } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const pending = versions.some((v) => v.check.state === 'pending');
  // A check runs for seconds after a commit: the page asks again until every version has its verdict.
  useEffect(() => {
    if (!pending) return;
    const timer = setTimeout(() => revalidator.revalidate(), 1500);
    return () => clearTimeout(timer);
  }, [pending, revalidator]);
  const ref = encodeURIComponent(id);
  return (
    <section aria-labelledby="versions-title">
      <p>
        <Link to={`/env/${ref}`}>← {name}</Link>
      </p>
      <h1 id="versions-title">Versions of {name}</h1>
      <p className="muted">
        Each version is a content root: the same root <code>palestra check</code> prints for the version's
        exported folder. Commit a new one from the environment's page; tick two to compare them.
      </p>
      <div role="status" aria-live="polite">
        {navigation.state === 'submitting' && <p>Working…</p>}
        {result?.done && (
          <p>
            {result.done.intent === 'rollback' ? 'Rolled back: the head is now ' : 'Committed '}
            <code>{result.done.root}</code>
            {result.done.intent === 'rollback' && ', and the working document holds that version again.'}
          </p>
        )}
      </div>
      {result?.problem && (
        <p role="alert" className="error-text">
          <code>{result.problem.code}</code>: {result.problem.message}
          {result.problem.hint && <> {result.problem.hint}</>}
        </p>
      )}
      {versions.length === 0 ? (
        <p>No versions yet.</p>
      ) : (
        <Form method="get" action={`/env/${ref}/versions/diff`}>
          <VersionTable envRef={id} versions={versions} />
          <p>
            <button type="submit">Compare the two ticked versions</button>
          </p>
        </Form>
      )}
      <RollBackForm envRef={id} />
    </section>
  );
}

export function ErrorBoundary() {
  return <EnvErrorPage id="versions-error-title" failed="The versions cannot be shown" />;
}
