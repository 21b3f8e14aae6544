// Re-records the golden episodes of every catalog environment (or those named).
// Only run it when a change is meant to change episodes, and say so in the commit.
// Usage: npm run goldens [-- frozen-lake ...]
import { join } from 'node:path';
import { CATALOG_DIR, catalogNames, loadCatalog } from '../envs/catalog/index.ts';
import { writeGoldens } from '../envs/src/episode/golden.ts';

const names = process.argv.length > 2 ? process.argv.slice(2) : catalogNames();
for (const name of names) {
  const paths = await writeGoldens(loadCatalog(name), join(CATALOG_DIR, name));
  console.log(`${name}: ${paths.length} golden episodes`);
}
