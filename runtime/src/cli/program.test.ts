import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const main = new URL('./main.ts', import.meta.url).pathname;

// The CLI as bin/palestra.js starts it (tsx's loader, then main.ts), with one more loader hook that
// runs before tsx's and appends the URL of every module it loads to a file, synchronously: the
// line is written before the module runs, whatever way the process ends. A data: URL cannot
// resolve a package name, so tsx's entry is passed as the file URL it resolves to.
const recorder = `data:text/javascript,${encodeURIComponent(
  `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }`,
)}`;
const setup = (file: string) =>
  `data:text/javascript,${encodeURIComponent(
    `import { register } from 'node:module';
import { register as tsx } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
tsx();
register(${JSON.stringify(recorder)}, { data: { file: ${JSON.stringify(file)} } });`,
  )}`;
const dir = mkdtempSync(join(tmpdir(), 'palestra-program-'));
let runs = 0;

/** Runs node with the recorder: its output and the modules it loaded. */
function node(args: string[]) {
  const file = join(dir, `loaded-${runs++}.txt`);
  const r = spawnSync(process.execPath, ['--import', setup(file), ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
  });
  const loaded = existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
  // Without the recorder every "nothing heavy was loaded" below would pass unrun.
  assert.ok(
    loaded.some((u) => u.endsWith('/cli/program.ts')),
    `the module recorder saw no program.ts: ${r.stderr.slice(0, 500)}`,
  );
  return { code: r.status, out: r.stdout, err: r.stderr, loaded };
}

/** Runs `palestra ...args` as bin/palestra.js does (main.ts under tsx). */
const palestra = (...args: string[]) => node([main, ...args]);

/** What a command's implementation pulls in: none of it belongs in `--help`. */
const HEAVY = [
  /Actions?\.ts$/, // every command's implementation
  /\/runtime\/src\/(rollout\/rollout|train\/train|score\/scoreFiles|serve\/server|mcp\/stdio|eval\/evaluate)\.ts$/,
  // The jobs (a command's action calls its job); not the environment resolution and option checks
  // every command shares.
  /\/runtime\/src\/jobs\/(?!(env|checks|job)\.ts$)/,
  /\/(overseer|contracts)\/src\//, // @palestra/overseer (ONNX, judges), @palestra/contracts (viem)
  /\/node_modules\/(viem|onnxruntime-node|openai|@anthropic-ai|@modelcontextprotocol)\//,
];
const heavy = (loaded: string[]) => loaded.filter((u) => HEAVY.some((h) => h.test(u)));

// Every command's and subcommand's help, rendered in one process from the program as main.ts
// builds it (help is rendered from what registration declared; nothing is imported for it).
const everyHelp = `import { createProgram } from ${JSON.stringify(new URL('./program.ts', import.meta.url).href)};
const walk = (c, path) => c.commands.flatMap((s) => [[[...path, s.name()], s.helpInformation()], ...walk(s, [...path, s.name()])]);
process.stdout.write(JSON.stringify(walk(createProgram(), [])));`;

test('palestra --help and every palestra <command> --help load no command implementation', () => {
  const top = palestra('--help');
  assert.equal(top.code, 0, top.err);
  assert.match(top.out, /^Usage: palestra \[options\] \[command\]/);
  assert.deepEqual(heavy(top.loaded), []);
  const sub = palestra('rollout', '--help');
  assert.equal(sub.code, 0, sub.err);
  assert.match(sub.out, /^Usage: palestra rollout \[options\] <env>/);
  assert.deepEqual(heavy(sub.loaded), []);

  const all = node(['--input-type=module', '-e', everyHelp]);
  assert.equal(all.code, 0, all.err.slice(-1000));
  const helps = JSON.parse(all.out) as [string[], string][];
  assert.ok(helps.length >= 18, `every command is registered: ${helps.map(([p]) => p.join(' ')).join(', ')}`);
  for (const [path, help] of helps)
    assert.match(help, new RegExp(`^Usage: palestra ${path.join(' ')}\\b`), path.join(' '));
  assert.deepEqual(heavy(all.loaded), []);
});

test('a command loads its implementation when it runs, and only what it uses', () => {
  // A catalog name that does not exist: check loads its implementation, then refuses the name.
  const r = palestra('check', 'no-such-env');
  assert.equal(r.code, 1, r.err);
  assert.ok(
    r.loaded.some((u) => u.endsWith('/cli/checkAction.ts')),
    'check imported its action (so the recorder does see a lazy import)',
  );
  assert.deepEqual(
    heavy(r.loaded).filter((u) => !u.endsWith('/cli/checkAction.ts')),
    [],
    'check loads no other command, no overseer, no contracts, no SDK',
  );
});

test('score --help names the verdict cache scoring uses (its light copy of the default)', async () => {
  const light = await import('../score/verdictCache.ts');
  const engine = await import('../score/scoreFiles.ts');
  assert.equal(light.DEFAULT_VERDICT_CACHE, engine.DEFAULT_VERDICT_CACHE);
});
