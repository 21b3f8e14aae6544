import { loadCatalog } from './envs/catalog/index.ts';
import { makeIsolatedEnv, IsolatedVectorEnv, Prng } from './envs/src/index.ts';
const env = await makeIsolatedEnv(loadCatalog('frozen-lake-js'));
console.log(env.reset({ seed: 1 }).info);
const DIRS = ['left', 'down', 'right', 'up'];
const acts = Array.from({ length: 4096 }, (_, i) => ({ tool: 'move', arguments: { direction: DIRS[new Prng(i).int(4)]! } }));
let t0 = performance.now(); let n = 0; let seed = 1;
while (performance.now() - t0 < 2000) { const s = env.step(acts[n++ & 4095]!); if (s.terminated || s.truncated) env.reset({ seed: ++seed }); }
console.log('isolated single steps/s', n / 2);
env.close();
const v = await IsolatedVectorEnv.start(loadCatalog('frozen-lake-js'), 64);
v.reset({ seed: 0 });
t0 = performance.now(); n = 0;
const batch = acts.slice(0, 64);
while (performance.now() - t0 < 2000) { v.step(batch); n += 64; }
console.log('isolated vector env-steps/s', n / 2);
v.close();
process.exit(0);
