/**
 * What the running studio hands every route loader and action (React Router's load context, set
 * by `startStudio`'s express handler): the database's repository and the folders it works in.
 */
import type { StudioRepository } from './db/index.ts';

export interface StudioContext {
  /** The studio's database (environments, versions, runs). */
  repo: StudioRepository;
  /** The content store's folder, where imported environments' bundles go. */
  storeDir: string;
  /** The run folders' parent (`.palestra/runs`). */
  runsDir: string;
  /**
   * Where this process reaches its own server (`http://127.0.0.1:5199/`), set once it listens:
   * what server code that opens its own collaboration socket connects to, rather than the address
   * a request came in by, which a proxy in front of the studio may have rewritten.
   */
  selfUrl?: string;
  /** The address invite links name (`Studio.shareUrl`), set once it listens. */
  shareUrl?: string;
}

declare module 'react-router' {
  interface AppLoadContext {
    studio: StudioContext;
  }
}

/** The studio's own address: `selfUrl`, else (a server not started by `startStudio`) the request's origin. */
export function selfUrl(studio: StudioContext, request: Request): string {
  return studio.selfUrl ?? new URL('/', request.url).href;
}

/**
 * The studio's context out of a loader's or action's `context`; a clear error when the app is
 * served by something other than `startStudio` (a dev server without it).
 */
export function studioContext(context: unknown): StudioContext {
  const studio = (context as { studio?: StudioContext } | undefined)?.studio;
  if (!studio) throw new Error('the studio context is missing: serve the app with startStudio');
  return studio;
}
