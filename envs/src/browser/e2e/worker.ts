// The Web Worker of the browser end-to-end test: runs one environment for the page's WorkerEnv.
import { serveEnvWorker } from '@palestra/envs/browser';

serveEnvWorker();
