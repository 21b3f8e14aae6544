// The simulator's Web Worker: runs one environment with code modules for the page's `WorkerEnv`
// (its statechart, expressions and QuickJS sandbox), so hostile module code never blocks the page.
// Bundled on its own by `buildEnvWorker` (studio/server/buildWorker.ts), not by Vite.
import { serveEnvWorker } from '@palestra/envs/browser';

serveEnvWorker();
