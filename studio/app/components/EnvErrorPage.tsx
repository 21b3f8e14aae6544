import { isRouteErrorResponse, Link, useRouteError } from 'react-router';

/**
 * The error page of a route about one environment: an unknown name is "not found" with the
 * loader's message, anything else says the page could not be shown; both lead back to the list.
 *
 * @example
 * export function ErrorBoundary() { return <EnvErrorPage id="sim-error-title" failed="This environment cannot be played" />; }
 */
export function EnvErrorPage({ id, failed }: { id: string; failed: string }) {
  const error = useRouteError();
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  return (
    <section className="error-page" aria-labelledby={id}>
      <h1 id={id}>{notFound ? 'Environment not found' : failed}</h1>
      <p>
        {notFound
          ? String(error.data)
          : error instanceof Error
            ? error.message
            : 'The environment failed to load.'}
      </p>
      <p>
        <Link to="/">Back to the environments</Link>
      </p>
    </section>
  );
}
