import { reactRouter } from '@react-router/dev/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [reactRouter()],
  environments: {
    ssr: {
      build: {
        rollupOptions: {
          // Palestra's packages stay imports of the server bundle, not copies in it: they are
          // TypeScript run through tsx's loader at run time (Vite's `ssr.external` refuses .ts
          // entry points), and the catalog finds its folder from its own `import.meta.url`.
          external: [/^@palestra\//],
        },
      },
    },
  },
});
