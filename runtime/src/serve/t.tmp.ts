import { loadCatalog } from '@palestra/envs/catalog';
import WebSocket from 'ws';
import { startServer } from './server.ts';

const s = await startServer(loadCatalog('refund-desk'), { port: 0, maxSessions: 2, idleTimeoutS: 20 });
const t0 = performance.now();
const lap = (m: string) => console.log(m, Math.round(performance.now() - t0));
async function conn() {
  const ws = new WebSocket(s.url.replace('http', 'ws') + '/ws');
  await new Promise((r) => ws.once('open', r));
  lap('open');
  ws.send(JSON.stringify({ type: 'state' }));
  const m = await new Promise((r) => ws.once('message', (d) => r(JSON.parse(d.toString()))));
  lap('reply ' + (m as any).type);
  return ws;
}
const a = await conn();
const b = await conn();
const c = await conn();
a.close();
b.close();
c.close();
await s.close();
lap('closed');
