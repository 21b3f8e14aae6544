// Entry of the studio's layout thread: TypeScript through tsx's loader, then the layout loop.
import { register } from 'tsx/esm/api';

register();
await import('./layoutWorkerHost.ts');
