/**
 * `@palestra/envs/node`: what needs Node. Files (spec files, episode files, score lines, golden
 * episodes), the isolated worker-thread host, the catalog loader, bundles and their 0G Merkle
 * roots, and `palestra check` (which spawns a second process). Builds on `@palestra/envs/core`.
 */
import { useSha256 } from './episode/hash.ts';
import { nodeSha256Hex } from './episode/nodeSha256.ts';

// Hashes on Node go through node:crypto's native SHA-256 (the same bytes as the core's default).
useSha256(nodeSha256Hex);

export {
  CATALOG_DIR,
  catalogNames,
  loadCatalog,
  loadEnvDir,
} from '../catalog/index.ts';
export {
  BUNDLE_FORMAT,
  BUNDLE_LIMITS,
  bundleBytes,
  bundleId,
  merkleRoot,
  sourceOfBundle,
} from './bundle/bundle.ts';
export {
  type CheckFinding,
  type CheckOptions,
  type CheckReport,
  checkEnv,
  formatCheckReport,
} from './check/check.ts';
export { type AppendScoreResult, appendScore } from './episode/appendScore.ts';
export { GOLDEN_SEEDS, goldenFiles, writeGoldens } from './episode/golden.ts';
export { readEpisode } from './episode/reader.ts';
export { replay } from './episode/replay.ts';
export { EpisodeWriter } from './episode/writer.ts';
export { type OpenEnvOptions, openEnv } from './kernel/open.ts';
export { IsolatedEnv, IsolatedVectorEnv, makeIsolatedEnv } from './sandbox/isolated.ts';
export { parseSpecBytes, readModuleFile, readSpecFile } from './spec/specFile.ts';
export { ContentStore, checkRoot, defaultStoreDir, isRoot } from './store/contentStore.ts';
export {
  BadRootError,
  EnvChangedError,
  EpisodeEnvNotFoundError,
  NotInStoreError,
  StoreCorruptError,
  StoreError,
  shortRoot,
} from './store/errors.ts';
export {
  type EnvOrigin,
  type EpisodeEnv,
  type ResolvedEnv,
  type ResolveEnvOptions,
  type ResolveEpisodeEnvOptions,
  resolveEnv,
  resolveEpisodeEnv,
} from './store/resolveEnv.ts';
