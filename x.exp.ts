import { newQuickJSWASMModule, RELEASE_SYNC } from 'quickjs-emscripten';
const Q = await newQuickJSWASMModule(RELEASE_SYNC);
for (const code of ['new Array(4e9).includes(1)', 'new Array(1e8).fill(1)', '[].concat(new Array(4e9)).length']) {
  const rt = Q.newRuntime(); rt.setMemoryLimit(16<<20); const vm = rt.newContext();
  const dl = performance.now() + 100; rt.setInterruptHandler(() => performance.now() > dl);
  let t0 = performance.now();
  const r = vm.evalCode(code);
  const t1 = performance.now();
  const d = r.error ? vm.dump(r.error) : vm.dump(r.value);
  console.log(code.slice(0,60), 'eval', Math.round(t1-t0), JSON.stringify(d).slice(0,60));
}
