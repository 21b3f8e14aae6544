// Entry of an isolated environment's worker thread: TypeScript through tsx's loader, then the host loop.
import { register } from 'tsx/esm/api';

register();
await import('./workerHost.ts');
