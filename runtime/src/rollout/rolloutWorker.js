// Entry of a rollout worker thread: TypeScript through tsx's loader, then the worker's loop.
import { register } from 'tsx/esm/api';

register();
await import('./rolloutWorkerHost.ts');
