// The postgres provider's public surface: the Database connector for an existing PostgreSQL
// server, and what callers may need to read its errors and defaults.
export { PostgresDatabaseConnector } from './database.ts';
export { PgReason, classifyPgError } from './classify.ts';
export { PG_CLIENT_DEFAULTS } from './admin.ts';
export { probePostgres } from './probe.ts';
export { listDatabases, type FoundDatabase } from './inventory.ts';
