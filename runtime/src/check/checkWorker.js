// Entry of a checker thread: TypeScript through tsx's loader, then one check.
import { register } from 'tsx/esm/api';

register();
await import('./checkWorkerHost.ts');
