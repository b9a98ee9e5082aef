import { defineConfig } from 'drizzle-kit';

// `npm run db:generate` writes the catalog's SQL migrations from its drizzle schema (offline; no database needed).
export default defineConfig({
  dialect: 'postgresql',
  schema: './services/catalog/src/schema.ts',
  out: './migrations',
});
