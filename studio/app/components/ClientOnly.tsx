import { type ReactNode, useEffect, useState } from 'react';

/**
 * Renders `children` only in the browser, after hydration; the server (and the first client
 * render) show `fallback`. For components that need the DOM, such as React Flow's canvas.
 *
 * @example
 * <ClientOnly fallback={<p>Loading…</p>}>{() => <StatechartCanvas spec={spec} />}</ClientOnly>
 */
export function ClientOnly({
  children,
  fallback = null,
}: {
  children: () => ReactNode;
  fallback?: ReactNode;
}) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return <>{mounted ? children() : fallback}</>;
}
