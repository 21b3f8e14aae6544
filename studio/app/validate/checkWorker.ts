// The live check's Web Worker: the core's checker on each version of the document the page sends
// (see serveCheckWorker.ts), so environment code never runs on the page's thread. Bundled on its
// own by `buildCheckWorker` (studio/server/buildWorker.ts), not by Vite.
import { serveCheckWorker } from './serveCheckWorker.ts';

serveCheckWorker();
