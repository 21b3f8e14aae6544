import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SandboxError } from '../errors.ts';
import { loadQuickJS, setQuickJSWasm } from './engine.ts';

// Its own file (so its own process): it decides where this thread loads QuickJS from.
test('setQuickJSWasm: a URL that fails is a typed error and can be replaced; once loaded, it is fixed', async () => {
  const server = createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    setQuickJSWasm(`http://127.0.0.1:${port}/quickjs.wasm`);
    await assert.rejects(
      loadQuickJS(),
      (e: unknown) => e instanceof SandboxError && e.code === 'NO_QUICKJS_WASM' && /HTTP 404/.test(e.message),
    );
  } finally {
    server.closeAllConnections();
    server.close();
  }
  // The bytes, as a page that embedded them would pass them.
  setQuickJSWasm(
    readFileSync(fileURLToPath(import.meta.resolve('@jitl/quickjs-wasmfile-release-sync/wasm'))),
  );
  const qjs = await loadQuickJS();
  const vm = qjs.newContext();
  assert.equal(vm.dump(vm.unwrapResult(vm.evalCode('new Date(2000, 0, 1).getTimezoneOffset()'))), 0);
  vm.dispose();
  assert.throws(
    () => setQuickJSWasm(new URL('http://127.0.0.1/other.wasm')),
    (e: unknown) => e instanceof SandboxError && e.code === 'WASM_ALREADY_LOADED',
  );
});
