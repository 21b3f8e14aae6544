import { type ReactNode, useEffect, useState } from 'react';
import { isRouteErrorResponse, Link, Links, Meta, Outlet, Scripts, ScrollRestoration } from 'react-router';
import './app.css';

/**
 * The saved theme, applied before the first paint so a dark page never flashes light. Without a
 * saved choice the CSS follows `prefers-color-scheme`.
 */
const themeScript = `try{var t=localStorage.getItem('palestra-theme');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}`;

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        {/* No icon yet: say so, rather than have every page ask for /favicon.ico and get a 404. */}
        <link rel="icon" href="data:," />
        {/* biome-ignore lint/security/noDangerouslySetInnerHtml: a constant script, no user input */}
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <nav aria-label="Main">
            <Link to="/" className="brand">
              Palestra Studio
            </Link>
            <Link to="/">Environments</Link>
            <Link to="/runs">Runs</Link>
            <Link to="/workspaces">Workspaces</Link>
          </nav>
          <ThemeToggle />
        </header>
        <main id="main" tabIndex={-1}>
          {children}
        </main>
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

type Theme = 'light' | 'dark';

/**
 * Switches between light and dark and remembers the choice; until the user picks one the page
 * follows the system (`prefers-color-scheme`). The button says which theme it switches to.
 */
function ThemeToggle() {
  const [theme, setTheme] = useState<Theme | undefined>(undefined);
  useEffect(() => {
    const saved = document.documentElement.dataset.theme;
    setTheme(
      saved === 'light' || saved === 'dark'
        ? saved
        : matchMedia('(prefers-color-scheme: dark)').matches
          ? 'dark'
          : 'light',
    );
  }, []);
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      className="theme-toggle"
      aria-label={`Switch to the ${next} theme`}
      disabled={theme === undefined}
      onClick={() => {
        document.documentElement.dataset.theme = next;
        try {
          localStorage.setItem('palestra-theme', next);
        } catch {
          // storage refused (private mode): the choice lasts for this page only
        }
        setTheme(next);
      }}
    >
      {theme === undefined ? 'Theme' : theme === 'dark' ? 'Light theme' : 'Dark theme'}
    </button>
  );
}

export function meta() {
  return [{ title: 'Palestra Studio' }];
}

export default function App() {
  return <Outlet />;
}

/** Anything a route did not handle: a 404 for an unknown address, otherwise the error's message. */
export function ErrorBoundary({ error }: { error: unknown }) {
  const notFound = isRouteErrorResponse(error) && error.status === 404;
  const message = isRouteErrorResponse(error)
    ? `${error.status} ${error.statusText || ''}`.trim()
    : error instanceof Error
      ? error.message
      : 'Something went wrong.';
  return (
    <section className="error-page" aria-labelledby="error-title">
      <h1 id="error-title">{notFound ? 'Page not found' : 'Something went wrong'}</h1>
      <p>{notFound ? 'There is no page at this address.' : message}</p>
      <p>
        <Link to="/">Back to the environments</Link>
      </p>
    </section>
  );
}
