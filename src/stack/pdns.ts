// A throwaway PowerDNS Authoritative Server: the sqlite3 backend on a fresh database made from the
// schema Debian ships (Node's own node:sqlite loads it; no sqlite3 CLI), DNS and the HTTP API on
// loopback, its own config and socket folders in the stack's folder. Its caches are off, so a
// query right after an API change sees the change (tests resolve what they just wrote).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { freePort } from './ports.ts';
import { Server } from './process.ts';

export interface PowerDns {
  server: Server;
  /** The HTTP API's base, e.g. http://127.0.0.1:8081 (the API lives under /api/v1). */
  apiUrl: string;
  /** Sent as the X-API-Key header; generated per start. */
  apiKey: string;
  /** DNS over UDP and TCP on 127.0.0.1. */
  dnsPort: number;
}

/** Creates the sqlite3 database the gsqlite3 backend reads, from the packaged schema. */
export function createPdnsDatabase(file: string, schemaFile: string): void {
  const db = new DatabaseSync(file);
  try {
    db.exec(readFileSync(schemaFile, 'utf8'));
  } finally {
    db.close();
  }
}

/** pdns.conf for the stack: everything on loopback, no outside lookups, no caching. */
export function pdnsConfig(options: { dir: string; database: string; dnsPort: number; apiPort: number; apiKey: string }): string {
  return [
    'launch=gsqlite3',
    `gsqlite3-database=${options.database}`,
    `socket-dir=${join(options.dir, 'sock')}`,
    `local-address=127.0.0.1:${options.dnsPort}`,
    'api=yes',
    `api-key=${options.apiKey}`,
    'webserver=yes',
    'webserver-address=127.0.0.1',
    `webserver-port=${options.apiPort}`,
    'webserver-allow-from=127.0.0.0/8',
    // The default asks a public DNS name for security advisories: there is no internet here.
    'security-poll-suffix=',
    'cache-ttl=0',
    'negquery-cache-ttl=0',
    'query-cache-ttl=0',
    'disable-syslog=yes',
    '',
  ].join('\n');
}

export async function startPdns(binary: string, schemaFile: string, stackDir: string, apiPort?: number): Promise<PowerDns> {
  const dir = join(stackDir, 'pdns');
  mkdirSync(join(dir, 'sock'), { recursive: true });
  const database = join(dir, 'pdns.sqlite3');
  createPdnsDatabase(database, schemaFile);
  const [dnsPort, port] = [await freePort(), apiPort ?? (await freePort())];
  const apiKey = randomBytes(16).toString('hex');
  // In the config file, not on the command line, so the key is not in every `ps` listing.
  writeFileSync(join(dir, 'pdns.conf'), pdnsConfig({ dir, database, dnsPort, apiPort: port, apiKey }), { mode: 0o600 });
  const server = new Server({
    name: 'pdns_server',
    command: binary,
    args: [`--config-dir=${dir}`, '--daemon=no', '--guardian=no', '--write-pid=no'],
    logFile: join(stackDir, 'pdns.log'),
  });
  const apiUrl = `http://127.0.0.1:${port}`;
  await server.waitReady(async () => (await fetch(`${apiUrl}/api/v1/servers/localhost`, { headers: { 'X-API-Key': apiKey } })).ok, 30_000);
  return { server, apiUrl, apiKey, dnsPort };
}

/** Creates a zone (kind Native, one NS record) on the server unless it has one of that name. */
export async function ensurePdnsZone(pdns: { apiUrl: string; apiKey: string }, zone: string): Promise<'created' | 'exists'> {
  const zones = `${pdns.apiUrl}/api/v1/servers/localhost/zones`;
  const headers = { 'X-API-Key': pdns.apiKey, 'Content-Type': 'application/json' };
  const found = await fetch(`${zones}?zone=${encodeURIComponent(zone)}`, { headers });
  if (found.ok && ((await found.json()) as unknown[]).length > 0) return 'exists';
  const res = await fetch(zones, { method: 'POST', headers, body: JSON.stringify({ name: zone, kind: 'Native', nameservers: [`ns1.${zone}`] }) });
  if (!res.ok) throw new Error(`PowerDNS refused to create the zone ${zone}: HTTP ${res.status} ${await res.text()}`);
  return 'created';
}
