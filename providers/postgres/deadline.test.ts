// A PostgreSQL server that stops answering must not hold a reconcile (and the Database queue every
// tenant shares) or the operator's shutdown: every wait on it has a client-side deadline. Two
// servers on loopback play it: one that accepts TCP and never says a word, and one that logs the
// client in and then never answers a query (a server blackholed mid-session).
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { after, describe, it } from 'node:test';
import { RetryableError, parseSpec, type DatabaseSpec, type ManagedResource, type ProviderConnection } from '../../sdk/index.ts';
import { PostgresDatabaseConnector } from './database.ts';

const sockets = new Set<Socket>();
const servers: Server[] = [];
after(() => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
});

/** A loopback listener; `onFirstData` answers the client's first message, or nothing is ever said. */
async function listener(onFirstData?: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    if (onFirstData) socket.once('data', () => onFirstData(socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** AuthenticationOk then ReadyForQuery (protocol 3.0), then silence: logged in, never answered. */
const logInThenHang = (socket: Socket) => {
  socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]));
  socket.write(Buffer.from([0x5a, 0, 0, 0, 5, 0x49]));
};

const resource: ManagedResource<DatabaseSpec> = {
  kind: 'Database', namespace: 'team-a', name: 'orders', uid: 'u1', generation: 1,
  spec: parseSpec('Database', { providerConfigRef: { name: 'pg' } }), externalName: 'orders', ownershipMark: 'mooring/team-a/orders',
};

const connection = (port: number, settings: Record<string, string>): ProviderConnection => ({
  name: `pg-${port}`, type: 'postgres', region: '', settings, secretData: { host: '127.0.0.1', port: String(port), username: 'admin', password: 'pw' },
});

/** Runs observe; resolves to the error and how long it took. */
async function observeAgainst(connector: PostgresDatabaseConnector, port: number, settings: Record<string, string>): Promise<{ err: unknown; ms: number }> {
  const started = Date.now();
  const client = await connector.connect(connection(port, settings));
  const err = await client.observe(resource).then(() => undefined, (e: unknown) => e);
  return { err, ms: Date.now() - started };
}

const retryableUnavailable = (err: unknown) => err instanceof RetryableError && err.reason === 'ProviderUnavailable';

describe('deadlines of the postgres client', () => {
  it('a server that accepts and never answers: observe fails, retryable, after the connect timeout', async () => {
    const port = await listener();
    const connector = new PostgresDatabaseConnector();
    const { err, ms } = await observeAgainst(connector, port, { connectTimeoutMs: '500' });
    assert.ok(retryableUnavailable(err), String(err));
    assert.ok(ms >= 450 && ms < 3_000, `failed after ${ms} ms`);
    const closing = Date.now();
    await connector.close();
    assert.ok(Date.now() - closing < 1_000, 'the operator stops at once');
  });

  it('a server that logs in and then never answers a query: observe fails, retryable, after the query timeout', async () => {
    const port = await listener(logInThenHang);
    const connector = new PostgresDatabaseConnector();
    const { err, ms } = await observeAgainst(connector, port, { connectTimeoutMs: '500', statementTimeoutMs: '300', queryTimeoutMs: '700' });
    assert.ok(retryableUnavailable(err), String(err));
    assert.match((err as Error).message, /timeout/i);
    assert.ok(ms >= 650 && ms < 3_000, `failed after ${ms} ms`);
    const closing = Date.now();
    await connector.close();
    assert.ok(Date.now() - closing < 1_000, 'the operator stops at once');
  });

  it('without settings the defaults bound it too (connect: 5 s)', async () => {
    const port = await listener();
    const connector = new PostgresDatabaseConnector();
    const { err, ms } = await observeAgainst(connector, port, {});
    assert.ok(retryableUnavailable(err), String(err));
    assert.ok(ms >= 4_900 && ms < 8_000, `failed after ${ms} ms`);
    await connector.close();
  });
});
