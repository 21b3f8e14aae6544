import type { Config } from '@react-router/dev/config';

/**
 * React Router in framework mode with server rendering. `v8_viteEnvironmentApi` builds the client
 * and the server with Vite's `createBuilder().buildApp()`, the public API `server/build.ts` calls,
 * so the studio builds itself without the `react-router` CLI.
 */
export default {
  appDirectory: 'app',
  buildDirectory: 'build',
  ssr: true,
  future: { v8_viteEnvironmentApi: true },
} satisfies Config;
