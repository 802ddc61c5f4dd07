// What `mooring import` reads of a PostgreSQL server: its databases and their owners. Read only,
// on one admin session pinned like the adapter's (search_path), closed at once.
import pg from 'pg';
import type { ProviderConnection } from '../../sdk/index.ts';
import { adminConnection, pinSession } from './admin.ts';
import { classifyPgError } from './classify.ts';

export interface FoundDatabase {
  database: string;
  owner: string;
}

/** Every database that accepts connections and is no template, with its owner role, sorted. */
export async function listDatabases(connection: ProviderConnection): Promise<FoundDatabase[]> {
  const admin = adminConnection(connection);
  const client = new pg.Client(admin.config);
  try {
    await client.connect();
    await pinSession(client);
    const { rows } = await client.query<FoundDatabase>(
      `SELECT d.datname AS database, pg_catalog.pg_get_userbyid(d.datdba) AS owner FROM pg_catalog.pg_database d
        WHERE NOT d.datistemplate AND d.datallowconn ORDER BY d.datname`,
    );
    return rows;
  } catch (err) {
    throw classifyPgError(err, 'list the databases');
  } finally {
    await client.end().catch(() => undefined);
  }
}
