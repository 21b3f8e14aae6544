import { loadCatalog } from './envs/catalog/index.ts';
import { makeEnv, Prng } from './envs/src/index.ts';
const env = await makeEnv(loadCatalog(process.argv[2] ?? 'frozen-lake'));
const DIRS = ['left', 'down', 'right', 'up'];
const acts = Array.from({ length: 4096 }, (_, i) => ({ tool: 'move', arguments: { direction: DIRS[new Prng(i).int(4)]! } }));
let seed = 0; env.reset({ seed });
const secs = Number(process.argv[3] ?? 3);
const t0 = performance.now(); let n = 0;
while (performance.now() - t0 < secs * 1000) { for (let k = 0; k < 100; k++) { const s = env.step(acts[n++ & 4095]!); if (s.terminated || s.truncated) env.reset({ seed: ++seed }); } }
console.log('steps/s', n / secs);
