import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

/**
 * The error page of the replay and diff pages: an unknown run or episode is "not found" with the
 * loader's message, anything else says the page could not be shown; both lead back to the runs.
 */
export function RunErrorPage({ id, failed }: { id: string; failed: string }) {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <section className="error-page" aria-labelledby={id}>
      <h1 id={id}>{notFound ? 'Episode not found' : failed}</h1>
      <p>{notFound ? String(error.data) : error instanceof Error ? error.message : 'Unexpected error.'}</p>
      <p>
        <Link to="/runs">See every run</Link>
      </p>
    </section>
  );
}
