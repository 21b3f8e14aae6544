/**
 * The studio's database: `openDatabase()` (PGlite by default, PostgreSQL by `DATABASE_URL`,
 * migrated on open) and `createRepository(db)`, what the pages read and write.
 */
export { StudioDbError, type StudioDbErrorCode, studioDbErrorCodes } from './errors.ts';
export {
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
  type StudioDatabase,
} from './openDatabase.ts';
export {
  type CreateEnvironmentInput,
  createRepository,
  type RegisterRunInput,
  type StudioRepository,
} from './repository.ts';
export * from './schema.ts';
