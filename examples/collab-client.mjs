// Edits a studio document as a script: `node examples/collab-client.mjs <studio-url> <environment-id> <token> [text]`.
// The token is an invite's (from `palestra studio invite`) or a signed session; it goes as `?token=`.
// With a text: sets `notes.script` to it, waits for the studio's "saved" (message 100, inlined from
// studio/app/collab/saved.ts so that plain node runs this), prints the saved value and exits.
// Without: prints the stored value once synced (`read: …`), e.g. after a kill -9 and a restart.
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

const [url, id, token, text] = process.argv.slice(2);
const doc = new Y.Doc();
const provider = new WebsocketProvider(`${url.replace(/^http/, 'ws').replace(/\/$/, '')}/collab`, id, doc, {
  WebSocketPolyfill: WebSocket,
  disableBc: true,
  params: { token },
});
const covered = (sv) =>
  [...Y.decodeStateVector(Y.encodeStateVector(doc))].every(([c, n]) => (sv.get(c) ?? 0) >= n);
provider.messageHandlers[100] = (_e, d) => {
  if (!covered(Y.decodeStateVector(decoding.readVarUint8Array(d)))) return;
  console.log(`saved: ${doc.getMap('notes').get('script')}`);
  process.exit(0);
};
provider.on('connection-close', (e) => {
  console.error(`refused: ${e?.code ?? 'closed'}`);
  process.exit(1);
});
provider.once('sync', () => {
  if (text === undefined) {
    console.log(`read: ${doc.getMap('notes').get('script')}`);
    process.exit(0);
  }
  doc.getMap('notes').set('script', text);
  provider.ws.send(Uint8Array.of(100));
});
