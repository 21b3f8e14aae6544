// Test support for the runtime's tests: agents with scripted timing and failures, environments
// that fail on purpose, and a CLI of the rollout-family commands for tests to spawn as a user runs
// them. These files test runtime internals the package does not export, so they import runtime's
// sources by relative path (a workspace sibling), never through `@palestra/runtime`.
export * from './testAgents.ts';
export * from './testEnvs.ts';

/**
 * The path of a script that runs `palestra`'s rollout, html, eval, branch and learnability commands
 * on a bare commander program; spawn it with `node --import tsx`.
 *
 * @example
 * spawnSync(process.execPath, ['--import', 'tsx', TEST_CLI, 'rollout', 'frozen-lake', ...]);
 */
export const TEST_CLI = new URL('./testCli.ts', import.meta.url).pathname;
