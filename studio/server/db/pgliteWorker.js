// The studio's PGlite in a thread of its own (see pgliteThread.ts, which starts it and speaks for
// it). Plain JavaScript: nothing here needs a loader. One message, one answer with its id:
//   { op: 'open', dir } · { op: 'query', sql, params, rowMode, rawOids, tx? } · { op: 'exec', sql, tx? }
//   { op: 'begin' } → a transaction id · { op: 'end', tx, commit } · { op: 'close' }
import { parentPort } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';

/** @type {PGlite | undefined} */
let db;
/** Open transactions: the transaction's client, and how to end it. */
const open = new Map();
let lastTx = 0;

const keepText = (value) => value;

/** The query options PGlite takes: the types whose text is kept as it is (what drizzle asks for). */
function queryOptions(m) {
  if (m.rowMode === undefined && m.rawOids === undefined) return undefined;
  return {
    ...(m.rowMode !== undefined && { rowMode: m.rowMode }),
    ...(m.rawOids !== undefined && { parsers: Object.fromEntries(m.rawOids.map((oid) => [oid, keepText])) }),
  };
}

/** An error as data (its message and every field that can cross threads: PostgreSQL's code…). */
function errorData(error) {
  const data = { name: error?.name ?? 'Error', message: error?.message ?? String(error) };
  for (const key of Object.keys(error ?? {})) {
    try {
      data[key] = structuredClone(error[key]);
    } catch {
      // A field that cannot be cloned (a function, a handle) stays behind.
    }
  }
  return data;
}

function clientOf(m) {
  if (m.tx === undefined) return db;
  const t = open.get(m.tx);
  if (!t) throw new Error(`no open transaction ${m.tx}`);
  return t.tx;
}

/** Starts a transaction and holds it open until its `end` message. */
function begin() {
  const id = ++lastTx;
  return new Promise((started, failed) => {
    const t = { tx: undefined, commit: undefined, abort: undefined, done: undefined };
    t.done = db.transaction(
      (tx) =>
        new Promise((commit, abort) => {
          Object.assign(t, { tx, commit, abort });
          open.set(id, t);
          started(id);
        }),
    );
    // A transaction that failed to start (or whose end fails) is reported by `begin` or `end`.
    t.done.catch((error) => failed(error));
  });
}

async function end(m) {
  const t = open.get(m.tx);
  if (!t) throw new Error(`no open transaction ${m.tx}`);
  open.delete(m.tx);
  if (m.commit) {
    t.commit();
    await t.done;
  } else {
    t.abort(new Error('rolled back'));
    await t.done.catch(() => {});
  }
}

parentPort.on('message', async (m) => {
  try {
    let result = null;
    if (m.op === 'open') db = await PGlite.create(m.dir);
    else if (m.op === 'query') result = await clientOf(m).query(m.sql, m.params, queryOptions(m));
    else if (m.op === 'exec') result = await clientOf(m).exec(m.sql);
    else if (m.op === 'begin') result = await begin();
    else if (m.op === 'end') await end(m);
    else if (m.op === 'close') await db?.close();
    else throw new Error(`unknown operation ${m.op}`);
    parentPort.postMessage({ id: m.id, ok: true, result });
  } catch (error) {
    parentPort.postMessage({ id: m.id, ok: false, error: errorData(error) });
  }
});
