import { fileURLToPath } from 'node:url';
import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

/** The studio's server modules (`studio/server/`), which route loaders and actions import. */
const SERVER_DIR = fileURLToPath(new URL('./server/', import.meta.url));

export default defineConfig({
  plugins: [reactRouter()],
  environments: {
    ssr: {
      build: {
        rollupOptions: {
          // Palestra's packages and the studio's own server modules stay imports of the server
          // bundle, not copies in it: they are TypeScript run through tsx's loader at run time
          // (Vite's `ssr.external` refuses .ts entry points); the catalog finds its folder from its
          // own `import.meta.url`, the checker starts its thread from a file beside it, and
          // `startStudio` and the routes then share one instance of each server module.
          external: (id, _parent, isResolved) =>
            /^@palestra\//.test(id) || (isResolved && id.startsWith(SERVER_DIR)),
          // Imported from build/server/index.js, as a path relative to it (no machine path).
          output: {
            paths: (id) => (id.startsWith(SERVER_DIR) ? `../../server/${id.slice(SERVER_DIR.length)}` : id),
          },
        },
      },
    },
  },
});
