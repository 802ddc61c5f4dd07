// DNSRecord on PowerDNS, end to end: the real apiserver, a `mooring run --providers
// providers/powerdns` process (the plugin loaded as any plugin is), and a real pdns_server (sqlite3 backend) reached through a small proxy that counts its API
// calls. What PowerDNS holds is read through its API directly, and what it serves with a DNS
// client; never through the adapter.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import powerdns from '../../providers/powerdns/index.ts';
import { ADOPT_WITH_CHANGES } from '../../src/reconcile/adoption.ts';
import type { ManagedObject } from '../../src/reconcile/types.ts';
import { ensurePdnsZone } from '../../src/stack/pdns.ts';
import { condition, createNamespace, eventually, installCrds, kubeConfig, markOf, objects, powerdnsProviderConfig, uniq, waiters } from '../support/kube.ts';
import { useStack } from '../support/stack.ts';

const stack = useStack(['kube', 'pdns']);
let kc: KubeConfig;
let ns: string;
let pc: string;
let operator: ChildProcess | undefined;
let proxy: CountingProxy;
const records = () => objects(kc, 'dnsrecords');

// --- PowerDNS, read and written directly ----------------------------------------------------------

interface ApiRRset {
  name: string;
  type: string;
  ttl: number;
  records: { content: string }[];
}

async function pdns<T>(method: string, path: string, body?: unknown): Promise<T> {
  const { apiUrl, apiKey } = stack().pdns!;
  const res = await fetch(`${apiUrl}/api/v1/servers/localhost${path}`, {
    method,
    headers: { 'X-API-Key': apiKey, 'Content-Type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`PowerDNS ${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const createZone = (zone: string) => ensurePdnsZone(stack().pdns!, zone);
const rrsets = async (zone: string) => (await pdns<{ rrsets: ApiRRset[] }>('GET', `/zones/${zone}`)).rrsets;
const find = (sets: ApiRRset[], name: string, type: string) => sets.find((s) => s.name === name && s.type === type);
const contents = (s: ApiRRset | undefined) => (s?.records ?? []).map((r) => r.content).sort();
const putRRset = (zone: string, name: string, type: string, content: string[]) =>
  pdns('PATCH', `/zones/${zone}`, { rrsets: [{ name, type, ttl: 60, changetype: 'REPLACE', records: content.map((c) => ({ content: c, disabled: false })) }] });

function resolver(): Resolver {
  const r = new Resolver({ timeout: 2000, tries: 2 });
  r.setServers([`127.0.0.1:${stack().pdns!.dnsPort}`]);
  return r;
}

interface CountingProxy {
  url: string;
  /** Every call, with the record set names a PATCH carried. */
  calls: { method: string; path: string; names: string[] }[];
  /** Holds PATCHes (GETs still pass) until the returned function releases them. */
  holdPatches(): () => void;
  stop(): Promise<void>;
}

/** Forwards to the PowerDNS API and records each call, so tests see how many PATCHes went. */
async function countingProxy(target: string): Promise<CountingProxy> {
  const calls: CountingProxy['calls'] = [];
  let held: (() => void)[] | undefined;
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer | undefined) => {
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
    fetch(`${target}${req.url}`, { method: req.method, headers, ...(body ? { body } : {}) })
      .then(async (answer) => {
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      })
      .catch(() => res.destroy());
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const names = body ? ((JSON.parse(body.toString()) as { rrsets?: { name: string }[] }).rrsets ?? []).map((r) => r.name) : [];
      calls.push({ method: req.method ?? '', path: req.url ?? '', names });
      if (held && req.method === 'PATCH') held.push(() => forward(req, res, body));
      else forward(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    calls,
    holdPatches: () => {
      held = [];
      return () => {
        const waiting = held ?? [];
        held = undefined;
        for (const go of waiting) go();
      };
    },
    stop: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

before(async () => {
  await stack.ready();
  kc = kubeConfig(stack());
  await installCrds(kc);
  ns = await createNamespace(kc);
  proxy = await countingProxy(stack().pdns!.apiUrl);
  pc = await powerdnsProviderConfig(kc, stack(), uniq('pdns'), { endpoint: proxy.url });
  const log = createWriteStream(join(stack().dir, `operator-${ns}.log`), { flags: 'a' });
  operator = spawn(process.execPath, [
    join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts'), 'run', '--kubeconfig', stack().kube!.kubeconfig, '--namespace', ns,
    '--resync-period', '3s', '--backoff-base', '500ms', '--log-level', 'debug', '--bind-address', '127.0.0.1:0',
    '--providers', join(import.meta.dirname, '..', '..', 'providers', 'powerdns'), '--credentials-namespaces', 'default',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  operator.stdout!.pipe(log);
  operator.stderr!.pipe(log);
});
after(async () => {
  if (operator && operator.exitCode === null) {
    const exited = new Promise((r) => operator!.once('exit', r));
    operator.kill('SIGTERM');
    await exited;
  }
  await proxy?.stop();
});

// --- the cluster side -----------------------------------------------------------------------------

const spec = (zone: string, name: string, type: string, rest: Record<string, unknown>) => ({ providerConfigRef: { name: pc }, zone: { name: zone }, name, type, ...rest });
const wait = () => waiters(kc, 'dnsrecords', ns);
const ready = (name: string, timeoutMs?: number) => wait().ready(name, timeoutMs);
const degraded = (name: string, reason: string) => wait().degraded(name, reason);
const gone = (name: string) => wait().gone(name);
/** The ownership record's value the operator writes for a DNSRecord (its uid read from the apiserver). */
const mark = async (name: string) => `"${await markOf(kc, 'dnsrecords', ns, name)}"`;

// --- tests ------------------------------------------------------------------------------------------

describe('DNSRecord on PowerDNS', () => {
  const zone = `${uniq('z')}.test.`;
  before(() => createZone(zone));

  it('A, TXT, CNAME and MX records reach Ready, carry ownership records, and resolve through pdns_server', async () => {
    const long = `v=spf1 ${'x'.repeat(300)} "quoted"`;
    await Promise.all([
      records().create(ns, 'web', spec(zone, 'www', 'A', { values: ['192.0.2.10', '192.0.2.11'], ttl: 120 })),
      records().create(ns, 'txt', spec(zone, '@', 'TXT', { values: ['hello world', long] })),
      records().create(ns, 'alias', spec(zone, 'docs', 'CNAME', { values: ['www.example.net'] })),
      records().create(ns, 'mail', spec(zone, `@`, 'MX', { values: ['10 mail.example.net'] })),
    ]);
    const web = await ready('web');
    await Promise.all(['txt', 'alias', 'mail'].map((n) => ready(n)));
    assert.deepEqual(web.status?.atProvider, { hostedZoneId: zone, fqdn: `www.${zone}` });

    const dns = resolver();
    assert.deepEqual((await dns.resolve4(`www.${zone}`)).sort(), ['192.0.2.10', '192.0.2.11']);
    assert.deepEqual((await dns.resolveTxt(zone)).map((parts) => parts.join('')).sort(), ['hello world', long].sort());
    assert.deepEqual(await dns.resolveCname(`docs.${zone}`), ['www.example.net']);
    assert.deepEqual((await dns.resolveMx(zone)).map((mx) => `${mx.priority} ${mx.exchange}`), ['10 mail.example.net']);

    const sets = await rrsets(zone);
    assert.equal(find(sets, `www.${zone}`, 'A')?.ttl, 120);
    assert.deepEqual(contents(find(sets, `_mooring-a.www.${zone}`, 'TXT')), [await mark('web')]);
    assert.deepEqual(contents(find(sets, `_mooring-txt.${zone}`, 'TXT')), [await mark('txt')]);
    assert.deepEqual(contents(find(sets, `_mooring-cname.docs.${zone}`, 'TXT')), [await mark('alias')]);
    assert.deepEqual(contents(find(sets, `_mooring-mx.${zone}`, 'TXT')), [await mark('mail')]);
  });

  it('an update reaches the DNS answers, and drift made by hand is put back', async () => {
    await records().create(ns, 'upd', spec(zone, 'upd', 'A', { values: ['192.0.2.20'] }));
    await ready('upd');
    await records().patchSpec(ns, 'upd', spec(zone, 'upd', 'A', { values: ['192.0.2.21'], ttl: 60 }));
    await ready('upd');
    const dns = resolver();
    assert.deepEqual(await dns.resolve4(`upd.${zone}`), ['192.0.2.21']);
    await putRRset(zone, `upd.${zone}`, 'A', ['198.51.100.1']);
    await eventually(async () => JSON.stringify(await dns.resolve4(`upd.${zone}`)) === '["192.0.2.21"]', 'the drift corrected', 30_000);
    assert.equal(find(await rrsets(zone), `upd.${zone}`, 'A')?.ttl, 60);
  });

  it('refuses a record set without our ownership record, leaves it untouched, and takes it with adopt', async () => {
    await putRRset(zone, `legacy.${zone}`, 'A', ['198.51.100.7']);
    await records().create(ns, 'legacy', spec(zone, 'legacy', 'A', { values: ['192.0.2.30'] }));
    const refused = await degraded('legacy', 'NotOwned');
    assert.match(condition(refused, 'Degraded')?.message ?? '', /adopt/);
    let sets = await rrsets(zone);
    assert.deepEqual(contents(find(sets, `legacy.${zone}`, 'A')), ['198.51.100.7']);
    assert.equal(find(sets, `_mooring-a.legacy.${zone}`, 'TXT'), undefined);

    await records().patchSpec(ns, 'legacy', spec(zone, 'legacy', 'A', { values: ['192.0.2.30'], adopt: true }));
    // Other values than the live ones: shown first (issue 16), changed only once accepted.
    await degraded('legacy', 'AdoptionWouldChange');
    assert.deepEqual(contents(find(await rrsets(zone), `legacy.${zone}`, 'A')), ['198.51.100.7'], 'still untouched');
    await records().annotate(ns, 'legacy', { [ADOPT_WITH_CHANGES]: 'true' });
    await ready('legacy');
    sets = await rrsets(zone);
    assert.deepEqual(contents(find(sets, `legacy.${zone}`, 'A')), ['192.0.2.30']);
    assert.deepEqual(contents(find(sets, `_mooring-a.legacy.${zone}`, 'TXT')), [await mark('legacy')]);
  });

  it('deleting removes the record set and its ownership record together', async () => {
    await records().create(ns, 'bye', spec(zone, 'bye', 'TXT', { values: ['so long'] }));
    await ready('bye');
    await records().remove(ns, 'bye');
    await gone('bye');
    const sets = await rrsets(zone);
    assert.equal(find(sets, `bye.${zone}`, 'TXT'), undefined);
    assert.equal(find(sets, `_mooring-txt.bye.${zone}`, 'TXT'), undefined);
    await assert.rejects(resolver().resolveTxt(`bye.${zone}`), (err: NodeJS.ErrnoException) => err.code === 'ENOTFOUND');
  });
});

describe('the PowerDNS probe (mooring doctor)', () => {
  const connection = (apiKey: string) => ({ name: 'probe', type: 'powerdns', region: 'local', endpoint: stack().pdns!.apiUrl, settings: {}, secretData: { apiKey } });

  it('names the server and its version when the key works, and the server id and URL for the status', async () => {
    const report = await powerdns.probe!(connection(stack().pdns!.apiKey));
    assert.ok(typeof report === 'object');
    assert.match(report.summary, /^PowerDNS authoritative 4\.\S+ at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/servers\/localhost accepted the API key$/);
    assert.equal(report.account, 'localhost');
    assert.match(report.endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/servers\/localhost$/);
  });

  it('is Terminal InvalidCredentials with a wrong key, and never says the key', async () => {
    const key = 'not-the-key-0123456789';
    await assert.rejects(powerdns.probe!(connection(key)), (err: Error & { kind?: string; reason?: string }) =>
      err.kind === 'Terminal' && err.reason === 'InvalidCredentials' && !err.message.includes(key));
  });
});

describe('batching on PowerDNS', () => {
  const patchesCarrying = (zone: string, pattern: RegExp) => proxy.calls.filter((c) => c.method === 'PATCH' && c.path.endsWith(`/zones/${zone}`) && c.names.some((n) => pattern.test(n)));

  it('records created together in one zone go in at most two PATCHes: the first batch, then all that queued behind it', async () => {
    const zone = `${uniq('batch')}.test.`;
    await createZone(zone);
    const count = 60;
    // The first PATCH is held at the proxy, so however slowly the operator gets through the
    // creates, every later change queues behind it for the zone's next PATCH.
    const release = proxy.holdPatches();
    try {
      await Promise.all(Array.from({ length: count }, (_, i) => records().create(ns, `b-${i}`, spec(zone, `h${i}`, 'A', { values: [`192.0.2.${i + 1}`] }))));
      const waiting = (o: ManagedObject) => condition(o, 'Progressing')?.reason === 'Waiting';
      await eventually(async () => (await records().list(ns)).filter((o) => o.metadata.name.startsWith('b-') && waiting(o)).length === count, `all ${count} DNSRecords waiting for their PATCH`, 120_000);
    } finally {
      release();
    }
    await Promise.all(Array.from({ length: count }, (_, i) => ready(`b-${i}`, 60_000)));
    const patches = patchesCarrying(zone, /^h\d+\./);
    console.log(`[measure] ${count} records in one zone: ${patches.length} PATCHes (${patches.map((p) => p.names.length).join(', ')} record sets each)`);
    // One when every create reached the batcher within the first window, two when the rest queued behind it.
    assert.ok(patches.length >= 1 && patches.length <= 2, `${patches.length} PATCHes for ${count} records`);
    assert.equal(patches.flatMap((p) => p.names).length, 2 * count, 'each record with its ownership record, each once');
    const sets = await rrsets(zone);
    for (let i = 0; i < count; i++) {
      assert.deepEqual(contents(find(sets, `h${i}.${zone}`, 'A')), [`192.0.2.${i + 1}`]);
      assert.deepEqual(contents(find(sets, `_mooring-a.h${i}.${zone}`, 'TXT')), [await mark(`b-${i}`)]);
    }
    assert.deepEqual(await resolver().resolve4(`h7.${zone}`), ['192.0.2.8']);
  });

  it('a change PowerDNS refuses fails alone; the others of its PATCH are applied', async () => {
    const zone = `${uniq('refuse')}.test.`;
    await createZone(zone);
    // An MX preference over 65535: the schema's pattern lets it by, PowerDNS refuses it (422, naming the record set).
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => records().create(ns, `ok-${i}`, spec(zone, `ok${i}`, 'A', { values: [`192.0.2.${i + 1}`] }))),
      records().create(ns, 'overflow', spec(zone, 'overflow', 'MX', { values: ['99999 mail.example.net'] })),
    ]);
    await Promise.all(Array.from({ length: 5 }, (_, i) => ready(`ok-${i}`)));
    const refused = await degraded('overflow', 'InvalidChange');
    assert.match(condition(refused, 'Degraded')?.message ?? '', /overflow\./);
    assert.equal(find(await rrsets(zone), `overflow.${zone}`, 'MX'), undefined);
    assert.ok(patchesCarrying(zone, /^overflow\./).some((p) => p.names.length === 2), 'the refused change was at last sent alone (with its ownership record)');
  });

  it('a CNAME beside a record set made by hand is refused before any PATCH carries it (CnameConflict), the record set left as it is', async () => {
    const zone = `${uniq('clash')}.test.`;
    await createZone(zone);
    await putRRset(zone, `clash.${zone}`, 'A', ['198.51.100.9']);
    await records().create(ns, 'clash', spec(zone, 'clash', 'CNAME', { values: ['elsewhere.example.net'], adopt: true }));
    const clash = await degraded('clash', 'CnameConflict');
    assert.match(condition(clash, 'Degraded')?.message ?? '', /a CNAME at clash\..* cannot sit beside the A record set/);
    assert.deepEqual(contents(find(await rrsets(zone), `clash.${zone}`, 'A')), ['198.51.100.9'], 'the hand-made record is untouched');
    assert.deepEqual(patchesCarrying(zone, /^clash\./), [], 'no PATCH carried it');
  });
});
