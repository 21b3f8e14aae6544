// drizzle-kit's configuration: `npx drizzle-kit generate` (in studio/) writes a migration under
// drizzle/ from the difference between server/db/schema.ts and the last snapshot.
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './server/db/schema.ts',
  out: './drizzle',
});
