/**
 * `@palestra/envs`: everything, for Node programs. `@palestra/envs/core` is the browser-safe part,
 * `@palestra/envs/node` what needs Node; `@palestra/envs/browser` runs an environment with code in
 * a Web Worker.
 */
export * from './core.ts';
export * from './node.ts';
