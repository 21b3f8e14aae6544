import { Link, type LoaderFunctionArgs, useLoaderData } from 'react-router';
import { studioContext } from '../../server/context.ts';
import { serverLayout } from '../../server/serverLayout.ts';
import { versionPair } from '../../server/versions/history.ts';
import { canvasLinks } from '../components/CanvasPane.tsx';
import { EnvErrorPage } from '../components/EnvErrorPage.tsx';
import { DiffCanvas, DiffLegend } from '../versions/DiffCanvas.tsx';
import { DiffWords } from '../versions/DiffWords.tsx';
import { diffSpecs } from '../versions/diffSpecs.ts';
import '../versions/versions.css';

export const links = () => canvasLinks;

/**
 * Two versions (`?v=<seq>&v=<seq>`, in any order: the older is "before") compared: the changes in
 * words, and both charts with the changes marked.
 */
export async function loader({ params, context, request }: LoaderFunctionArgs) {
  const studio = studioContext(context);
  const id = params.name ?? '';
  const env = await studio.repo.getEnvironment(id);
  if (!env)
    throw new Response(`"${id}" is not a studio environment`, { status: 404, statusText: 'Not Found' });
  const seqs = new URL(request.url).searchParams.getAll('v').map(Number);
  if (seqs.length !== 2 || !seqs.every(Number.isSafeInteger))
    throw new Response('Tick exactly two versions in the history to compare them', {
      status: 400,
      statusText: 'Bad Request',
    });
  const pair = await versionPair(studio, id, seqs as [number, number]);
  if (!pair)
    throw new Response(`No such versions of ${env.name}: ${seqs.join(' and ')}`, {
      status: 404,
      statusText: 'Not Found',
    });
  const { a, b } = pair;
  const [layoutA, layoutB] = await Promise.all([
    serverLayout(a.root, a.source.spec),
    serverLayout(b.root, b.source.spec),
  ]);
  const side = (v: typeof a) => ({ seq: v.seq, root: v.root, message: v.note, spec: v.source.spec });
  return {
    id,
    name: env.name,
    a: side(a),
    b: side(b),
    layoutA,
    layoutB,
    ...diffSpecs(a.source, b.source),
  };
}

export function meta({ data }: { data?: { name?: string } }) {
  return [{ title: `Changes · ${data?.name ?? 'versions'} · Palestra Studio` }];
}

export default function VersionDiff() {
  const d = useLoaderData<typeof loader>();
  const ref = encodeURIComponent(d.id);
  const title = (v: typeof d.a) => `#${v.seq}${v.message ? ` “${v.message}”` : ''}`;
  return (
    <article aria-labelledby="diff-title">
      <p>
        <Link to={`/env/${ref}/versions`}>← Versions of {d.name}</Link>
      </p>
      <h1 id="diff-title">
        Changes from version {d.a.seq} to version {d.b.seq}
      </h1>
      <p className="muted">
        Before: {title(d.a)} (<code title={d.a.root}>{d.a.root.slice(0, 12)}…</code>) · after: {title(d.b)} (
        <code title={d.b.root}>{d.b.root.slice(0, 12)}…</code>)
      </p>
      <section aria-labelledby="diff-words-title">
        <h2 id="diff-words-title">
          In words: {d.changes.length} change{d.changes.length === 1 ? '' : 's'}
        </h2>
        <DiffWords changes={d.changes} />
      </section>
      <section aria-labelledby="diff-canvas-title">
        <h2 id="diff-canvas-title">On the canvas</h2>
        <DiffLegend />
        <div className="diff-canvases">
          <DiffCanvas
            side="before"
            title={`Before: ${title(d.a)}`}
            spec={d.a.spec}
            layout={d.layoutA}
            marks={d.marks.before}
          />
          <DiffCanvas
            side="after"
            title={`After: ${title(d.b)}`}
            spec={d.b.spec}
            layout={d.layoutB}
            marks={d.marks.after}
          />
        </div>
      </section>
    </article>
  );
}

export function ErrorBoundary() {
  return <EnvErrorPage id="diff-error-title" failed="These versions cannot be compared" />;
}
