// Entry of the studio's checker thread: TypeScript through tsx's loader, then one check.
import { register } from 'tsx/esm/api';

register();
await import('./checkWorkerHost.ts');
