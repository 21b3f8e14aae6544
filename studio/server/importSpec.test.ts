// The import and the Environments page's data against a real PGlite database and content store,
// without the web app: refusals write nothing, and runs are matched to the environment they ran.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleId } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { requestAccess } from './auth/access.ts';
import type { StudioContext } from './context.ts';
import { createRepository, type OpenedDatabase, openDatabase } from './db/index.ts';
import { homeData } from './home.ts';
import { importSpecText, MAX_IMPORT_BYTES } from './importSpec.ts';

let tmp: string;
let opened: OpenedDatabase;
let context: StudioContext;

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'palestra-import-'));
  opened = await openDatabase({ dir: join(tmp, 'db') });
  context = { repo: createRepository(opened.db), storeDir: join(tmp, 'store'), runsDir: join(tmp, 'runs') };
});

after(async () => {
  await opened?.close();
  rmSync(tmp, { recursive: true, force: true });
});

const catalogSpec = (name: string) =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`../../envs/catalog/${name}/spec.json`, import.meta.url)), 'utf8'),
  ) as Record<string, unknown>;
const written = async () => ({
  environments: (await context.repo.listEnvironments()).length,
  store: (() => {
    try {
      return readdirSync(context.storeDir).length;
    } catch {
      return 0;
    }
  })(),
});

test('refusals say why and write nothing: empty, over 10 MB, modules without their files', async () => {
  const before = await written();
  const empty = await importSpecText('  \n', context);
  assert.equal(empty.ok || empty.problem.message, 'the file is empty');
  const big = await importSpecText(' '.repeat(MAX_IMPORT_BYTES + 1), context);
  assert.equal(big.ok || big.problem.status, 413);
  // refund-desk's spec names code modules; a lone spec file does not carry them.
  const modules = await importSpecText(JSON.stringify(catalogSpec('refund-desk')), context);
  assert.equal(modules.ok, false);
  if (!modules.ok) {
    assert.equal(modules.problem.status, 400);
    assert.ok(modules.problem.issues && modules.problem.issues.length > 0);
    for (const issue of modules.problem.issues ?? []) assert.match(issue.path, /^\$/);
  }
  assert.deepEqual(await written(), before);
});

test("an imported spec's root is the bundle root of the same environment; its runs are listed with it", async () => {
  const out = await importSpecText(JSON.stringify(catalogSpec('frozen-lake')), context, 'spec.json');
  assert.ok(out.ok);
  if (!out.ok) return;
  const catalogRoot = (await bundleId(loadCatalog('frozen-lake'))).toLowerCase();
  assert.equal(out.environment.headRoot, catalogRoot, 'the same spec gives the same content root');
  await context.repo.registerRun({
    folder: 'runs/mine',
    kind: 'rollout',
    envRoot: catalogRoot,
    environmentId: out.environment.id,
  });
  await context.repo.registerRun({ folder: 'runs/cli', kind: 'run', envRoot: catalogRoot });
  await context.repo.registerRun({ folder: 'runs/gone', kind: 'eval', envRoot: `0x${'cd'.repeat(32)}` });
  // No members in this context: everything is visible, as to the one local user.
  const home = await homeData(
    context,
    await requestAccess(context, undefined, new Request('http://studio/')),
  );
  const mine = home.environments.find((e) => e.id === out.environment.id);
  assert.deepEqual(mine?.runs.map((r) => r.folder).sort(), ['runs/cli', 'runs/mine']);
  const lake = home.catalog.find((e) => e.name === 'frozen-lake');
  assert.equal(lake?.root, catalogRoot);
  assert.deepEqual(lake?.runs.map((r) => r.folder).sort(), ['runs/cli', 'runs/mine']);
  assert.deepEqual(
    home.otherRuns.map((r) => r.folder),
    ['runs/gone'],
  );
});
