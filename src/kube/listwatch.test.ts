// KubeListWatch against a scripted HTTP server on loopback: the requests it makes and how it reads
// the answers. Its behaviour against a real apiserver belongs to the integration suite.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { WatchEvent } from '../runtime/informer.ts';
import { KubeClient } from './client.ts';
import { KubeListWatch, slim, type ResourceRef } from './listwatch.ts';

type Route = (req: IncomingMessage, url: URL, res: ServerResponse) => void;

let route: Route = (_req, _url, res) => res.writeHead(404).end();
const seen: URL[] = [];
const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  seen.push(url);
  route(req, url, res);
});
let kube: KubeClient;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  kube = new KubeClient({ server: `http://127.0.0.1:${port}`, tls: { rejectUnauthorized: true }, headers: async () => ({ Authorization: 'Bearer t' }) });
});
after(() => {
  kube.close();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const json = (res: ServerResponse, body: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const buckets: ResourceRef = { group: 'mooring.dev', version: 'v1alpha1', plural: 'buckets', kind: 'Bucket' };

describe('KubeListWatch', () => {
  const paths: { reason: string; ref: ResourceRef; want: string }[] = [
    { reason: 'a custom resource in every namespace', ref: buckets, want: '/apis/mooring.dev/v1alpha1/buckets' },
    { reason: 'a custom resource in one namespace', ref: { ...buckets, namespace: 'team-a' }, want: '/apis/mooring.dev/v1alpha1/namespaces/team-a/buckets' },
    { reason: 'a core resource', ref: { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespace: 'ns' }, want: '/api/v1/namespaces/ns/secrets' },
  ];
  for (const c of paths) it(`watches the path of ${c.reason}`, () => assert.equal(new KubeListWatch(kube, c.ref).path, c.want));

  it('lists every page, fills in kind and apiVersion, and keeps the resourceVersion', async () => {
    seen.length = 0;
    route = (_req, url, res) => {
      const token = url.searchParams.get('continue');
      const page = token === null ? { items: [{ metadata: { name: 'a', namespace: 'ns' } }], next: 'p2' } : { items: [{ metadata: { name: 'b', namespace: 'ns' } }], next: undefined };
      json(res, { apiVersion: 'mooring.dev/v1alpha1', kind: 'BucketList', metadata: { resourceVersion: '42', continue: page.next }, items: page.items });
    };
    const result = await new KubeListWatch(kube, { ...buckets, labelSelector: 'team=a' }, { pageSize: 1 }).list();
    assert.equal(result.resourceVersion, '42');
    assert.deepEqual(result.items.map((i) => [i.apiVersion, i.kind, i.metadata?.name]), [['mooring.dev/v1alpha1', 'Bucket', 'a'], ['mooring.dev/v1alpha1', 'Bucket', 'b']]);
    assert.deepEqual(seen.map((u) => [u.pathname, u.searchParams.get('limit'), u.searchParams.get('continue'), u.searchParams.get('labelSelector')]), [
      ['/apis/mooring.dev/v1alpha1/buckets', '1', null, 'team=a'],
      ['/apis/mooring.dev/v1alpha1/buckets', '1', 'p2', 'team=a'],
    ]);
  });

  it('watches from a resourceVersion with bookmarks, and reports a server-closed watch as a normal end', async () => {
    seen.length = 0;
    route = (_req, _url, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(`${JSON.stringify({ type: 'ADDED', object: { kind: 'Bucket', metadata: { name: 'a', namespace: 'ns', resourceVersion: '43' } } })}\n`);
      res.end(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: 'Bucket', metadata: { resourceVersion: '50' } } })}\n`);
    };
    const events: WatchEvent<unknown>[] = [];
    const err = await new Promise<unknown>((resolve) => {
      void new KubeListWatch(kube, buckets, { minWatchTimeoutSeconds: 300, random: () => 0.5 }).watch('42', (e) => events.push(e), resolve);
    });
    assert.equal(err, undefined);
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'BOOKMARK']);
    const url = seen[0]!;
    assert.deepEqual(
      ['watch', 'resourceVersion', 'allowWatchBookmarks', 'timeoutSeconds'].map((k) => url.searchParams.get(k)),
      ['true', '42', 'true', '450'],
    );
  });

  it('caches objects without managedFields or the last-applied manifest, listed or watched', async () => {
    const heavy = (name: string, annotations: Record<string, string>) => ({
      metadata: { name, namespace: 'ns', resourceVersion: '43', managedFields: [{ manager: 'kubectl', operation: 'Apply' }], annotations },
    });
    const lastApplied = { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}' };
    route = (_req, url, res) => {
      if (url.searchParams.get('watch') !== 'true') return json(res, { metadata: { resourceVersion: '42' }, items: [heavy('a', lastApplied)] });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ADDED', object: { kind: 'Bucket', ...heavy('b', { ...lastApplied, team: 'x' }) } })}\n`);
    };
    const lw = new KubeListWatch(kube, buckets);
    const [listed] = (await lw.list()).items;
    assert.deepEqual(listed?.metadata, { name: 'a', namespace: 'ns', resourceVersion: '43' });
    const events: WatchEvent<unknown>[] = [];
    await new Promise<unknown>((resolve) => void lw.watch('42', (e) => events.push(e), resolve));
    assert.deepEqual((events[0]?.object as { metadata?: unknown } | undefined)?.metadata, { name: 'b', namespace: 'ns', resourceVersion: '43', annotations: { team: 'x' } });
  });

  it('reports a 410 status on the watch request as an error with code 410', async () => {
    route = (_req, _url, res) => json(res, { kind: 'Status', code: 410, reason: 'Expired' }, 410);
    const err = await new Promise<unknown>((resolve) => {
      void new KubeListWatch(kube, buckets).watch('1', () => {}, resolve);
    });
    assert.equal((err as { code?: number }).code, 410);
  });
});

describe('slim', () => {
  const full = () => ({
    apiVersion: 'mooring.dev/v1alpha1',
    kind: 'Bucket',
    metadata: {
      name: 'a', namespace: 'ns', uid: 'u1', resourceVersion: '7', generation: 3, creationTimestamp: '2026-01-01T00:00:00Z', deletionTimestamp: '2026-01-02T00:00:00Z',
      labels: { team: 'x' }, finalizers: ['mooring.dev/finalizer'], ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'o', uid: 'u0' }],
      annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', 'mooring.dev/paused': 'true' },
      managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
    },
    spec: { providerConfigRef: { name: 'pc' } },
    status: { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] },
  });

  it('keeps every field the reconciler reads, and only drops managedFields and the last-applied manifest', () => {
    const { managedFields: _m, annotations: _a, ...metadata } = full().metadata;
    assert.deepEqual(slim(full()), { ...full(), metadata: { ...metadata, annotations: { 'mooring.dev/paused': 'true' } } });
  });

  // A property deleted from a V8 object turns it into a hash table, about half as big again; checked
  // in a child process with V8's natives syntax, which says which representation an object has.
  it('leaves the metadata with fast properties, not a hash table', () => {
    const script = `
      const { slim } = await import(${JSON.stringify(new URL('./listwatch.ts', import.meta.url).href)});
      const o = slim(${JSON.stringify(full())});
      console.log(JSON.stringify([%HasFastProperties(o.metadata), %HasFastProperties(o.metadata.annotations)]));`;
    const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(out), [true, true]);
  });
});
