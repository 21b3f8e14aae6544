import { newQuickJSWASMModule, RELEASE_SYNC } from 'quickjs-emscripten';
const Q = await newQuickJSWASMModule(RELEASE_SYNC);
for (const lim of [1, 2, 16, 16, 64]) {
  const rt = Q.newRuntime(); rt.setMemoryLimit(lim<<20); const vm = rt.newContext();
  let t0 = performance.now();
  const r = vm.evalCode('const a=[]; for(;;) a.push(new ArrayBuffer(1e5));');
  console.log(lim, 'eval', Math.round(performance.now()-t0));
  r.error?.dispose(); vm.dispose(); rt.dispose();
}
