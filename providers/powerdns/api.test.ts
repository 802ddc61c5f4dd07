import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { AdapterError, ProviderConnection } from '../../sdk/index.ts';
import { PdnsApi, pdnsSettings } from './api.ts';
import { PdnsReason } from './reasons.ts';

const KEY = 'sekrit-api-key-0123456789';
const connection = (over: Partial<ProviderConnection> = {}): ProviderConnection => ({
  name: 'pdns', type: 'powerdns', region: 'us-east-1', endpoint: 'http://127.0.0.1:1', secretData: { apiKey: KEY }, settings: {}, ...over,
});

describe('pdnsSettings', () => {
  it('builds the server URL from the endpoint, with or without /api/v1', () => {
    assert.equal(pdnsSettings(connection({ endpoint: 'http://pdns:8081/' })).serverUrl, 'http://pdns:8081/api/v1/servers/localhost');
    assert.equal(pdnsSettings(connection({ endpoint: 'http://pdns:8081/api/v1', settings: { serverId: 'main' } })).serverUrl, 'http://pdns:8081/api/v1/servers/main');
  });

  const refusals = [
    { reason: 'no endpoint', over: { endpoint: undefined }, code: PdnsReason.ProviderConfigInvalid, message: /spec\.endpoint/ },
    { reason: 'no API key in the Secret', over: { secretData: { other: 'x' } }, code: PdnsReason.CredentialsNotFound, message: /apiKey/ },
    { reason: 'no Secret at all', over: { secretData: undefined }, code: PdnsReason.CredentialsNotFound, message: /apiKey/ },
    { reason: 'an unknown setting (a typo)', over: { settings: { serverID: 'x' } }, code: PdnsReason.ProviderConfigInvalid, message: /serverID/ },
  ];
  for (const r of refusals) {
    it(`refuses ${r.reason}`, () => assert.throws(() => pdnsSettings(connection(r.over)), (err: AdapterError) => err.kind === 'Terminal' && err.reason === r.code && r.message.test(err.message)));
  }

  it('fingerprints the key without holding it', () => assert.ok(!pdnsSettings(connection()).fingerprint.includes(KEY)));
});

describe('PdnsApi errors', () => {
  let server: Server;
  let endpoint: string;
  // Each path answers with one status; every body echoes the key, as a careless proxy might.
  const answers: Record<string, number> = { '/401': 401, '/403': 403, '/404': 404, '/422': 422, '/429': 429, '/400': 400, '/503': 503 };
  before(async () => {
    server = createServer((req, res) => {
      const status = answers[/\/zones\/([^/?]+)/.exec(req.url ?? '')?.[1]?.replace(/^/, '/') ?? ''] ?? 200;
      res.writeHead(status, { 'content-type': 'application/json', ...(status === 429 ? { 'retry-after': '2' } : {}) });
      res.end(status === 200 ? 'not json' : JSON.stringify({ error: `refused key ${String(req.headers['x-api-key'])}` }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => server.close());

  const cases = [
    { zone: '401', kind: 'Terminal', reason: PdnsReason.InvalidCredentials },
    { zone: '403', kind: 'Terminal', reason: PdnsReason.AccessDenied },
    { zone: '404', kind: 'Terminal', reason: PdnsReason.ZoneNotFound },
    { zone: '422', kind: 'Terminal', reason: PdnsReason.InvalidChange },
    { zone: '400', kind: 'Terminal', reason: PdnsReason.InvalidRequest },
    { zone: '429', kind: 'Retryable', reason: PdnsReason.Throttled },
    { zone: '503', kind: 'Retryable', reason: PdnsReason.ProviderUnavailable },
    { zone: 'ok', kind: 'Retryable', reason: PdnsReason.ProviderError },
  ];
  for (const c of cases) {
    it(`HTTP ${c.zone} is ${c.kind} ${c.reason}, and the message never holds the key`, async () => {
      const api = new PdnsApi(pdnsSettings(connection({ endpoint })));
      await assert.rejects(api.zone(c.zone), (err: AdapterError) => {
        assert.equal(err.kind, c.kind);
        assert.equal(err.reason, c.reason);
        assert.ok(!err.message.includes(KEY), err.message);
        return true;
      });
    });
  }

  it('throttling says when to come back and slows the limiter down', async () => {
    let throttled = 0;
    const limiter = { schedule: <T>(fn: () => Promise<T>) => fn(), throttled: () => void throttled++, succeeded: () => {} };
    const api = new PdnsApi(pdnsSettings(connection({ endpoint })), limiter);
    await assert.rejects(api.zone('429'), (err: AdapterError) => err.retryAfterMs === 2000 && err.throttled);
    assert.equal(throttled, 1);
  });

  it('a refused connection is Retryable ProviderUnavailable', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const api = new PdnsApi(pdnsSettings(connection({ endpoint: `http://127.0.0.1:${port}` })));
    await assert.rejects(api.zone('example.test.'), (err: AdapterError) => err.kind === 'Retryable' && err.reason === PdnsReason.ProviderUnavailable && /ECONNREFUSED/.test(err.message));
  });
});

describe('PdnsApi redirects', () => {
  it('never follows a redirect, so the server it points to never sees the key: Terminal RedirectRefused', async () => {
    const seen: (string | undefined)[] = [];
    const target = createServer((req, res) => {
      seen.push(req.headers['x-api-key'] as string | undefined);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"id":"example.test.","rrsets":[]}');
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
    const redirector = createServer((req, res) => {
      res.writeHead(307, { location: `${targetUrl}${req.url ?? '/'}` });
      res.end();
    });
    await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
    try {
      const api = new PdnsApi(pdnsSettings(connection({ endpoint: `http://127.0.0.1:${(redirector.address() as { port: number }).port}` })));
      await assert.rejects(api.zone('example.test.'), (err: AdapterError) => {
        assert.equal(err.kind, 'Terminal');
        assert.equal(err.reason, PdnsReason.RedirectRefused);
        assert.match(err.message, /HTTP 307 redirect to http:\/\/127\.0\.0\.1:\d+/);
        assert.ok(!err.message.includes(KEY));
        return true;
      });
      assert.deepEqual(seen, [], 'the second server never got a request, let alone the key');
    } finally {
      redirector.close();
      target.close();
    }
  });
});
