// A CREATE DATABASE still running on the server is not "gone": PostgreSQL finishes a statement
// whose client died, so a delete that ended on an observe made meanwhile would leave the database
// behind, unmarked (chaos seed 4242). Here a session runs a statement carrying the adapter's tag
// for a few seconds, as a slow CREATE DATABASE would, and the adapter's observe says so.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { creatingTag } from '../../providers/postgres/database.ts';
import { PostgresDatabaseConnector } from '../../providers/postgres/index.ts';
import type { DatabaseSpec, ManagedResource, ProviderConnection } from '../../sdk/index.ts';
import { DatabaseSpec as DatabaseSchema } from '../../src/api/database.ts';
import { useStack } from '../support/stack.ts';

const connector = new PostgresDatabaseConnector();
let other: pg.Client | undefined;
after(async () => {
  await connector.close();
  await other?.end().catch(() => undefined);
});
const stack = useStack(['postgres']);
let connection: ProviderConnection;

const resource = (name: string): ManagedResource<DatabaseSpec> => ({
  kind: 'Database', namespace: 'ns', name, uid: `uid-${name}`, generation: 1, externalName: name,
  ownershipMark: `mooring/ns/${name}`, connectionSecret: { password: 'pw-0123456789abcdef' },
  spec: DatabaseSchema.parse({ providerConfigRef: { name: 'pg' }, postgres: {} }),
});

before(async () => {
  const server = (await stack.ready()).postgres!;
  connection = { name: 'inflight-pg', type: 'postgres', region: 'local', settings: {}, secretData: { url: server.url } };
  other = new pg.Client({ connectionString: server.url });
  await other.connect();
});

describe('the PostgreSQL adapter while a CREATE DATABASE of its name runs', () => {
  it('reports it pending (Provisioning), not absent, and absent once the statement ended', async () => {
    const client = await connector.connect(connection);
    const r = resource('inflight_db');
    // As a slow CREATE DATABASE of ours would look in pg_stat_activity: the tag, then the work.
    const running = other!.query(`${creatingTag(r.externalName)} SELECT pg_sleep(3)`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = await client.observe(r);
    assert.equal(during.exists, false);
    assert.equal(during.pending?.reason, 'Provisioning', JSON.stringify(during));
    assert.match(during.pending?.message ?? '', /CREATE DATABASE of inflight_db is still running/);
    await running;
    const afterwards = await client.observe(r);
    assert.deepEqual([afterwards.exists, afterwards.pending], [false, undefined]);
    await client.disconnect();
  });

  it('a statement for another name does not hold this one', async () => {
    const client = await connector.connect(connection);
    const running = other!.query(`${creatingTag('some_other_db')} SELECT pg_sleep(1)`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await client.observe(resource('inflight_db'))).pending, undefined);
    await running;
    await client.disconnect();
  });
});
