// KubeClient against scripted servers on loopback: what it sends, how it reads answers and
// refusals, how a watch stream is split into events and how it ends; and TLS as a kubeconfig sets
// it (CA, client certificate, tls-server-name, insecure) against a server with real certificates.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { classify } from '../reconcile/errors.ts';
import { Reason } from '../reconcile/reasons.ts';
import { kubeMessage, kubeStatus } from '../runtime/apiserver-errors.ts';
import { kubeconfigYaml } from '../stack/apiserver.ts';
import { makeCerts, type ControlPlaneCerts } from '../stack/certs.ts';
import { KubeApiError, KubeClient, KubeUnreachableError, MERGE_PATCH, type RawWatchEvent } from './client.ts';
import { kubeconfigConnection } from './config.ts';

interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: string;
}
type Route = (req: Seen, res: ServerResponse) => void;

let route: Route = (_req, res) => res.writeHead(404).end();
const seen: Seen[] = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const s = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), headers: req.headers, body: Buffer.concat(chunks).toString() };
    seen.push(s);
    route(s, res);
  });
});
let kube: KubeClient;
let tokens = 0;

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // A new token per request: proves the headers are asked for each time (a rotated token is used).
  kube = new KubeClient({ server: `http://127.0.0.1:${port}/prefix`, tls: { rejectUnauthorized: true }, headers: async () => ({ Authorization: `Bearer t${++tokens}` }) }, { watchIdleMs: 300 });
});
after(() => {
  kube.close();
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

describe('KubeClient.request', () => {
  it('sends the method, path (after the server prefix), query, headers and JSON body; parses the answer', async () => {
    seen.length = 0;
    route = (_req, res) => json(res, 200, { metadata: { name: 'a' } });
    const got = await kube.request('PATCH', '/apis/mooring.dev/v1alpha1/namespaces/ns/buckets/a', { query: { fieldManager: 'm', dryRun: undefined }, body: { spec: { x: 1 } }, contentType: MERGE_PATCH });
    assert.deepEqual(got, { metadata: { name: 'a' } });
    const [req] = seen;
    assert.deepEqual([req?.method, req?.url.pathname, req?.url.search, req?.body], ['PATCH', '/prefix/apis/mooring.dev/v1alpha1/namespaces/ns/buckets/a', '?fieldManager=m', '{"spec":{"x":1}}']);
    assert.equal(req?.headers['content-type'], MERGE_PATCH);
    assert.equal(req?.headers.accept, 'application/json');
    assert.match(req?.headers.authorization ?? '', /^Bearer t\d+$/);
  });

  it('asks for the headers on every request, so a rotated token is used', async () => {
    seen.length = 0;
    route = (_req, res) => json(res, 200, {});
    await kube.request('GET', '/api/v1/namespaces');
    await kube.request('GET', '/api/v1/namespaces');
    const [a, b] = seen.map((s) => s.headers.authorization);
    assert.notEqual(a, b);
  });

  it('defaults a body to application/json, and an empty answer to undefined', async () => {
    seen.length = 0;
    route = (_req, res) => res.writeHead(200).end();
    assert.equal(await kube.request('POST', '/api/v1/namespaces/ns/events', { body: { a: 1 } }), undefined);
    assert.equal(seen[0]?.headers['content-type'], 'application/json');
  });

  const refusals: { reason: string; answer: (res: ServerResponse) => void; code: number; message: string | undefined; classified: string }[] = [
    { reason: 'a Status of 404', answer: (res) => json(res, 404, status(404, 'NotFound', 'buckets "a" not found')), code: 404, message: 'buckets "a" not found', classified: Reason.ReconcileError },
    { reason: 'a conflict', answer: (res) => json(res, 409, status(409, 'Conflict', 'the object has been modified')), code: 409, message: 'the object has been modified', classified: Reason.Conflict },
    { reason: 'a refusal by RBAC', answer: (res) => json(res, 403, status(403, 'Forbidden', 'User "x" cannot patch resource "buckets"')), code: 403, message: 'User "x" cannot patch resource "buckets"', classified: Reason.KubeForbidden },
    { reason: 'a body that is not JSON', answer: (res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream down'), code: 503, message: undefined, classified: Reason.KubeUnavailable },
  ];
  for (const c of refusals) {
    it(`throws a KubeApiError for ${c.reason}, read by kubeStatus, kubeMessage and classify`, async () => {
      route = (_req, res) => c.answer(res);
      const err = await kube.request('GET', '/apis/mooring.dev/v1alpha1/namespaces/ns/buckets/a').then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof KubeApiError);
      assert.equal(kubeStatus(err), c.code);
      assert.equal(kubeMessage(err), c.message);
      assert.match(err.message, new RegExp(`^GET /apis/mooring.dev/v1alpha1/namespaces/ns/buckets/a: ${c.code} `));
      assert.equal(classify(err).reason, c.classified);
    });
  }

  it('takes a client-node KubeConfig a CLI command already holds (its headers per request)', async () => {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'k', server: `${kube.server}/`, skipTLSVerify: true }],
      users: [{ name: 'u', token: 'from-kubeconfig', impersonateUser: 'someone' }],
      contexts: [{ name: 'c', cluster: 'k', user: 'u', namespace: 'team-a' }],
      currentContext: 'c',
    });
    const client = KubeClient.fromKubeConfig(kc);
    seen.length = 0;
    route = (_req, res) => json(res, 200, {});
    await client.request('GET', '/api/v1/namespaces');
    client.close();
    assert.deepEqual([client.server, client.namespace, seen[0]?.url.pathname], [kube.server, 'team-a', '/prefix/api/v1/namespaces']);
    assert.deepEqual([seen[0]?.headers.authorization, seen[0]?.headers['impersonate-user']], ['Bearer from-kubeconfig', 'someone']);
  });

  it('fails a request that gets no answer in time', async () => {
    const slow = new KubeClient({ server: kube.server, tls: { rejectUnauthorized: true }, headers: async () => ({}) }, { requestTimeoutMs: 100 });
    route = () => undefined; // never answers
    await assert.rejects(slow.request('GET', '/api/v1/namespaces'), { name: 'KubeUnreachableError', message: 'GET /api/v1/namespaces: no answer within 0.1 s' });
    slow.close();
  });

  it('fails a request to an apiserver that refuses connections as KubeUnreachableError, classified KubeUnavailable', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port: free } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const gone = new KubeClient({ server: `http://127.0.0.1:${free}`, tls: { rejectUnauthorized: true }, headers: async () => ({}) });
    const err = await gone.request('GET', '/api/v1/namespaces').then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof KubeUnreachableError, String(err));
    assert.match(err.message, /^GET \/api\/v1\/namespaces: .*ECONNREFUSED/);
    const classified = classify(err);
    assert.deepEqual([classified.reason, classified.outcome], [Reason.KubeUnavailable, 'retryable']);
    assert.match(classified.message, /could not serve the operator's call: .*ECONNREFUSED/);
    gone.close();
  });
});

/** Runs a watch to its end: the events, and how it ended. */
async function watch(query: Record<string, string> = {}, signal = new AbortController().signal) {
  const events: RawWatchEvent[] = [];
  const end = await kube.watch('/apis/mooring.dev/v1alpha1/buckets', query, (e) => events.push(e), signal).then(() => 'ended', (err: unknown) => err);
  return { events, end };
}
const line = (type: string, rv: string) => `${JSON.stringify({ type, object: { kind: 'Bucket', metadata: { name: 'a', resourceVersion: rv } } })}\n`;

describe('KubeClient.watch', () => {
  it('asks for a watch with the query, and parses events split anywhere across chunks', async () => {
    seen.length = 0;
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const stream = line('ADDED', '1') + line('BOOKMARK', '2') + line('ERROR', '3');
      res.write(stream.slice(0, 10));
      res.write(stream.slice(10, 70));
      setTimeout(() => res.end(stream.slice(70)), 20);
    };
    const { events, end } = await watch({ resourceVersion: '0', allowWatchBookmarks: 'true' });
    assert.equal(end, 'ended');
    assert.deepEqual(events.map((e) => e.type), ['ADDED', 'BOOKMARK', 'ERROR']);
    assert.deepEqual(['watch', 'resourceVersion', 'allowWatchBookmarks'].map((k) => seen[0]?.url.searchParams.get(k)), ['true', '0', 'true']);
  });

  it('rejects with the Status when the watch is refused (410 Gone)', async () => {
    route = (_req, res) => json(res, 410, status(410, 'Expired', 'too old resource version'));
    const { end } = await watch();
    assert.ok(end instanceof KubeApiError);
    assert.equal(end.code, 410);
    assert.equal(kubeMessage(end), 'too old resource version');
  });

  it('ends normally when the stream stays quiet for the idle time (a connection may die without a word)', async () => {
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line('ADDED', '1'));
    };
    const { events, end } = await watch();
    assert.equal(end, 'ended');
    assert.equal(events.length, 1);
  });

  it('ends normally when aborted', async () => {
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line('ADDED', '1'));
    };
    const controller = new AbortController();
    const done = watch({}, controller.signal);
    setTimeout(() => controller.abort(), 50);
    assert.equal((await done).end, 'ended');
  });

  it('rejects when the connection breaks mid-stream, or a line is not JSON', async () => {
    route = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(line('ADDED', '1'));
      setTimeout(() => res.socket?.destroy(), 20);
    };
    assert.ok((await watch()).end instanceof Error, 'a broken connection');
    route = (_req, res) => res.writeHead(200).end('{"type":"ADDED","obj\n');
    assert.ok((await watch()).end instanceof SyntaxError, 'a line that is not JSON');
  });
});

describe('KubeClient over TLS, set up from a kubeconfig', () => {
  let certs: ControlPlaneCerts;
  let tls: TlsServer;
  let url: string;
  const certDir = mkdtempSync(join(tmpdir(), 'mooring-client-tls-'));
  before(async () => {
    certs = await makeCerts(certDir);
    // Like the apiserver: a CA-signed serving certificate, client certificates asked for, not required.
    tls = createTlsServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey), ca: readFileSync(certs.caCert), requestCert: true, rejectUnauthorized: false }, (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      json(res, 200, { user: (req.socket as TLSSocket).authorized ? peer.subject?.CN : null, authorization: req.headers.authorization ?? null });
    });
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });
  after(() => {
    tls.closeAllConnections();
    tls.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  const client = async (yaml: string) => {
    const file = join(certDir, `kubeconfig-${Math.random()}`);
    writeFileSync(file, yaml);
    return new KubeClient(await kubeconfigConnection([file]));
  };
  const call = async (c: KubeClient) => {
    try {
      return await c.request<{ user: string | null; authorization: string | null }>('GET', '/version');
    } finally {
      c.close();
    }
  };

  it('trusts the CA and presents the client certificate (the stack\'s own kubeconfig)', async () => {
    assert.deepEqual(await call(await client(kubeconfigYaml(url, certs))), { user: 'mooring-admin', authorization: null });
  });

  it('checks the server name given by tls-server-name', async () => {
    const yaml = (name: string) => kubeconfigYaml(url, certs).replace(/( {4}server: .*\n)/, `$1    tls-server-name: ${name}\n`);
    assert.equal((await call(await client(yaml('kubernetes.default')))).user, 'mooring-admin');
    await assert.rejects(call(await client(yaml('not-in-the-certificate.example'))), /does not match certificate's altnames|Hostname\/IP does not match/);
  });

  it('refuses a server its CA did not sign, unless insecure-skip-tls-verify', async () => {
    const withoutCa = kubeconfigYaml(url, certs).replace(/ {4}certificate-authority-data: .*\n/, '');
    await assert.rejects(call(await client(withoutCa)), /self.signed|unable to verify|unable to get local issuer/);
    const insecure = withoutCa.replace(/( {4}server: .*\n)/, '$1    insecure-skip-tls-verify: true\n');
    assert.equal((await call(await client(insecure))).user, 'mooring-admin');
  });
});
