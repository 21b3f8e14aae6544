/**
 * The working document of a studio environment, as the server's routes read and change it: through
 * the collaboration server's own socket (`/collab/<id>`), as a y-websocket client on loopback that
 * carries the requesting member's session.
 *
 * Why a client rather than the room in memory: the routes get no handle on the collaboration
 * server's rooms (`startStudio` passes the repository and the members, not the rooms), and going
 * through the socket means one path for every case: the room open or not (it loads the stored
 * updates), one studio or several on one PostgreSQL (the relay carries the change), the member's
 * role enforced by the server as for any browser, and "saved" meaning what it means for them. A
 * change made here is one update, which the room applies in one transaction and broadcasts: the
 * browsers on the page see it live.
 */
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { isSaved, watchSaved } from '../../app/collab/saved.ts';
import { VersionError } from './errors.ts';

/** Where the document is and who opens it. */
export interface WorkingDocumentAddress {
  /** The studio's address (`http://127.0.0.1:5199/`): a request's own origin. */
  studioUrl: string;
  /** The studio environment's id. */
  id: string;
  /** A member's credential for the socket (a signed session value, as `?token=` takes it). */
  token?: string;
}

/** How long opening the document, and then saving a change, may each take. */
export const WORKING_DOCUMENT_TIMEOUT_MS = 15_000;

/**
 * Opens the working document, calls `use` with it once it has synced with the studio, and, when
 * `use` changed it, waits for the studio's "saved" message covering the change before closing.
 * Rejects with `STUDIO_DOC_UNREACHABLE` when the socket is refused or closes first, or on time-out.
 *
 * @example
 * const spec = await withWorkingDocument({ studioUrl, id, token }, (doc) => toSpec(doc).spec);
 */
export async function withWorkingDocument<T>(
  at: WorkingDocumentAddress,
  use: (doc: Y.Doc) => T | Promise<T>,
  timeoutMs = WORKING_DOCUMENT_TIMEOUT_MS,
): Promise<T> {
  const doc = new Y.Doc();
  const base = new URL('collab', at.studioUrl.replace(/^http/, 'ws')).href;
  const provider = new WebsocketProvider(base, at.id, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    // One attempt: a refused socket is an answer, not a reason to retry for ever.
    maxBackoffTime: 100,
    params: at.token ? { token: at.token } : {},
  });
  let lastSaved: Uint8Array | undefined;
  let onSaved = () => {};
  const stopSaved = watchSaved(provider, (stateVector) => {
    lastSaved = stateVector;
    onSaved();
  });
  let fail: (e: VersionError) => void = () => {};
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  failed.catch(() => {});
  const unreachable = (why: string) =>
    fail(
      new VersionError('STUDIO_DOC_UNREACHABLE', `the working document of ${at.id} ${why}`, {
        details: { id: at.id },
        hint: 'reload the page and try again; if it persists, restart the studio',
      }),
    );
  provider.on('connection-close', (event) => {
    provider.shouldConnect = false;
    unreachable(`closed its socket (${event?.code ?? 'refused'}${event?.reason ? `: ${event.reason}` : ''})`);
  });
  provider.on('connection-error', () => {
    provider.shouldConnect = false;
    unreachable('refused the socket');
  });
  let timer: NodeJS.Timeout | undefined;
  const within = <R>(what: string, p: Promise<R>) =>
    Promise.race([
      p,
      failed,
      new Promise<never>((_, reject) => {
        clearTimeout(timer);
        timer = setTimeout(
          () =>
            reject(
              new VersionError(
                'STUDIO_DOC_UNREACHABLE',
                `the working document of ${at.id} did not ${what} in time`,
                {
                  details: { id: at.id, timeoutMs },
                  hint: 'the studio is busy or a socket is stuck: try again',
                },
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  try {
    await within(
      'sync',
      new Promise<void>((done) => {
        if (provider.synced) return done();
        provider.once('sync', (synced: boolean) => synced && done());
      }),
    );
    const before = Y.encodeStateVector(doc);
    const result = await use(doc);
    const after = Y.encodeStateVector(doc);
    if (!sameVector(before, after))
      await within(
        'save the change',
        new Promise<void>((done) => {
          onSaved = () => {
            if (lastSaved && isSaved(doc, lastSaved)) done();
          };
          onSaved();
        }),
      );
    return result;
  } finally {
    clearTimeout(timer);
    stopSaved();
    provider.shouldConnect = false;
    provider.destroy();
    doc.destroy();
  }
}

function sameVector(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
